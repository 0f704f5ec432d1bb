package core

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Calls places, tracks and ends calls. Outbound calls wait in the organization's queue (the
// calls table) until a dispatcher claims them within the organization's cap on live calls;
// carriers report what happens to them through CallEvent, and every change of status goes
// through the call state machine and is stored with its event rows and, when a billable call
// ends, its charge.
//
// The database is the truth: any process sharing it may claim a queued call, and a process
// keeps in memory only the timers of the calls it placed or answered itself.
type Calls struct {
	store     Store
	telephony *TelephonyConfigs
	carriers  map[string]dialtone.CallCarrier
	prices    dialtone.Prices
	maxLive   int
	maxQueued int
	scale     float64
	now       func() time.Time
	log       *slog.Logger
	node      string // this process, in calls.node_id and nodes
	// carrierGrace is how long after a call's ring timeout its carrier may still report on it.
	carrierGrace time.Duration

	kick chan struct{} // wakes the dispatcher; buffered, one pending wake is enough

	engine        dialtone.ConversationEngine // nil: answered calls have no conversation
	recordingPath func(name string) string    // where a recording's file is; nil: none kept
	secrets       Sealer

	mu   sync.Mutex
	ctx  context.Context      // Run's context, which bounds the carriers' work on calls
	live map[string]*liveCall // calls this process placed or answered, until they end
}

// liveCall is what this process holds for one of its calls until the call ends.
type liveCall struct {
	orgID   string
	prepaid bool                 // its organization pays in advance: watch its balance
	carrier dialtone.CallCarrier // nil for calls no carrier leg belongs to
	timers  []*time.Timer
	// conv is the call's conversation, stopped by stopConv; nil when it has none.
	conv     dialtone.Conversation
	stopConv context.CancelFunc
}

var _ dialtone.CallService = (*Calls)(nil)

// CallOptions configure the call service; zero values mean the defaults.
type CallOptions struct {
	// MaxConcurrent caps each organization's live calls; default 10.
	MaxConcurrent int
	// MaxQueued caps each organization's queued calls; default 1,000.
	MaxQueued int
	// TimeScale multiplies every timer of a call (maximum duration); default 1. Tests use a
	// small scale to run call scenarios fast; production never sets it.
	TimeScale float64
	// CarrierGrace is how long after a call's ring timeout (scaled) its carrier may still
	// report it answered or not before the call fails with carrier_error; default 30 s.
	CarrierGrace time.Duration
	// Logger receives what goes wrong outside a request; default slog.Default().
	Logger *slog.Logger
	// Conversations runs the conversation of every answered call that has an agent; nil
	// leaves answered calls silent until someone hangs up.
	Conversations dialtone.ConversationEngine
	// RecordingPath returns the file of a recording named in a ConversationResult ("" for
	// none); nil when recordings are not kept.
	RecordingPath func(name string) string
}

func newCalls(store Store, telephony *TelephonyConfigs, carriers map[string]dialtone.CallCarrier,
	prices dialtone.Prices, opt CallOptions, now func() time.Time) *Calls {
	scale := opt.TimeScale
	if scale <= 0 {
		scale = 1
	}
	return &Calls{
		store: store, telephony: telephony, carriers: carriers, prices: prices,
		maxLive:   cmp.Or(opt.MaxConcurrent, dialtone.DefaultMaxConcurrentCalls),
		maxQueued: cmp.Or(opt.MaxQueued, dialtone.DefaultMaxQueuedCalls),
		scale:     scale, now: now, log: cmp.Or(opt.Logger, slog.Default()),
		carrierGrace: cmp.Or(opt.CarrierGrace, defaultCarrierGrace),
		engine:       opt.Conversations, recordingPath: opt.RecordingPath,
		node: dialtone.NewID("node"), kick: make(chan struct{}, 1), ctx: context.Background(), live: make(map[string]*liveCall),
	}
}

// ValidateCreate returns every invalid field of an outbound call, without looking anything up.
func (s *Calls) ValidateCreate(params dialtone.CallParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if !params.AgentID.HasValue() {
		fe.Addf("agent_id", dialtone.CodeFieldRequired, "agent_id is required.")
	}
	requireE164(&fe, "to_number", params.ToNumber)
	if params.FromNumber.HasValue() {
		if err := CheckE164(params.FromNumber.Value); err != nil {
			fe.Add("from_number", err.Code, err.Message)
		}
	}
	maxLen(&fe, "instructions", params.Instructions, dialtone.MaxCallInstructionsLen)
	ValidateMetadata(&fe, "variables", params.Variables.Value)
	ValidateMetadata(&fe, "metadata", params.Metadata.Value)
	inRange(&fe, "ring_timeout_seconds", params.RingTimeoutSeconds, dialtone.MinRingTimeoutSeconds, dialtone.MaxRingTimeoutSeconds)
	return fe
}

// Create queues an outbound call for p's organization (write role) and returns it in status
// queued; a dispatcher dials it once the organization has a free line. It returns a
// validation error; agent_not_found (param agent_id); from_number_not_owned or agent_no_phone
// when there is no number to call from; destination_not_allowed when the telephony config
// refuses to_number; insufficient_balance for a prepaid organization whose balance does not
// cover one minute; concurrent_call_limit when the organization's queue is full. On error
// nothing is stored.
func (s *Calls) Create(ctx context.Context, p dialtone.Principal, params dialtone.CallParams) (dialtone.Call, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Call{}, err
	}
	if fe := s.ValidateCreate(params); len(fe) > 0 {
		return dialtone.Call{}, fe.Err()
	}
	org := p.OrganizationID
	agent, err := liveAgent(ctx, s.store, org, params.AgentID.Value)
	if err != nil {
		return dialtone.Call{}, err
	}
	from, err := callerID(ctx, s.store, org, agent.ID, params.FromNumber)
	if err != nil {
		return dialtone.Call{}, err
	}
	to := params.ToNumber.Value
	if err := s.telephony.CheckDestination(ctx, org, to); err != nil {
		return dialtone.Call{}, destinationError(err, "Calls")
	}
	if _, err := s.checkBalance(ctx, org); err != nil {
		return dialtone.Call{}, err
	}
	now := s.now()
	c := dialtone.Call{
		ID: dialtone.NewID(dialtone.PrefixCall), Object: "call", OrganizationID: org,
		Direction: dialtone.CallOutbound, Status: dialtone.CallQueued, AgentID: &agent.ID,
		PhoneNumberID: from.ID, FromNumber: from.Number, ToNumber: to, Carrier: from.Carrier,
		Instructions: params.Instructions.Value, Variables: nonNil(params.Variables.Value),
		Metadata: nonNil(params.Metadata.Value), RingTimeoutSeconds: or(params.RingTimeoutSeconds, agent.RingTimeoutSeconds),
		Transcript: []dialtone.TranscriptTurn{}, QueuedAt: now, Cost: dialtone.USD(0), CreatedAt: now, UpdatedAt: now,
	}
	c, err = s.store.InsertCall(ctx, org, CallCounts{Queued: s.maxQueued}, func(n CallCounts) (dialtone.Call, Effects, error) {
		if n.Queued >= s.maxQueued {
			return dialtone.Call{}, Effects{}, dialtone.Errorf(dialtone.CodeConcurrentCallLimit,
				"%d calls are already waiting for one of your organization's %d lines; the queue holds at most %d.",
				n.Queued, s.maxLive, s.maxQueued).
				WithDetail("max_concurrent_calls", s.maxLive).WithDetail("max_queued_calls", s.maxQueued).
				WithDetail("queued", n.Queued)
		}
		return c, Effects{Events: []dialtone.Event{callEvent(c, now)}}, nil
	})
	if err != nil {
		return dialtone.Call{}, storeError(err, dialtone.CodeCallNotFound)
	}
	s.wake()
	return c, nil
}

// callerID resolves the number an outbound call of agentID comes from: from when given (a
// live number of the organization, attached to the agent, outbound-enabled; else
// from_number_not_owned), otherwise the agent's oldest outbound-enabled number (none:
// agent_no_phone).
func callerID(ctx context.Context, store Store, orgID, agentID string, from dialtone.Optional[string]) (dialtone.PhoneNumber, error) {
	if from.HasValue() {
		return ownNumber(ctx, store, orgID, from.Value, func(n dialtone.PhoneNumber) (string, string) {
			switch {
			case n.AgentID == nil || *n.AgentID != agentID:
				return "not_attached", "%s is not attached to this agent."
			case !n.OutboundEnabled:
				return "outbound_disabled", "%s has outbound calls disabled."
			}
			return "", ""
		})
	}
	return oldestNumber(ctx, store, orgID, agentID, func(n dialtone.PhoneNumber) bool { return n.OutboundEnabled },
		"Agent %s has no outbound-enabled phone number to call from.")
}

// ownNumber returns orgID's live number whose E.164 number is from, to send a call or a
// message from: from_number_not_owned (param from_number, details.reason) when it is not
// the organization's ("not_owned") or when refuse returns a reason and a message (a format
// given from) why it cannot be used.
func ownNumber(ctx context.Context, store Store, orgID, from string, refuse func(dialtone.PhoneNumber) (reason, msg string)) (dialtone.PhoneNumber, error) {
	notOwned := func(reason, msg string) error {
		return dialtone.Errorf(dialtone.CodeFromNumberNotOwned, msg, from).
			WithParam("from_number").WithDetail("reason", reason)
	}
	n, err := store.GetPhoneNumberByNumber(ctx, orgID, from)
	switch {
	case errors.Is(err, ErrNotFound):
		return dialtone.PhoneNumber{}, notOwned("not_owned", "%s is not one of your organization's numbers.")
	case err != nil:
		return dialtone.PhoneNumber{}, dialtone.Internal(err)
	}
	if reason, msg := refuse(n); reason != "" {
		return dialtone.PhoneNumber{}, notOwned(reason, msg)
	}
	return n, nil
}

// oldestNumber returns the oldest of orgID's live numbers attached to agentID that usable
// accepts, or agent_no_phone (param agent_id) with none, whose message is none (a format
// given agentID).
func oldestNumber(ctx context.Context, store Store, orgID, agentID string, usable func(dialtone.PhoneNumber) bool, none string) (dialtone.PhoneNumber, error) {
	var first *dialtone.PhoneNumber
	lp := dialtone.ListParams{Limit: dialtone.MaxListLimit}
	for {
		nums, more, err := store.ListPhoneNumbers(ctx, orgID, dialtone.PhoneNumberFilter{AgentID: agentID}, lp)
		if err != nil {
			return dialtone.PhoneNumber{}, dialtone.Internal(err)
		}
		for i := range nums { // newest first: the last match is the oldest
			if usable(nums[i]) {
				first = &nums[i]
			}
		}
		if !more || len(nums) == 0 {
			break
		}
		lp.StartingAfter = nums[len(nums)-1].ID
	}
	if first == nil {
		return dialtone.PhoneNumber{}, dialtone.Errorf(dialtone.CodeAgentNoPhone, none, agentID).WithParam("agent_id")
	}
	return *first, nil
}

// destinationError turns CheckDestination's refusal into destination_not_allowed (param
// to_number), saying what ("Calls", "Messages") may not go there; other errors pass through.
func destinationError(err error, what string) error {
	var de *DestinationError
	if !errors.As(err, &de) {
		return err
	}
	return dialtone.NewError(dialtone.CodeDestinationNotAllowed, what+" to "+de.Number+" are not allowed: "+destinationWhy(de.Reason)+".").
		WithParam("to_number").WithDetail("reason", de.Reason)
}

func destinationWhy(reason string) string {
	switch reason {
	case DestinationCountryNotAllowed:
		return "its country is not in allowed_countries"
	case DestinationPrefixNotAllowed:
		return "it starts with none of allowed_prefixes"
	case DestinationPremiumRate:
		return "it is a premium-rate or shared-cost number and block_premium_rate is on"
	}
	return reason
}

// Get returns a call of p's organization (read role), or call_not_found.
func (s *Calls) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Call, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Call{}, err
	}
	c, err := s.store.GetCall(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Call{}, storeError(err, dialtone.CodeCallNotFound)
	}
	return s.withContacts(ctx, p.OrganizationID, []dialtone.Call{c})[0], nil
}

// withContacts fills the Contact of each of cs: the contact of the other party's number.
func (s *Calls) withContacts(ctx context.Context, org string, cs []dialtone.Call) []dialtone.Call {
	return withContacts(ctx, s.store, s.log, org, cs, func(c *dialtone.Call) (string, **dialtone.ContactRef) {
		if c.Direction == dialtone.CallInbound {
			return c.FromNumber, &c.Contact
		}
		return c.ToNumber, &c.Contact
	})
}

// List returns a page of p's organization's calls matching f, newest first (read role).
func (s *Calls) List(ctx context.Context, p dialtone.Principal, f dialtone.CallFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Call], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Call]{}, err
	}
	calls, more, err := s.store.ListCalls(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Call]{}, storeError(err, dialtone.CodeCallNotFound)
	}
	return dialtone.NewList(s.withContacts(ctx, p.OrganizationID, calls), more), nil
}

// Hangup ends a call of p's organization (write role) and returns it as it ended: a call not
// yet answered is canceled (ended_reason canceled), an answered one completed (api_hangup).
// An ended call is call_already_ended; an unknown one call_not_found.
func (s *Calls) Hangup(ctx context.Context, p dialtone.Principal, id string) (dialtone.Call, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Call{}, err
	}
	if _, err := s.store.GetCall(ctx, p.OrganizationID, id); err != nil {
		return dialtone.Call{}, storeError(err, dialtone.CodeCallNotFound)
	}
	c, err := s.end(ctx, id, dialtone.EndedAPIHangup)
	if err != nil {
		return dialtone.Call{}, err
	}
	return c, nil
}

// Delete erases an ended call of p's organization (write role): its instructions, variables
// and metadata, its transcript, summary and recording are gone and the call leaves
// the API, while its cost stays in the ledger and in usage. A call still going on is
// call_not_ended; an unknown one call_not_found.
func (s *Calls) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	c, err := s.store.GetCall(ctx, p.OrganizationID, id)
	if err != nil {
		return storeError(err, dialtone.CodeCallNotFound)
	}
	err = s.store.DeleteCall(ctx, p.OrganizationID, id, s.now())
	if errors.Is(err, ErrCallNotEnded) {
		return dialtone.Errorf(dialtone.CodeCallNotEnded, "Call %s is still going on; hang it up before deleting it.", id)
	}
	if err != nil {
		return storeError(err, dialtone.CodeCallNotFound)
	}
	s.removeRecording(c.Recording)
	return nil
}

// nonNil returns m, or an empty map for nil: a new call's maps are {} in its JSON from the
// first event on, as in every later one.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// callEvent is the event row recording that c entered its current status at t.
func callEvent(c dialtone.Call, t time.Time) dialtone.Event {
	return newEvent(dialtone.CallEventType(c.Status), c.ID, c, deref(c.AgentID), t)
}

// Events returns the events of a call of p's organization (read role) that came after the
// event afterID, oldest first: all of them when afterID is "" or not one of the call's events.
// An unknown call is call_not_found.
func (s *Calls) Events(ctx context.Context, p dialtone.Principal, id, afterID string) ([]dialtone.Event, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return nil, err
	}
	if _, err := s.store.GetCall(ctx, p.OrganizationID, id); err != nil {
		return nil, storeError(err, dialtone.CodeCallNotFound)
	}
	evs, err := s.store.ListObjectEvents(ctx, p.OrganizationID, id)
	if err != nil {
		return nil, dialtone.Internal(err)
	}
	for i, ev := range evs {
		if ev.ID == afterID {
			return evs[i+1:], nil
		}
	}
	return evs, nil
}
