package dialtone

import (
	"context"
	"encoding/json"
	"time"
)

// PrefixEvent is the id prefix of events.
const PrefixEvent = "evt"

// Event types of calls.
const (
	EventCallQueued  = "call.queued"  // an outbound call was accepted
	EventCallDialing = "call.dialing" // it left the queue and went to the carrier
	EventCallRinging = "call.ringing" // the far end rings (outbound) or we do (inbound)
	EventCallStarted = "call.started" // it was answered
	EventCallEnded   = "call.ended"   // it reached a terminal status
)

// CallEventType is the type of the event that records a call entering status s.
func CallEventType(s CallStatus) string {
	switch s {
	case CallQueued:
		return EventCallQueued
	case CallDialing:
		return EventCallDialing
	case CallRinging:
		return EventCallRinging
	case CallInProgress:
		return EventCallStarted
	}
	return EventCallEnded
}

// Event is a state change worth telling the organization about (DESIGN §9), stored in the
// same transaction as the change. Data holds the object as it was just after the change.
type Event struct {
	ID       string `json:"id"`
	Object   string `json:"object"` // "event"
	Type     string `json:"type"`
	ObjectID string `json:"-"` // the id of the object in Data
	// AgentID is the agent the event concerns ("" for none): it picks which webhook endpoints
	// receive the event (the agent's own, if it has any, instead of the organization-wide ones).
	AgentID   string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Data      EventData `json:"data"`
}

// EventData wraps the object of an event.
type EventData struct {
	Object json.RawMessage `json:"object"`
}

// Event types of phone numbers.
const (
	EventPhoneNumberProvisioned = "phone_number.provisioned" // a number was provisioned or imported
	EventPhoneNumberReleased    = "phone_number.released"    // a number was released to its carrier
)

// DefaultEventRetentionDays is how many days events are kept unless the operator sets
// --event-retention-days (1 to 3650).
const DefaultEventRetentionDays = 30

// EventTypes returns every event type, in the order the API documents them.
func EventTypes() []string {
	return []string{
		EventCallQueued, EventCallDialing, EventCallRinging, EventCallStarted, EventCallEnded,
		EventCallTranscriptTurn, EventCallDTMF, EventCallAction, EventCallSpeechFallback,
		EventPhoneNumberProvisioned, EventPhoneNumberReleased,
		EventMessageQueued, EventMessageSent, EventMessageDelivered, EventMessageFailed, EventMessageReceived,
		EventContactOptedOut, EventContactOptedIn,
		EventCampaignStarted, EventCampaignPaused, EventCampaignResumed, EventCampaignCompleted,
		EventCampaignCanceled, EventCampaignLeadCompleted,
	}
}

// EventFilter narrows an event list; zero fields match everything.
type EventFilter struct {
	Type string // one of EventTypes
}

// EventService reads an organization's events. Events are kept for a configured number of
// days (DefaultEventRetentionDays unless the operator changes it), then deleted.
type EventService interface {
	// Get returns one event of p's organization (read role): event_not_found for an id that
	// is unknown, expired or of another organization.
	Get(ctx context.Context, p Principal, id string) (Event, error)
	// List returns a page of p's organization's events matching f, newest first (read
	// role): a validation error (invalid_value, param type) when f.Type is not one of
	// EventTypes, invalid_cursor when a cursor names no event of the organization.
	List(ctx context.Context, p Principal, f EventFilter, lp ListParams) (List[Event], error)
}
