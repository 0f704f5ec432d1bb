package core

import (
	"time"

	"github.com/dialtonehq/dialtone"
)

// LeadAttempt is the end of a campaign call, stored in the transaction that ends the call:
// when the call's lead is still calling with this call, Finish changes the lead given its
// campaign and returns the effects to store with it (the lead's event, the dialer's next
// run). A lead that is no longer calling with this call is left alone.
type LeadAttempt struct {
	LeadID, CallID string
	Finish         func(l *dialtone.Lead, c dialtone.Campaign) Effects
}

// CampaignWrite is what a change of a campaign stores with it, in its transaction.
type CampaignWrite struct {
	Effects Effects
	// CancelLeads marks every pending lead of the campaign canceled at the campaign's
	// UpdatedAt.
	CancelLeads bool
	// UndeferLeads puts every pending lead a calling window deferred (Lead.DeferredFrom)
	// back to when it was due, for the dialer to judge under the campaign's new schedule.
	UndeferLeads bool
}

// DialState is what the dialer reads, in the transaction that holds a campaign's row and its
// organization's call queue, to decide the campaign's next calls.
type DialState struct {
	// Campaign is the campaign; its Progress is filled only when it is scheduled, has no
	// pending lead, or has reached its end time (the turns that may start or end it).
	Campaign dialtone.Campaign
	// Org counts the organization's live and queued calls, each up to its cap.
	Org CallCounts
	// Calling is how many of the campaign's leads are being called.
	Calling int
	// Pending says the campaign has pending leads (due or not).
	Pending bool
	// Due are pending leads whose next attempt is due, earliest first, at most the limit
	// asked for.
	Due []dialtone.Lead
	// OptedOut says which numbers of Due opted out of the organization's messages.
	OptedOut map[string]bool
	// NextDue is the earliest next attempt of the pending leads that are not due; nil when
	// none waits.
	NextDue *time.Time
}

// DialPlan is what the dialer stores, in the same transaction, given a DialState.
type DialPlan struct {
	// Campaign is stored: status, next_dial_at, tick_at, started_at, completed_at,
	// canceled_at and updated_at.
	Campaign dialtone.Campaign
	// Calls are new calls to queue, each naming its lead and attempt.
	Calls []dialtone.Call
	// Leads are changed leads of Due: status, attempts, outcome, call_id, next_attempt_at,
	// deferred_from, completed_at and updated_at are stored, provided each is still pending.
	Leads   []dialtone.Lead
	Effects Effects
	// CancelLeads marks every pending lead canceled (the campaign reached its end time).
	CancelLeads bool
}
