package dialtone

import (
	"context"
	"encoding/json"
	"time"
)

// PrefixCampaign is the id prefix of campaigns.
const PrefixCampaign = "cmp"

// Campaign limits.
const (
	MaxCampaignNameLen = 200
	// MaxCampaignFromNumbers caps from_numbers.
	MaxCampaignFromNumbers = 50
	// MaxCampaignWindows caps schedule.windows.
	MaxCampaignWindows = 21
	// MaxCampaignCallsPerSecond caps calls_per_second.
	MaxCampaignCallsPerSecond = 100
	// MaxRetryAttempts caps retry.max_attempts (attempts per lead, the first one included).
	MaxRetryAttempts = 10
	// MaxRetryBackoffMinutes caps retry.backoff_minutes (one week).
	MaxRetryBackoffMinutes = 7 * 24 * 60
	// DefaultRetryBackoffMinutes is retry.backoff_minutes when a retry policy leaves it out,
	// and of the policy of a campaign that sets none.
	DefaultRetryBackoffMinutes = 60
)

// Event types of campaigns. Their data is the campaign (the lead for campaign.lead.completed).
const (
	EventCampaignStarted       = "campaign.started"        // it became running at its start time
	EventCampaignPaused        = "campaign.paused"         // paused through the API
	EventCampaignResumed       = "campaign.resumed"        // resumed through the API
	EventCampaignCompleted     = "campaign.completed"      // every lead reached a final status
	EventCampaignCanceled      = "campaign.canceled"       // canceled through the API
	EventCampaignLeadCompleted = "campaign.lead.completed" // a lead reached a final status
)

// CampaignStatus is where a campaign is in its life.
//
//	draft → scheduled → running ⇄ paused
//	                    running, paused → completed
//	draft, scheduled, running, paused → canceled
//
// completed and canceled are terminal.
type CampaignStatus string

// The campaign statuses.
const (
	CampaignDraft     CampaignStatus = "draft"     // being set up: editable, leads may be added
	CampaignScheduled CampaignStatus = "scheduled" // started; waits for schedule.start_at
	CampaignRunning   CampaignStatus = "running"   // the dialer calls its leads
	CampaignPaused    CampaignStatus = "paused"    // live calls finish; nothing new is dialed
	CampaignCompleted CampaignStatus = "completed" // every lead reached a final status
	CampaignCanceled  CampaignStatus = "canceled"  // stopped for good; waiting leads were canceled
)

// CampaignStatuses lists every campaign status, in the order of a campaign's life.
func CampaignStatuses() []CampaignStatus {
	return []CampaignStatus{CampaignDraft, CampaignScheduled, CampaignRunning, CampaignPaused,
		CampaignCompleted, CampaignCanceled}
}

// CampaignStates is the campaign state machine: every change of a campaign's status is
// checked by it.
func CampaignStates() StateMachine[CampaignStatus] {
	return NewStateMachine("campaign", map[CampaignStatus][]CampaignStatus{
		CampaignDraft:     {CampaignScheduled, CampaignCanceled},
		CampaignScheduled: {CampaignRunning, CampaignCanceled},
		CampaignRunning:   {CampaignPaused, CampaignCompleted, CampaignCanceled},
		CampaignPaused:    {CampaignRunning, CampaignCompleted, CampaignCanceled},
	})
}

// CampaignAction is a lifecycle request of the API: POST /v1/campaigns/{id}/{action}.
type CampaignAction string

// The campaign actions.
const (
	CampaignStart  CampaignAction = "start"
	CampaignPause  CampaignAction = "pause"
	CampaignResume CampaignAction = "resume"
	CampaignCancel CampaignAction = "cancel"
)

// Target returns the status an action asks for: start → scheduled (the dialer moves the
// campaign to running at its start time), pause → paused, resume → running, cancel → canceled.
func (a CampaignAction) Target() CampaignStatus {
	switch a {
	case CampaignStart:
		return CampaignScheduled
	case CampaignPause:
		return CampaignPaused
	case CampaignResume:
		return CampaignRunning
	}
	return CampaignCanceled
}

// AllowedFrom reports whether the action applies to a campaign in status s: start to a
// draft, pause to a running campaign, resume to a paused one, cancel to any that has not
// ended. (The state table alone would let resume start a scheduled campaign early.)
func (a CampaignAction) AllowedFrom(s CampaignStatus) bool {
	switch a {
	case CampaignStart:
		return s == CampaignDraft
	case CampaignPause:
		return s == CampaignRunning
	case CampaignResume:
		return s == CampaignPaused
	}
	return CampaignStates().Allowed(s, a.Target())
}

// CampaignActions lists the lifecycle actions.
func CampaignActions() []CampaignAction {
	return []CampaignAction{CampaignStart, CampaignPause, CampaignResume, CampaignCancel}
}

// Editable reports whether a campaign in status s may be changed with PATCH and take new
// leads: before it is done.
func (s CampaignStatus) Editable() bool {
	return s == CampaignDraft || s == CampaignScheduled || s == CampaignRunning || s == CampaignPaused
}

// Weekdays, as schedule windows name them.
var weekdayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// CallingWindow is a daily stretch of local time in which leads may be called: on each of
// Days ("mon" … "sun"), from Start to End ("HH:MM", 24-hour; End may be "24:00"), in the
// lead's time zone. Start comes before End: a window does not cross midnight (use two).
type CallingWindow struct {
	Days  []string `json:"days"`
	Start string   `json:"start"`
	End   string   `json:"end"`
}

// CampaignSchedule says when a campaign dials. Nothing is dialed before StartAt or after
// EndAt (nil: no bound), and only inside one of Windows in the lead's time zone (no windows:
// at any time). Timezone (IANA, default UTC) is the zone of leads whose own zone is unknown.
type CampaignSchedule struct {
	StartAt  *time.Time      `json:"start_at"`
	EndAt    *time.Time      `json:"end_at"`
	Timezone string          `json:"timezone"`
	Windows  []CallingWindow `json:"windows"`
}

// LeadOutcome is what one attempt at calling a lead came to.
type LeadOutcome string

// The attempt outcomes.
const (
	OutcomeAnswered  LeadOutcome = "answered"  // a person answered
	OutcomeVoicemail LeadOutcome = "voicemail" // a machine answered
	OutcomeBusy      LeadOutcome = "busy"
	OutcomeNoAnswer  LeadOutcome = "no_answer"
	OutcomeFailed    LeadOutcome = "failed" // the call could not be placed, or it dropped before an answer
)

// RetryableOutcomes lists the outcomes a retry policy may retry on.
func RetryableOutcomes() []LeadOutcome {
	return []LeadOutcome{OutcomeBusy, OutcomeNoAnswer, OutcomeVoicemail, OutcomeFailed}
}

// CallOutcome is the outcome of an ended campaign call: answered or voicemail for a call
// that was answered (by what AnsweredBy says), busy, no_answer, and failed for the rest.
func CallOutcome(c Call) LeadOutcome {
	switch {
	case c.StartedAt != nil && c.AnsweredBy != nil && *c.AnsweredBy == AnsweredByMachine:
		return OutcomeVoicemail
	case c.StartedAt != nil:
		return OutcomeAnswered
	case c.Status == CallBusy:
		return OutcomeBusy
	case c.Status == CallNoAnswer:
		return OutcomeNoAnswer
	}
	return OutcomeFailed
}

// RetryPolicy says how often a lead is called: at most MaxAttempts times in all (1: no
// retry), waiting BackoffMinutes after an attempt whose outcome is in RetryOn.
type RetryPolicy struct {
	MaxAttempts    int           `json:"max_attempts"`
	BackoffMinutes int           `json:"backoff_minutes"`
	RetryOn        []LeadOutcome `json:"retry_on"`
}

// UnmarshalJSON reads a retry policy; backoff_minutes left out is
// DefaultRetryBackoffMinutes (0 must be sent to retry without waiting).
func (r *RetryPolicy) UnmarshalJSON(b []byte) error {
	type plain RetryPolicy // without this method
	p := plain{BackoffMinutes: DefaultRetryBackoffMinutes}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = RetryPolicy(p)
	return nil
}

// Retries reports whether an attempt with outcome o, the attempts-th of its lead, is followed
// by another.
func (r RetryPolicy) Retries(o LeadOutcome, attempts int) bool {
	if attempts >= r.MaxAttempts {
		return false
	}
	for _, x := range r.RetryOn {
		if x == o {
			return true
		}
	}
	return false
}

// CampaignProgress counts a campaign's leads by status.
type CampaignProgress struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Calling   int `json:"calling"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Canceled  int `json:"canceled"`
}

// Done is how many leads reached a final status.
func (p CampaignProgress) Done() int { return p.Completed + p.Failed + p.Skipped + p.Canceled }

// Campaign is outbound batch calling: an agent calls a list of leads on a schedule, within
// concurrency and rate limits, retrying per its policy.
type Campaign struct {
	ID             string         `json:"id"`
	Object         string         `json:"object"` // "campaign"
	OrganizationID string         `json:"-"`
	Name           string         `json:"name"`
	Status         CampaignStatus `json:"status"`
	AgentID        string         `json:"agent_id"`
	// FromNumbers are the numbers its calls come from, in turn by lead; empty: the agent's
	// oldest outbound-enabled number, as for a call without from_number.
	FromNumbers  []string         `json:"from_numbers"`
	Instructions string           `json:"instructions"`
	Schedule     CampaignSchedule `json:"schedule"`
	// MaxConcurrentCalls caps the campaign's live calls (queued for a line, dialing, ringing
	// or answered).
	MaxConcurrentCalls int `json:"max_concurrent_calls"`
	// CallsPerSecond caps how fast calls are started; nil: as fast as lines free up.
	CallsPerSecond *float64          `json:"calls_per_second"`
	Retry          RetryPolicy       `json:"retry"`
	Metadata       map[string]string `json:"metadata"`
	// Progress and ETA are filled on reads. ETA is when the leads still waiting should be
	// done at the pace the campaign has kept since it started; nil until a lead is done, and
	// once the campaign has ended.
	Progress    CampaignProgress `json:"progress"`
	ETA         *time.Time       `json:"eta"`
	StartedAt   *time.Time       `json:"started_at"`   // when it first became running
	CompletedAt *time.Time       `json:"completed_at"` // when it became completed
	CanceledAt  *time.Time       `json:"canceled_at"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	// NextDialAt is the dialer's pacing: the earliest time of the campaign's next call (zero
	// before its first). TickAt is when the dialer's next run is due; nil when none is armed.
	NextDialAt time.Time  `json:"-"`
	TickAt     *time.Time `json:"-"`
}

// CampaignCreateParams describe a new campaign: name, agent_id and max_concurrent_calls are
// required.
type CampaignCreateParams struct {
	Name               Optional[string]            `json:"name,omitzero"`
	AgentID            Optional[string]            `json:"agent_id,omitzero"`
	FromNumbers        Optional[[]string]          `json:"from_numbers,omitzero"`
	Instructions       Optional[string]            `json:"instructions,omitzero"`
	Schedule           Optional[CampaignSchedule]  `json:"schedule,omitzero"`
	MaxConcurrentCalls Optional[int]               `json:"max_concurrent_calls,omitzero"`
	CallsPerSecond     Optional[float64]           `json:"calls_per_second,omitzero"`
	Retry              Optional[RetryPolicy]       `json:"retry,omitzero"`
	Metadata           Optional[map[string]string] `json:"metadata,omitzero"`
}

// CampaignUpdateParams change a campaign; only the fields set change. A null from_numbers,
// instructions, schedule, calls_per_second, retry or metadata resets it to its default.
type CampaignUpdateParams = CampaignCreateParams

// CampaignFilter narrows the campaign list.
type CampaignFilter struct {
	Status CampaignStatus // "" for every status
}

// CampaignService manages campaigns and their leads. Every method is scoped to the
// principal's organization: another organization's campaign is campaign_not_found.
type CampaignService interface {
	// Create validates params and stores a draft campaign: a validation error,
	// agent_not_found, from_number_not_owned for a number that cannot call for the agent, or
	// agent_no_phone when from_numbers is empty and the agent has no outbound number.
	Create(ctx context.Context, p Principal, params CampaignCreateParams) (Campaign, error)
	// Get returns a campaign with its progress: campaign_not_found.
	Get(ctx context.Context, p Principal, id string) (Campaign, error)
	// List returns a page of campaigns, newest first: invalid_cursor.
	List(ctx context.Context, p Principal, f CampaignFilter, lp ListParams) (List[Campaign], error)
	// Update changes the fields set of a campaign that is not completed or canceled:
	// campaign_not_found, a validation error, campaign_state_conflict.
	Update(ctx context.Context, p Principal, id string, params CampaignUpdateParams) (Campaign, error)
	// Delete removes a draft campaign and its leads: campaign_not_found,
	// campaign_state_conflict for any other status.
	Delete(ctx context.Context, p Principal, id string) error
	// Act applies a lifecycle action: campaign_not_found, campaign_state_conflict when the
	// state table does not allow it from the campaign's status, campaign_has_no_leads when a
	// campaign without leads is started.
	Act(ctx context.Context, p Principal, id string, a CampaignAction) (Campaign, error)

	// AddLeads adds a batch of leads (at most MaxLeadBatch) to a campaign that is not
	// completed or canceled. Rejected leads are reported grouped by reason; unless skipInvalid,
	// a batch with any rejected lead adds nothing and fails with leads_rejected.
	AddLeads(ctx context.Context, p Principal, id string, leads []LeadInput, skipInvalid bool) (LeadUpload, error)
	// ImportLeads adds the leads of a CSV file (a phone_number column; an optional timezone
	// column; any other column a variable), as AddLeads does. invalid_csv or import_too_large
	// refuse the whole file.
	ImportLeads(ctx context.Context, p Principal, id string, csv []byte, skipInvalid bool) (LeadUpload, error)
	// ListLeads returns a page of a campaign's leads, newest first: campaign_not_found,
	// invalid_cursor.
	ListLeads(ctx context.Context, p Principal, id string, f LeadFilter, lp ListParams) (List[Lead], error)
	// GetLead returns a lead of a campaign: campaign_not_found, lead_not_found.
	GetLead(ctx context.Context, p Principal, id, leadID string) (Lead, error)
	// DeleteLead removes a lead that is not being called: campaign_not_found,
	// lead_not_found, lead_in_call.
	DeleteLead(ctx context.Context, p Principal, id, leadID string) error
}
