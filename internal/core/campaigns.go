package core

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Campaigns manages campaigns and their leads, and runs their dialer (campaign_dialer.go):
// each turn of the dialer queues calls for due leads in one transaction with the leads'
// change to calling, and the end of each call finishes its attempt in the call's own
// transaction, so an attempt is never placed twice and never lost, whatever crashes.
type Campaigns struct {
	store     Store
	telephony *TelephonyConfigs
	maxLive   int // the organization's cap on live calls
	now       func() time.Time
	log       *slog.Logger
	wake      func() // wakes the call dispatcher after calls were queued
}

var _ dialtone.CampaignService = (*Campaigns)(nil)

func newCampaigns(store Store, telephony *TelephonyConfigs, calls *Calls, now func() time.Time) *Campaigns {
	return &Campaigns{store: store, telephony: telephony, maxLive: calls.maxLive, now: now, log: calls.log, wake: calls.wake}
}

// defaultRetry is the retry policy of a campaign that sets none: one attempt per lead.
func defaultRetry() dialtone.RetryPolicy {
	return dialtone.RetryPolicy{MaxAttempts: 1, BackoffMinutes: dialtone.DefaultRetryBackoffMinutes, RetryOn: []dialtone.LeadOutcome{}}
}

// Create validates params and stores a draft campaign of p's organization (write role): a
// validation error, agent_not_found (param agent_id), from_number_not_owned (param
// from_numbers) for a number that is not the organization's, not attached to the agent or
// not enabled for outbound calls, agent_no_phone when from_numbers is empty and the agent has
// no outbound-enabled number.
func (s *Campaigns) Create(ctx context.Context, p dialtone.Principal, params dialtone.CampaignCreateParams) (dialtone.Campaign, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Campaign{}, err
	}
	if fe := ValidateCampaign(params, true, s.maxLive); len(fe) > 0 {
		return dialtone.Campaign{}, fe.Err()
	}
	now := s.now()
	c := dialtone.Campaign{
		ID: dialtone.NewID(dialtone.PrefixCampaign), Object: "campaign", OrganizationID: p.OrganizationID,
		Status: dialtone.CampaignDraft, FromNumbers: []string{}, Schedule: dialtone.CampaignSchedule{Timezone: dialtone.DefaultTimezone},
		Retry: defaultRetry(), Metadata: map[string]string{}, CreatedAt: now, UpdatedAt: now,
	}
	applyCampaignParams(&c, params)
	if err := s.checkResources(ctx, c); err != nil {
		return dialtone.Campaign{}, err
	}
	if err := s.store.InsertCampaign(ctx, p.OrganizationID, c); err != nil {
		return dialtone.Campaign{}, dialtone.Internal(err)
	}
	return c, nil
}

// applyCampaignParams sets on c the fields params sets; a null resets a field to its default.
func applyCampaignParams(c *dialtone.Campaign, params dialtone.CampaignCreateParams) {
	if params.Name.HasValue() {
		c.Name = params.Name.Value
	}
	if params.AgentID.HasValue() {
		c.AgentID = params.AgentID.Value
	}
	if params.FromNumbers.Set {
		c.FromNumbers = nonNilSlice(params.FromNumbers.Value)
	}
	if params.Instructions.Set {
		c.Instructions = params.Instructions.Value
	}
	if params.Schedule.Set {
		c.Schedule = params.Schedule.Value
		c.Schedule.Timezone = cmp.Or(c.Schedule.Timezone, dialtone.DefaultTimezone)
		if c.Schedule.Windows == nil {
			c.Schedule.Windows = []dialtone.CallingWindow{}
		}
	}
	if params.MaxConcurrentCalls.HasValue() {
		c.MaxConcurrentCalls = params.MaxConcurrentCalls.Value
	}
	if params.CallsPerSecond.Set {
		c.CallsPerSecond = nil
		if params.CallsPerSecond.HasValue() {
			v := params.CallsPerSecond.Value
			c.CallsPerSecond = &v
		}
	}
	if params.Retry.Set {
		c.Retry = defaultRetry()
		if params.Retry.HasValue() {
			c.Retry = params.Retry.Value
			if c.Retry.RetryOn == nil {
				c.Retry.RetryOn = []dialtone.LeadOutcome{}
			}
		}
	}
	if params.Metadata.Set {
		c.Metadata = nonNil(params.Metadata.Value)
	}
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checkResources returns agent_not_found when c's agent is not a live agent of its
// organization, and from_number_not_owned when one of its from_numbers cannot call for it.
func (s *Campaigns) checkResources(ctx context.Context, c dialtone.Campaign) error {
	if _, err := liveAgent(ctx, s.store, c.OrganizationID, c.AgentID); err != nil {
		return err
	}
	_, err := s.callerIDs(ctx, c)
	return err
}

// callerIDs returns the numbers c's calls come from: its from_numbers (each a live number of
// the organization attached to its agent and enabled for outbound calls, else
// from_number_not_owned), or the agent's oldest outbound-enabled number (agent_no_phone when
// it has none).
func (s *Campaigns) callerIDs(ctx context.Context, c dialtone.Campaign) ([]dialtone.PhoneNumber, error) {
	if len(c.FromNumbers) == 0 {
		n, err := callerID(ctx, s.store, c.OrganizationID, c.AgentID, dialtone.Optional[string]{})
		if err != nil {
			return nil, err
		}
		return []dialtone.PhoneNumber{n}, nil
	}
	out := make([]dialtone.PhoneNumber, 0, len(c.FromNumbers))
	for _, from := range c.FromNumbers {
		n, err := callerID(ctx, s.store, c.OrganizationID, c.AgentID, dialtone.Some(from))
		if err != nil {
			if de := dialtone.AsError(err); de.Code == dialtone.CodeFromNumberNotOwned {
				de.Param = "from_numbers"
			}
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Get returns a campaign of p's organization with its progress and ETA (read role):
// campaign_not_found.
func (s *Campaigns) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Campaign, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Campaign{}, err
	}
	c, err := s.store.GetCampaign(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Campaign{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	if err := s.withProgress(ctx, &c); err != nil {
		return dialtone.Campaign{}, err
	}
	return c, nil
}

// withProgress fills c's progress and ETA.
func (s *Campaigns) withProgress(ctx context.Context, c *dialtone.Campaign) error {
	p, err := s.store.CampaignProgress(ctx, c.ID)
	if err != nil {
		return dialtone.Internal(err)
	}
	c.Progress = p
	c.ETA = campaignETA(*c, s.now())
	return nil
}

// campaignETA is when c's waiting leads should be done at the pace it has kept since it
// started: nil before it started, before a lead is done, and once it has ended.
func campaignETA(c dialtone.Campaign, now time.Time) *time.Time {
	done := c.Progress.Done()
	if c.StartedAt == nil || done == 0 || dialtone.CampaignStates().Terminal(c.Status) || !now.After(*c.StartedAt) {
		return nil
	}
	elapsed := now.Sub(*c.StartedAt)
	left := time.Duration(float64(elapsed) * float64(c.Progress.Total-done) / float64(done))
	eta := now.Add(left).Truncate(time.Second)
	return &eta
}

// List returns a page of p's organization's campaigns matching f, newest first, with their
// progress (read role): invalid_value (param status), invalid_cursor.
func (s *Campaigns) List(ctx context.Context, p dialtone.Principal, f dialtone.CampaignFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Campaign], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Campaign]{}, err
	}
	if f.Status != "" && !slices.Contains(dialtone.CampaignStatuses(), f.Status) {
		return dialtone.List[dialtone.Campaign]{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"status %q is not a campaign status: use one of %s.", f.Status, joinStatuses(dialtone.CampaignStatuses())).WithParam("status")
	}
	cs, more, err := s.store.ListCampaigns(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Campaign]{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	for i := range cs {
		if err := s.withProgress(ctx, &cs[i]); err != nil {
			return dialtone.List[dialtone.Campaign]{}, err
		}
	}
	return dialtone.NewList(cs, more), nil
}

func joinStatuses[S ~string](list []S) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// Update changes the fields set in params of a campaign that is not completed or canceled
// (write role): campaign_not_found, a validation error, campaign_state_conflict,
// agent_not_found, from_number_not_owned.
func (s *Campaigns) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.CampaignUpdateParams) (dialtone.Campaign, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Campaign{}, err
	}
	if fe := ValidateCampaign(params, false, s.maxLive); len(fe) > 0 {
		return dialtone.Campaign{}, fe.Err()
	}
	c, err := s.store.GetCampaign(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Campaign{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	changed := c
	applyCampaignParams(&changed, params)
	if err := s.checkResources(ctx, changed); err != nil {
		return dialtone.Campaign{}, err
	}
	c, err = s.store.UpdateCampaign(ctx, p.OrganizationID, id, func(c *dialtone.Campaign) (CampaignWrite, error) {
		if !c.Status.Editable() {
			return CampaignWrite{}, stateConflict(*c, "changed")
		}
		applyCampaignParams(c, params)
		c.UpdatedAt = s.now()
		// Leads a window of the old schedule put off are judged again by the new one.
		w := CampaignWrite{UndeferLeads: params.Schedule.Set}
		if c.Status == dialtone.CampaignRunning {
			// A change of schedule, pace or limits applies at once: the dialer looks again.
			w.Effects = s.arm(c, c.UpdatedAt)
		}
		return w, nil
	})
	if err != nil {
		return dialtone.Campaign{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	c.ETA = campaignETA(c, s.now())
	return c, nil
}

// stateConflict is campaign_state_conflict for c, which cannot be what (a verb in the past
// participle: "started", "changed").
func stateConflict(c dialtone.Campaign, what string) *dialtone.Error {
	var allowed []string
	for _, a := range dialtone.CampaignActions() {
		if a.AllowedFrom(c.Status) {
			allowed = append(allowed, string(a))
		}
	}
	msg := "Campaign %s is %s; it cannot be %s."
	if len(allowed) > 0 {
		msg += " It can be: " + strings.Join(allowed, ", ") + "."
	}
	return dialtone.Errorf(dialtone.CodeCampaignStateConflict, msg, c.ID, c.Status, what).
		WithDetail("status", c.Status).WithDetail("allowed_actions", nonNilSlice(allowed))
}

// Delete removes a draft campaign of p's organization and its leads (write role):
// campaign_not_found, campaign_state_conflict.
func (s *Campaigns) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	err := s.store.DeleteCampaign(ctx, p.OrganizationID, id, func(c dialtone.Campaign) error {
		if c.Status != dialtone.CampaignDraft {
			return stateConflict(c, "deleted (only a draft can be; cancel it instead)")
		}
		return nil
	})
	return storeError(err, dialtone.CodeCampaignNotFound)
}

// Act applies a lifecycle action to a campaign of p's organization (write role), through the
// campaign state machine: campaign_not_found, campaign_state_conflict, and for start
// campaign_has_no_leads, agent_not_found, agent_no_phone or from_number_not_owned when the
// campaign could not place a call. Starting arms the dialer for the schedule's start; pausing
// lets live calls finish; canceling also cancels the leads still waiting.
func (s *Campaigns) Act(ctx context.Context, p dialtone.Principal, id string, a dialtone.CampaignAction) (dialtone.Campaign, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Campaign{}, err
	}
	if a == dialtone.CampaignStart {
		c, err := s.store.GetCampaign(ctx, p.OrganizationID, id)
		if err != nil {
			return dialtone.Campaign{}, storeError(err, dialtone.CodeCampaignNotFound)
		}
		if c.Status == dialtone.CampaignDraft {
			if err := s.checkResources(ctx, c); err != nil {
				return dialtone.Campaign{}, err
			}
		}
	}
	c, err := s.store.UpdateCampaign(ctx, p.OrganizationID, id, func(c *dialtone.Campaign) (CampaignWrite, error) {
		to := a.Target()
		if !a.AllowedFrom(c.Status) || dialtone.CampaignStates().Check(c.Status, to) != nil {
			return CampaignWrite{}, stateConflict(*c, actionPastTense(a))
		}
		if a == dialtone.CampaignStart && c.Progress.Total == 0 {
			return CampaignWrite{}, dialtone.Errorf(dialtone.CodeCampaignHasNoLeads,
				"Campaign %s has no leads; add some with POST /v1/campaigns/%s/leads, then start it.", c.ID, c.ID)
		}
		now := s.now()
		c.Status, c.UpdatedAt = to, now
		c.TickAt = nil // a turn armed before is stale: starting or resuming arms its own
		var w CampaignWrite
		switch a {
		case dialtone.CampaignStart:
			at := now
			if c.Schedule.StartAt != nil && c.Schedule.StartAt.After(now) {
				at = *c.Schedule.StartAt
			}
			w.Effects = s.arm(c, at)
		case dialtone.CampaignPause:
			w.Effects.Events = []dialtone.Event{campaignEvent(dialtone.EventCampaignPaused, *c, now)}
		case dialtone.CampaignResume:
			w.Effects = s.arm(c, now)
			w.Effects.Events = []dialtone.Event{campaignEvent(dialtone.EventCampaignResumed, *c, now)}
		case dialtone.CampaignCancel:
			c.CanceledAt = &now
			w.CancelLeads = true
			c.Progress.Canceled += c.Progress.Pending // what CancelLeads does, for the event
			c.Progress.Pending = 0
			w.Effects.Events = []dialtone.Event{campaignEvent(dialtone.EventCampaignCanceled, *c, now)}
		}
		return w, nil
	})
	if err != nil {
		return dialtone.Campaign{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	c.ETA = campaignETA(c, s.now())
	return c, nil
}

func actionPastTense(a dialtone.CampaignAction) string {
	switch a {
	case dialtone.CampaignStart:
		return "started"
	case dialtone.CampaignPause:
		return "paused"
	case dialtone.CampaignResume:
		return "resumed"
	}
	return "canceled"
}

// campaignEvent is an event of type typ about c at t.
func campaignEvent(typ string, c dialtone.Campaign, t time.Time) dialtone.Event {
	return dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event", Type: typ, ObjectID: c.ID,
		AgentID: c.AgentID, CreatedAt: t, Data: dialtone.EventData{Object: marshalObject(c)}}
}

// MaxConcurrent is the organization's cap on live calls, which bounds a campaign's
// max_concurrent_calls.
func (s *Campaigns) MaxConcurrent() int { return s.maxLive }
