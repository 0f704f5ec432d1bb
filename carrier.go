package dialtone

import (
	"context"
	"time"
)

// Carrier is a carrier adapter (DESIGN §7): it manages numbers and places calls.
type Carrier interface {
	NumberCarrier
	CallCarrier
}

// DialRequest is an outbound call a carrier is asked to place.
type DialRequest struct {
	CallID      string // the call_ id; every CarrierEvent about the call carries it
	From, To    string // E.164
	RingTimeout time.Duration
	// AgentVoice is the voice the agent will speak with, so a simulated far end (the
	// sandbox) can answer in the other tone register.
	AgentVoice string
	// DetectMachine asks the carrier to tell a person from an answering machine before the
	// conversation starts (the agent has a voicemail policy to apply). Without it the call
	// is reported answered with AnsweredBy "".
	DetectMachine bool
	// Account is the From number's carrier account (bring-your-own carriers), nil for the
	// sandbox.
	Account *CarrierAccount
}

// CallCarrier is the call-control part of a carrier adapter.
type CallCarrier interface {
	// Name is the carrier's name, as on its numbers.
	Name() string
	// Dial starts placing req and returns once the carrier has accepted it; an error means
	// the call was not placed and nothing will be reported for it. What happens next is
	// reported to events, in order, from the carrier's own goroutines, until an event with a
	// terminal status or until Hangup. ctx bounds the carrier's work on the call, not just
	// the Dial.
	Dial(ctx context.Context, req DialRequest, events CarrierEvents) error
	// Hangup ends the carrier's leg of callID; it reports nothing more for it. Hanging up a
	// call the carrier no longer has is not an error.
	Hangup(ctx context.Context, callID string) error
}

// CarrierEvent is what a carrier reports about a call: a new status, or a beep on a
// voicemail line.
type CarrierEvent struct {
	CallID string
	// Status is the call's new status: ringing, in_progress, or a terminal status; empty
	// for an event that changes no status (Beep).
	Status CallStatus
	// EndedReason is set with a terminal Status.
	EndedReason EndedReason
	// AnsweredBy is set with in_progress: human or machine, or "" when the carrier was not
	// asked to tell (DetectMachine false), which leaves the call's answered_by null.
	AnsweredBy AnsweredBy
	// Media is the call's audio, set with in_progress by carriers that carry audio; the
	// conversation engine takes it over.
	Media MediaLeg
	// Beep marks the end of a voicemail greeting: a message recorded from here is kept.
	Beep bool
}

// CarrierEvents receives what carriers report about calls (core implements it).
type CarrierEvents interface {
	CallEvent(ctx context.Context, ev CarrierEvent)
}
