package dialtone

import (
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
	ID        string    `json:"id"`
	Object    string    `json:"object"` // "event"
	Type      string    `json:"type"`
	ObjectID  string    `json:"-"` // the id of the object in Data
	CreatedAt time.Time `json:"created_at"`
	Data      EventData `json:"data"`
}

// EventData wraps the object of an event.
type EventData struct {
	Object json.RawMessage `json:"object"`
}
