package core

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// The campaign dialer's queue and pace.
const (
	// QueueCampaigns is the River queue of the campaign dialer's turns.
	QueueCampaigns = "campaigns"
	// dialBatch is the most due leads one turn of the dialer looks at.
	dialBatch = 200
	// noCallerRetry is how long the dialer waits before trying again a campaign whose agent
	// has no number to call from.
	noCallerRetry = time.Minute
	// SweepStale is how late an armed turn may be before the sweep arms another: a turn that
	// is that late belongs to a process that died while running it.
	SweepStale = 20 * time.Second
	// followWithin is how soon a next turn must be due for the running one to wait for it
	// and run it itself. River runs a job given a time only after its scheduler moves it
	// (every 5 s), which would stretch the pace of calls_per_second; a worker that waits
	// keeps the slots to the millisecond.
	followWithin = 2 * time.Second
	// followFor bounds how long one job runs turns in a row (its timeout is 30 s); then it
	// leaves the next turn to a new job.
	followFor = 15 * time.Second
)

// CampaignDialJob is one turn of a campaign's dialer.
type CampaignDialJob struct {
	OrganizationID string `json:"organization_id"`
	CampaignID     string `json:"campaign_id"`
}

// Kind names the job kind for River.
func (CampaignDialJob) Kind() string { return "campaign_dial" }

// CampaignSweepJob arms the dialer of every active campaign that has no turn on the way.
type CampaignSweepJob struct{}

// Kind names the job kind for River.
func (CampaignSweepJob) Kind() string { return "campaign_sweep" }

// dialJob is a turn of c's dialer at at; zero is at once. (A job given a time waits for River's
// scheduler, which looks every few seconds, even when the time has passed.)
func dialJob(c dialtone.Campaign, at time.Time) Job {
	return Job{Args: CampaignDialJob{OrganizationID: c.OrganizationID, CampaignID: c.ID}, Queue: QueueCampaigns,
		At: at, MaxAttempts: 5}
}

// arm makes sure a turn of c's dialer runs at at (or earlier): it returns the job to store
// with c, and sets c.TickAt, unless a turn is already armed for a time between now and at.
func (s *Campaigns) arm(c *dialtone.Campaign, at time.Time) Effects {
	now := s.now()
	if c.TickAt != nil && !c.TickAt.After(at) && c.TickAt.After(now.Add(-SweepStale)) {
		return Effects{}
	}
	c.TickAt = &at
	if !at.After(now) {
		at = time.Time{}
	}
	return Effects{Jobs: []Job{dialJob(*c, at)}}
}

// Sweep arms the dialer of every scheduled or running campaign that has no turn on the way,
// or whose turn is more than SweepStale late (its process died while it ran). It runs
// periodically, so that no campaign stalls whatever crashed.
func (s *Campaigns) Sweep(ctx context.Context) error {
	now := s.now()
	active, err := s.store.ActiveCampaigns(ctx, now.Add(-SweepStale))
	if err != nil {
		return err
	}
	for _, a := range active {
		if err := s.Kick(ctx, a[0], a[1]); err != nil {
			return err
		}
	}
	return nil
}

// Kick runs a turn of a campaign's dialer at once (the sweep, and tests that move the clock).
func (s *Campaigns) Kick(ctx context.Context, orgID, id string) error {
	_, err := s.store.UpdateCampaign(ctx, orgID, id, func(c *dialtone.Campaign) (CampaignWrite, error) {
		if c.Status != dialtone.CampaignScheduled && c.Status != dialtone.CampaignRunning {
			return CampaignWrite{}, errStale
		}
		c.TickAt = nil
		return CampaignWrite{Effects: s.arm(c, s.now())}, nil
	})
	if errors.Is(err, errStale) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Dial runs one turn of a campaign's dialer: it starts a scheduled campaign at its start
// time, queues calls for due leads inside their calling windows within the campaign's
// concurrency and rate and the organization's free lines, skips leads that opted out, moves
// leads outside their window to its next opening, completes the campaign when no lead is
// left, and arms its next turn. Everything a turn decides is stored in one transaction.
func (s *Campaigns) Dial(ctx context.Context, job CampaignDialJob) error {
	c, err := s.store.GetCampaign(ctx, job.OrganizationID, job.CampaignID)
	if errors.Is(err, ErrNotFound) {
		return nil // a deleted draft
	}
	if err != nil {
		return err
	}
	if c.Status != dialtone.CampaignScheduled && c.Status != dialtone.CampaignRunning && c.Status != dialtone.CampaignPaused {
		return nil
	}
	callers, callerErr := s.callerIDs(ctx, c)
	agent, agentErr := s.store.GetAgent(ctx, c.OrganizationID, c.AgentID)
	if callerErr != nil && s.log != nil {
		s.log.WarnContext(ctx, "campaign cannot place calls", "campaign_id", c.ID, "error", callerErr)
	}
	deadline := time.Now().Add(followFor)
	for {
		now := s.now()
		var placed int
		var follow time.Time
		err = s.store.DialCampaign(ctx, job.OrganizationID, job.CampaignID, now,
			CallCounts{Live: s.maxLive, Queued: s.maxLive}, dialBatch, func(st DialState) (DialPlan, error) {
				t := dialTurn{s: s, now: now, st: st, c: st.Campaign, callers: callers, agent: agent,
					noCaller: callerErr != nil || agentErr != nil, mayFollow: time.Now().Before(deadline)}
				p := t.plan()
				placed, follow = len(p.Calls), t.follow
				return p, nil
			})
		if err != nil {
			return err
		}
		if placed > 0 {
			s.wake()
		}
		if follow.IsZero() {
			return nil
		}
		// The next turn is due within followWithin: wait for it here.
		timer := time.NewTimer(follow.Sub(s.now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil // the armed time goes stale; the sweep arms a new turn
		case <-timer.C:
		}
	}
}

// dialTurn is one turn of a campaign's dialer, deciding in the turn's transaction.
type dialTurn struct {
	s        *Campaigns
	now      time.Time
	st       DialState
	c        dialtone.Campaign
	callers  []dialtone.PhoneNumber
	agent    dialtone.Agent
	noCaller bool // the campaign's agent or numbers cannot call now
	// mayFollow lets the turn leave a next turn due within followWithin to its own worker
	// (follow) instead of a River job.
	mayFollow bool
	follow    time.Time
	fx        Effects
	leads     []dialtone.Lead
	calls     []dialtone.Call
	cancel    bool
}

// plan decides the turn.
func (t *dialTurn) plan() DialPlan {
	c := &t.c
	if c.TickAt != nil && !c.TickAt.After(t.now) {
		c.TickAt = nil // this is the armed turn (or a later one runs early): disarm
	}
	next := t.run()
	switch {
	case next.IsZero() || c.Status != dialtone.CampaignScheduled && c.Status != dialtone.CampaignRunning:
	case t.mayFollow && next.Sub(t.now) <= followWithin && (c.TickAt == nil || c.TickAt.After(next)):
		// Armed for this worker, which runs it; a turn already armed for earlier (another
		// worker's) makes this one stop instead.
		c.TickAt, t.follow = &next, next
	default:
		t.fx.Jobs = append(t.fx.Jobs, t.s.arm(c, next).Jobs...)
	}
	return DialPlan{Campaign: *c, Calls: t.calls, Leads: t.leads, Effects: t.fx, CancelLeads: t.cancel}
}

// run does the turn's work and returns when the next turn should run (zero: when a call
// ends, which runs one).
func (t *dialTurn) run() time.Time {
	c, st, now := &t.c, t.st, t.now
	switch c.Status {
	case dialtone.CampaignScheduled:
		if c.Schedule.StartAt != nil && now.Before(*c.Schedule.StartAt) {
			return *c.Schedule.StartAt
		}
		c.Status, c.UpdatedAt = dialtone.CampaignRunning, now
		if c.StartedAt == nil {
			c.StartedAt = &now
		}
		t.fx.Events = append(t.fx.Events, campaignEvent(dialtone.EventCampaignStarted, *c, now))
	case dialtone.CampaignRunning:
	case dialtone.CampaignPaused:
		// A paused campaign dials nothing; it completes once its last lead is done.
		if !st.Pending && st.Calling == 0 {
			t.complete()
		}
		return time.Time{}
	default:
		return time.Time{}
	}
	if c.Schedule.EndAt != nil && !now.Before(*c.Schedule.EndAt) && st.Pending {
		t.cancel, st.Pending, st.Due = true, false, nil // the campaign's time is up
	}
	if !st.Pending && st.Calling == 0 {
		t.complete()
		return time.Time{}
	}
	if t.noCaller {
		return now.Add(noCallerRetry)
	}
	free := min(c.MaxConcurrentCalls-st.Calling, t.s.maxLive-st.Org.Live-st.Org.Queued)
	var interval time.Duration
	slot := now
	if c.CallsPerSecond != nil {
		interval = time.Duration(float64(time.Second) / *c.CallsPerSecond)
		// Slots follow each other at the rate; a turn that runs late places the calls whose
		// slots passed, but never catches up more than one slot after an idle spell.
		slot = c.NextDialAt
		if slot.Before(now.Add(-interval)) {
			slot = now
		}
	}
	var wake time.Time
	earliest := func(x time.Time) {
		if !x.IsZero() && (wake.IsZero() || x.Before(wake)) {
			wake = x
		}
	}
	if st.NextDue != nil {
		earliest(*st.NextDue)
	}
	zones := map[string]*time.Location{}
	for i, l := range st.Due {
		if st.OptedOut[l.PhoneNumber] {
			t.finish(l, dialtone.LeadSkipped)
			continue
		}
		zone := l.Timezone
		if l.ZoneFromCampaign {
			zone = c.Schedule.Timezone
		}
		loc := zones[zone]
		if loc == nil {
			var err error
			if loc, err = LoadTimezone(zone); err != nil {
				loc = time.UTC
			}
			zones[zone] = loc
		}
		open, ok := c.Schedule.NextOpen(now, loc)
		switch {
		case !ok:
			t.finish(l, dialtone.LeadCanceled) // its windows never open again before the end
			continue
		case open.After(now):
			if l.DeferredFrom == nil {
				l.DeferredFrom = l.NextAttemptAt // for a change of schedule to put back
			}
			l.NextAttemptAt, l.UpdatedAt = &open, now
			t.leads = append(t.leads, l)
			earliest(open)
			continue
		}
		if free <= 0 {
			break // a call's end runs the next turn
		}
		if slot.After(now) {
			earliest(slot) // slots only grow: no later lead is due either
			break
		}
		t.place(l)
		free--
		if interval > 0 {
			slot = slot.Add(interval)
		}
		if i == len(st.Due)-1 && len(st.Due) == dialBatch && free > 0 {
			earliest(now) // more may be due than one turn looks at
		}
	}
	if interval > 0 {
		c.NextDialAt = slot
	}
	if c.Schedule.EndAt != nil && st.Pending && (wake.IsZero() || wake.After(*c.Schedule.EndAt)) {
		wake = *c.Schedule.EndAt // the leads still waiting then are canceled then
	}
	return wake
}

// complete moves the campaign to completed, with its event.
func (t *dialTurn) complete() {
	c := &t.c
	c.Status, c.UpdatedAt, c.CompletedAt, c.TickAt = dialtone.CampaignCompleted, t.now, &t.now, nil
	if t.cancel { // the leads still waiting at the end time are canceled with this change
		c.Progress.Canceled += c.Progress.Pending
		c.Progress.Pending = 0
	}
	t.fx.Events = append(t.fx.Events, campaignEvent(dialtone.EventCampaignCompleted, *c, t.now))
}

// finish ends a lead that is not called (skipped, canceled) with its event.
func (t *dialTurn) finish(l dialtone.Lead, to dialtone.LeadStatus) {
	l.Status, l.NextAttemptAt, l.DeferredFrom, l.CompletedAt, l.UpdatedAt = to, nil, nil, &t.now, t.now
	t.leads = append(t.leads, l)
	t.fx.Events = append(t.fx.Events, leadEvent(l, t.c, t.now))
}

// place queues the next attempt at a lead.
func (t *dialTurn) place(l dialtone.Lead) {
	from := t.callers[int(l.Seq)%len(t.callers)]
	c := t.c
	call := dialtone.Call{
		ID: dialtone.NewID(dialtone.PrefixCall), Object: "call", OrganizationID: c.OrganizationID,
		Direction: dialtone.CallOutbound, Status: dialtone.CallQueued, AgentID: &t.agent.ID,
		PhoneNumberID: from.ID, FromNumber: from.Number, ToNumber: l.PhoneNumber, Carrier: from.Carrier,
		Instructions: c.Instructions, Variables: nonNil(l.Variables), Metadata: map[string]string{},
		RingTimeoutSeconds: t.agent.RingTimeoutSeconds, Transcript: []dialtone.TranscriptTurn{},
		QueuedAt: t.now, Cost: dialtone.USD(0), CreatedAt: t.now, UpdatedAt: t.now,
		CampaignID: &c.ID, LeadID: &l.ID, Attempt: l.Attempts + 1,
	}
	l.Status, l.Attempts, l.CallID, l.NextAttemptAt, l.DeferredFrom, l.UpdatedAt = dialtone.LeadCalling, call.Attempt, &call.ID, nil, nil, t.now
	t.calls = append(t.calls, call)
	t.leads = append(t.leads, l)
	t.fx.Events = append(t.fx.Events, callEvent(call, t.now))
}

// leadEvent is campaign.lead.completed for l of c at t.
func leadEvent(l dialtone.Lead, c dialtone.Campaign, t time.Time) dialtone.Event {
	return dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event", Type: dialtone.EventCampaignLeadCompleted,
		ObjectID: l.ID, AgentID: c.AgentID, CreatedAt: t, Data: dialtone.EventData{Object: marshalObject(l)}}
}

// attemptEnd is what the end of campaign call c at t does to its lead, stored with the
// call's end: the lead is retried after the policy's backoff when its outcome is one to
// retry and attempts are left (and its campaign was not canceled); otherwise it is completed
// (answered by a person or a machine), failed, or canceled (its campaign was). Either way the
// campaign's dialer runs a turn, for the line the call freed.
func attemptEnd(c dialtone.Call, t time.Time) *LeadAttempt {
	if c.LeadID == nil {
		return nil
	}
	return &LeadAttempt{LeadID: *c.LeadID, CallID: c.ID, Finish: func(l *dialtone.Lead, cmp dialtone.Campaign) Effects {
		o := dialtone.CallOutcome(c)
		l.Outcome, l.UpdatedAt = &o, t
		fx := Effects{Jobs: []Job{dialJob(cmp, time.Time{})}}
		switch {
		case cmp.Status != dialtone.CampaignCanceled && cmp.Retry.Retries(o, l.Attempts):
			next := t.Add(time.Duration(cmp.Retry.BackoffMinutes) * time.Minute)
			l.Status, l.NextAttemptAt = dialtone.LeadPending, &next
			return fx
		case o == dialtone.OutcomeAnswered || o == dialtone.OutcomeVoicemail:
			l.Status = dialtone.LeadCompleted
		case cmp.Status == dialtone.CampaignCanceled:
			l.Status = dialtone.LeadCanceled
		default:
			l.Status = dialtone.LeadFailed
		}
		l.NextAttemptAt, l.CompletedAt = nil, &t
		fx.Events = append(fx.Events, leadEvent(*l, cmp, t))
		return fx
	}}
}
