package dialtone

import "time"

// PrefixLead is the id prefix of campaign leads.
const PrefixLead = "lead"

// Lead limits.
const (
	// MaxLeadBatch is the most leads one JSON request may add.
	MaxLeadBatch = 10_000
	// MaxLeadImportRows is the most data rows one CSV upload may hold.
	MaxLeadImportRows = 100_000
	// MaxLeadImportBytes is the largest CSV file one upload may send (32 MiB).
	MaxLeadImportBytes = 32 << 20
	// MaxCampaignLeads caps the leads of one campaign.
	MaxCampaignLeads = 1_000_000
)

// LeadStatus is where a lead is in its campaign.
//
//	pending → calling → completed | failed
//	          calling → pending (a retry is due later)
//	pending → skipped (its number opted out) | canceled (the campaign was canceled or ended)
//	calling → canceled (the campaign was canceled during the call; no retry)
//
// completed, failed, skipped and canceled are terminal.
type LeadStatus string

// The lead statuses.
const (
	LeadPending   LeadStatus = "pending"   // waiting for its next attempt
	LeadCalling   LeadStatus = "calling"   // an attempt is live
	LeadCompleted LeadStatus = "completed" // an attempt was answered (by a person or a machine) and not retried
	LeadFailed    LeadStatus = "failed"    // its last attempt was not answered and no retry is left
	LeadSkipped   LeadStatus = "skipped"   // not called: its number opted out
	LeadCanceled  LeadStatus = "canceled"  // not called again: its campaign was canceled or ended
)

// LeadStatuses lists every lead status.
func LeadStatuses() []LeadStatus {
	return []LeadStatus{LeadPending, LeadCalling, LeadCompleted, LeadFailed, LeadSkipped, LeadCanceled}
}

// LeadStates is the lead state machine.
func LeadStates() StateMachine[LeadStatus] {
	return NewStateMachine("lead", map[LeadStatus][]LeadStatus{
		LeadPending: {LeadCalling, LeadSkipped, LeadCanceled},
		LeadCalling: {LeadPending, LeadCompleted, LeadFailed, LeadCanceled},
	})
}

// Lead is one number a campaign calls.
type Lead struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"` // "lead"
	CampaignID  string            `json:"campaign_id"`
	PhoneNumber string            `json:"phone_number"` // E.164
	Variables   map[string]string `json:"variables"`    // the {{variables}} of its calls
	// Timezone is the IANA zone its calling windows are read in: its own, else its number's
	// (when the number's area has one zone), else the campaign's.
	Timezone string     `json:"timezone"`
	Status   LeadStatus `json:"status"`
	Attempts int        `json:"attempts"` // calls placed so far
	// Outcome is the outcome of its last ended attempt; nil before one ended.
	Outcome *LeadOutcome `json:"outcome"`
	// CallID is its latest call; nil before the first attempt.
	CallID *string `json:"call_id"`
	// NextAttemptAt is the earliest time of its next attempt while pending (the calling
	// window may put it later); nil otherwise.
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	CompletedAt   *time.Time `json:"completed_at"` // when it reached a final status
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// ZoneFromCampaign says Timezone came from the campaign (the lead and its number had
	// none): it follows a change of the campaign's zone.
	ZoneFromCampaign bool `json:"-"`
	// DeferredFrom is, when a calling window moved NextAttemptAt to its next opening, when
	// the attempt was due before that (a change of schedule puts it back); nil otherwise.
	DeferredFrom *time.Time `json:"-"`
	Seq          int64      `json:"-"` // upload order
}

// LeadInput is one lead of POST /v1/campaigns/{id}/leads.
type LeadInput struct {
	PhoneNumber string            `json:"phone_number"`
	Variables   map[string]string `json:"variables,omitempty"`
	Timezone    string            `json:"timezone,omitempty"`
}

// LeadFilter narrows the lead list.
type LeadFilter struct {
	Status LeadStatus // "" for every status
}

// Reasons a lead is rejected (ImportRejection.Reason), besides the contact import's
// missing_phone_number, invalid_phone_number and duplicate (in the campaign, or earlier in the
// upload).
const (
	LeadRejectDestination = "destination_not_allowed" // the organization's telephony config refuses the number
	LeadRejectOptedOut    = "opted_out"               // the number opted out of the organization's messages
	LeadRejectTimezone    = "invalid_timezone"        // not an IANA time zone
	LeadRejectVariables   = "invalid_variables"       // a variable over the metadata limits
)

// LeadUpload is the report of adding leads: how many were added and which were rejected,
// grouped by reason. JSON leads are numbered from 1 in the order sent; CSV rows as a
// spreadsheet shows them (the header is row 1).
type LeadUpload struct {
	Object   string            `json:"object"` // "lead_upload"
	Added    int               `json:"added"`
	Rejected []ImportRejection `json:"rejected"`
}
