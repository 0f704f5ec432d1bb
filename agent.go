package dialtone

import (
	"context"
	"time"
)

// Agent limits and defaults.
const (
	MaxAgentNameLen           = 100
	MaxSystemPromptLen        = 10000
	MaxGreetingLen            = 1000
	MaxVoicemailMessageLen    = 1000
	MinMaxCallDurationSeconds = 30
	MaxMaxCallDurationSeconds = 7200
	DefaultMaxCallDuration    = 1800
	MinRingTimeoutSeconds     = 5
	MaxRingTimeoutSeconds     = 120
	DefaultRingTimeoutSeconds = 30
	MaxTransferNumbers        = 10
	MaxMetadataKeys           = 50
	MaxMetadataKeyLen         = 40
	MaxMetadataValueLen       = 500
	DefaultLanguage           = "en-US"
	DefaultTimezone           = "UTC"
)

// VoicemailAction is what an agent does when an outbound call reaches voicemail.
type VoicemailAction string

// The voicemail actions. hang_up and leave_message have the carrier tell a person from a
// machine before the conversation starts (on Twilio the answered call waits for it, a few
// seconds); continue asks for no detection: the call connects at once, answered_by stays
// null, and whoever or whatever answered gets the agent's conversation.
const (
	VoicemailHangUp       VoicemailAction = "hang_up"
	VoicemailLeaveMessage VoicemailAction = "leave_message"
	VoicemailContinue     VoicemailAction = "continue"
)

// DetectsMachines reports whether calls of an agent with action a ask the carrier to tell a
// person from a machine.
func (a VoicemailAction) DetectsMachines() bool { return a != VoicemailContinue }

// Voicemail is an agent's voicemail behaviour. Message is required with leave_message.
type Voicemail struct {
	Action  VoicemailAction `json:"action"`
	Message string          `json:"message,omitempty"`
}

// Agent is an AI phone agent: what it says, how it sounds and how it behaves on a call.
type Agent struct {
	ID           string `json:"id"`
	Object       string `json:"object"` // "agent"
	Name         string `json:"name"`
	SystemPrompt string `json:"system_prompt"`
	Greeting     string `json:"greeting"`
	// SMSPrompt is added to the system prompt when the agent answers text messages.
	SMSPrompt              string            `json:"sms_prompt"`
	Voice                  string            `json:"voice"`
	Language               string            `json:"language"`
	Timezone               string            `json:"timezone"` // IANA name, for {{date}} and {{time}} in prompts
	Brain                  Brain             `json:"brain"`
	BrainSecret            string            `json:"-"` // the brain's API key, sealed; never leaves the server
	Voicemail              Voicemail         `json:"voicemail"`
	TurnTaking             TurnTaking        `json:"turn_taking"`
	MaxCallDurationSeconds int               `json:"max_call_duration_seconds"`
	RingTimeoutSeconds     int               `json:"ring_timeout_seconds"`
	TransferNumbers        []string          `json:"transfer_numbers"`
	Metadata               map[string]string `json:"metadata"`
	// Speech is the agent's cloud speech providers; null keeps the defaults (see Speech).
	Speech *Speech `json:"speech"`
	// SpeechSecrets is the agent's own speech provider keys, sealed (a JSON object of
	// "stt.<i>" / "tts.<i>" to key); "" for none. It never leaves the server.
	SpeechSecrets string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// AgentParams are the fields of an agent create or update. On update only the fields that are
// set change, and null resets a field to its default (or empties it).
type AgentParams struct {
	Name                   Optional[string]            `json:"name,omitzero"`
	SystemPrompt           Optional[string]            `json:"system_prompt,omitzero"`
	Greeting               Optional[string]            `json:"greeting,omitzero"`
	SMSPrompt              Optional[string]            `json:"sms_prompt,omitzero"`
	Voice                  Optional[string]            `json:"voice,omitzero"`
	Language               Optional[string]            `json:"language,omitzero"`
	Timezone               Optional[string]            `json:"timezone,omitzero"`
	Brain                  Optional[Brain]             `json:"brain,omitzero"`
	Speech                 Optional[Speech]            `json:"speech,omitzero"`
	Voicemail              Optional[Voicemail]         `json:"voicemail,omitzero"`
	TurnTaking             Optional[TurnTakingParams]  `json:"turn_taking,omitzero"`
	MaxCallDurationSeconds Optional[int]               `json:"max_call_duration_seconds,omitzero"`
	RingTimeoutSeconds     Optional[int]               `json:"ring_timeout_seconds,omitzero"`
	TransferNumbers        Optional[[]string]          `json:"transfer_numbers,omitzero"`
	Metadata               Optional[map[string]string] `json:"metadata,omitzero"`
}

// AgentFilter narrows an agent list.
type AgentFilter struct {
	Name string // exact name; empty means any
}

// Deleted is the answer to a delete.
type Deleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// AgentService manages agents. Every method is scoped to the principal's organization: an agent
// of another organization is reported as agent_not_found.
type AgentService interface {
	// Create validates params and stores a new agent; invalid fields give a validation error
	// listing every one of them.
	Create(ctx context.Context, p Principal, params AgentParams) (Agent, error)
	// Get returns agent_not_found for unknown, deleted or foreign ids.
	Get(ctx context.Context, p Principal, id string) (Agent, error)
	// List returns a page of live agents, newest first; invalid_cursor for a bad cursor.
	List(ctx context.Context, p Principal, f AgentFilter, lp ListParams) (List[Agent], error)
	// Update changes the fields that are set; agent_not_found or a validation error.
	Update(ctx context.Context, p Principal, id string, params AgentParams) (Agent, error)
	// Delete removes the agent from use while keeping its history; agent_not_found.
	Delete(ctx context.Context, p Principal, id string) error
	// Validate reports the invalid fields of params without storing anything, as the field
	// errors Create (or Update, when update is true) would return.
	Validate(ctx context.Context, params AgentParams, update bool) FieldErrors
}
