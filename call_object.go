package dialtone

import (
	"context"
	"errors"
	"maps"
	"time"
)

// PrefixCall is the id prefix of calls.
const PrefixCall = "call"

// Call limits.
const (
	// MaxCallInstructionsLen caps a call's instructions, layered on the agent's prompt.
	MaxCallInstructionsLen = 8000
	// DefaultMaxConcurrentCalls is the default cap on an organization's live calls.
	DefaultMaxConcurrentCalls = 10
	// DefaultMaxQueuedCalls is the default cap on an organization's calls waiting in queued.
	DefaultMaxQueuedCalls = 1000
)

// CallDirection says who placed a call.
type CallDirection string

// The call directions.
const (
	CallInbound  CallDirection = "inbound"  // someone called one of the organization's numbers
	CallOutbound CallDirection = "outbound" // the organization's agent called out
)

// AnsweredBy says what answered an outbound call.
type AnsweredBy string

// What can answer a call.
const (
	AnsweredByHuman   AnsweredBy = "human"
	AnsweredByMachine AnsweredBy = "machine" // voicemail or an answering machine
)

// CarrierError is why the carrier refused to place a call (which then ended failed with
// carrier_error), in the catalogue's terms: Code is provider_error, destination_not_allowed,
// carrier_credentials_invalid, provider_rate_limited or provider_timeout, and Details holds
// the carrier's own words: provider, and when it gave them provider_code, provider_message
// and provider_status.
type CarrierError struct {
	Code    Code           `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// CarrierRefusal returns the CarrierError of a refusal err from carrier: err's own code,
// message and details when it is an *Error a carrier adapter built for the client, otherwise
// provider_error naming carrier (err's text, which may hold anything, is not shown).
func CarrierRefusal(carrier string, err error) *CarrierError {
	var e *Error
	if !errors.As(err, &e) || e.Code == CodeInternalError || !e.Code.Catalogued() {
		return &CarrierError{Code: CodeProviderError, Message: CodeProviderError.Entry().Message,
			Details: map[string]any{"provider": carrier}}
	}
	msg := e.Message
	if msg == "" {
		msg = e.Entry().Message
	}
	details := map[string]any{"provider": carrier}
	maps.Copy(details, e.Details)
	return &CarrierError{Code: e.Code, Message: msg, Details: details}
}

// Call is one telephone call, inbound or outbound. Nullable timestamps are nil until the call
// reaches them: DialedAt when it leaves the queue, StartedAt when it is answered (billing
// starts there), EndedAt when it reaches a terminal status.
type Call struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"` // "call"
	OrganizationID     string            `json:"-"`
	NodeID             string            `json:"-"` // the server process holding the live call
	Direction          CallDirection     `json:"direction"`
	Status             CallStatus        `json:"status"`
	AgentID            *string           `json:"agent_id"`        // nil for an inbound call to a number without an agent
	PhoneNumberID      string            `json:"phone_number_id"` // the organization's number on the call
	FromNumber         string            `json:"from_number"`
	ToNumber           string            `json:"to_number"`
	Contact            *ContactRef       `json:"contact"` // filled on reads: the other party's contact, or null
	Carrier            string            `json:"carrier"`
	Instructions       string            `json:"instructions"`
	Variables          map[string]string `json:"variables"`
	Metadata           map[string]string `json:"metadata"`
	RingTimeoutSeconds int               `json:"ring_timeout_seconds"`
	AnsweredBy         *AnsweredBy       `json:"answered_by"`
	EndedReason        *EndedReason      `json:"ended_reason"`
	CarrierError       *CarrierError     `json:"carrier_error"` // why, when the carrier refused to place it
	QueuedAt           time.Time         `json:"queued_at"`
	DialedAt           *time.Time        `json:"dialed_at"`
	StartedAt          *time.Time        `json:"started_at"`
	EndedAt            *time.Time        `json:"ended_at"`
	DurationSeconds    int64             `json:"duration_seconds"` // billable: whole seconds from answer, rounded up
	Cost               Money             `json:"cost"`
	// Transcript, Latency, Summary, RecordingURL and TransferredTo are what the call's
	// conversation left on it; they are filled when the call ends.
	Transcript    []TranscriptTurn `json:"transcript"`
	Latency       *CallLatency     `json:"latency"`
	Summary       *string          `json:"summary"`
	RecordingURL  *string          `json:"recording_url"` // GET it for the WAV recording
	Recording     string           `json:"-"`             // the recording's file name
	TransferredTo *string          `json:"transferred_to"`
	// CampaignID, LeadID and Attempt place a campaign's call: which lead it calls and which
	// attempt at that lead it is (from 1). nil and 0 for calls outside campaigns.
	CampaignID *string   `json:"campaign_id"`
	LeadID     *string   `json:"lead_id"`
	Attempt    int       `json:"attempt"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ApplyConversation stores on c what its conversation left.
func (c *Call) ApplyConversation(r ConversationResult) {
	c.Transcript, c.Latency, c.Recording = r.Transcript, r.Latency, r.Recording
	if r.Summary != "" {
		c.Summary = &r.Summary
	}
	if r.TransferredTo != "" {
		c.TransferredTo = &r.TransferredTo
	}
	c.fillRecordingURL()
}

// fillRecordingURL sets RecordingURL from Recording.
func (c *Call) fillRecordingURL() {
	c.RecordingURL = nil
	if c.Recording != "" {
		u := "/v1/calls/" + c.ID + "/recording"
		c.RecordingURL = &u
	}
}

// SetRecording sets the recording's file name (and so RecordingURL).
func (c *Call) SetRecording(name string) {
	c.Recording = name
	c.fillRecordingURL()
}

// Live reports whether the call holds one of its organization's concurrency slots: it has
// left the queue and not yet ended.
func (c Call) Live() bool {
	return c.Status == CallDialing || c.Status == CallRinging || c.Status == CallInProgress
}

// Ended reports whether the call reached a terminal status.
func (c Call) Ended() bool { return CallStates().Terminal(c.Status) }

// CallParams place an outbound call.
type CallParams struct {
	AgentID            Optional[string]            `json:"agent_id,omitzero"`
	ToNumber           Optional[string]            `json:"to_number,omitzero"`
	FromNumber         Optional[string]            `json:"from_number,omitzero"`
	Instructions       Optional[string]            `json:"instructions,omitzero"`
	Variables          Optional[map[string]string] `json:"variables,omitzero"`
	Metadata           Optional[map[string]string] `json:"metadata,omitzero"`
	RingTimeoutSeconds Optional[int]               `json:"ring_timeout_seconds,omitzero"`
}

// SandboxCallParams make a simulated person call one of the organization's numbers.
type SandboxCallParams struct {
	From Optional[string] `json:"from,omitzero"`
	To   Optional[string] `json:"to,omitzero"`
	// Persona is how the simulated person behaves: a built-in persona's name or a persona
	// written out; default the "caller" persona.
	Persona Optional[PersonaSpec] `json:"persona,omitzero"`
}

// SimulatedCall is a simulated person calling in, as the sandbox carrier is asked to play it.
type SimulatedCall struct {
	CallID     string
	From, To   string
	AgentVoice string // the answering agent's voice: the person speaks in the other register
	Persona    PersonaSpec
}

// CallSimulator is a carrier that can simulate a person calling in (the sandbox).
type CallSimulator interface {
	// CheckPersona returns a field error (under field) when spec names no built-in persona
	// or its custom persona is invalid.
	CheckPersona(spec PersonaSpec, field string) FieldErrors
	// SimulateCaller starts playing the person of req and returns the call's audio. The
	// carrier reports to events what the person does to the call (hanging up), until the
	// call ends or Hangup.
	SimulateCaller(ctx context.Context, req SimulatedCall, events CarrierEvents) (MediaLeg, error)
}

// CallFilter narrows a call list; zero fields match everything.
type CallFilter struct {
	AgentID       string
	Status        CallStatus
	Direction     CallDirection
	PhoneNumberID string
	CampaignID    string
	CreatedAfter  time.Time // exclusive
	CreatedBefore time.Time // exclusive
}

// CallService places, lists and ends calls.
type CallService interface {
	// Create queues an outbound call and returns it in status queued.
	Create(ctx context.Context, p Principal, params CallParams) (Call, error)
	// Get returns one call of p's organization.
	Get(ctx context.Context, p Principal, id string) (Call, error)
	// List returns a page of p's organization's calls, newest first.
	List(ctx context.Context, p Principal, f CallFilter, lp ListParams) (List[Call], error)
	// Hangup ends a call that has not ended and returns it as it ended.
	Hangup(ctx context.Context, p Principal, id string) (Call, error)
	// Delete erases an ended call's content, keeping its billing record.
	Delete(ctx context.Context, p Principal, id string) error
}
