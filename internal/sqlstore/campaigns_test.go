package sqlstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// errBoom is a caller's error the store must return as is.
var errBoom = errors.New("boom")

// newCampaignValues returns a campaign of agentID in status, created at created, with every
// JSON column set to something that is not its zero value.
func newCampaignValues(agentID, name string, status dialtone.CampaignStatus, created time.Time) dialtone.Campaign {
	cps := 2.5
	start := stored(created.Add(time.Hour))
	return dialtone.Campaign{
		ID: dialtone.NewID(dialtone.PrefixCampaign), Object: "campaign", Name: name, Status: status,
		AgentID: agentID, FromNumbers: []string{"+14155550100"}, Instructions: "Offer the renewal.",
		Schedule: dialtone.CampaignSchedule{StartAt: &start, Timezone: "America/New_York",
			Windows: []dialtone.CallingWindow{{Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00"}}},
		MaxConcurrentCalls: 3, CallsPerSecond: &cps,
		Retry:     dialtone.RetryPolicy{MaxAttempts: 2, BackoffMinutes: 30, RetryOn: []dialtone.LeadOutcome{dialtone.OutcomeBusy}},
		Metadata:  map[string]string{"team": "renewals"},
		CreatedAt: stored(created), UpdatedAt: stored(created),
	}
}

// insertCampaign stores a new campaign of orgID and returns it as the store returns it.
func insertCampaign(t *testing.T, st *sqlstore.Store, orgID, agentID string, status dialtone.CampaignStatus) dialtone.Campaign {
	t.Helper()
	c := newCampaignValues(agentID, "Renewals "+string(status), status, baseTime())
	c.OrganizationID = orgID
	if err := st.InsertCampaign(t.Context(), orgID, c); err != nil {
		t.Fatalf("InsertCampaign: %v", err)
	}
	return c
}

// leadNumber is the i-th number of the lead tests (i < 10,000).
func leadNumber(i int) string { return fmt.Sprintf("+1646555%04d", i) }

// newLeadValues returns a lead of campaignID in status, due at next.
func newLeadValues(campaignID, number string, status dialtone.LeadStatus, next *time.Time) dialtone.Lead {
	if next != nil {
		n := stored(*next)
		next = &n
	}
	return dialtone.Lead{
		ID: dialtone.NewID(dialtone.PrefixLead), Object: "lead", CampaignID: campaignID, PhoneNumber: number,
		Variables: map[string]string{"first_name": "Ada"}, Timezone: "America/New_York", Status: status,
		NextAttemptAt: next, CreatedAt: stored(baseTime()), UpdatedAt: stored(baseTime()),
	}
}

func phoneNumbers(ls []dialtone.Lead) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.PhoneNumber
	}
	return out
}

// addLeads stores ls as leads of orgID's campaign campaignID.
func addLeads(t *testing.T, st *sqlstore.Store, orgID, campaignID string, ls ...dialtone.Lead) {
	t.Helper()
	err := st.AddLeads(t.Context(), orgID, campaignID, phoneNumbers(ls), func(dialtone.Campaign, map[string]bool, map[string]bool) ([]dialtone.Lead, error) {
		return ls, nil
	})
	if err != nil {
		t.Fatalf("AddLeads: %v", err)
	}
}

// addLeadsIn stores a lead of orgID's campaign campaignID in each of statuses, numbered from
// leadNumber(0) on, the pending ones due at baseTime(), and returns them.
func addLeadsIn(t *testing.T, st *sqlstore.Store, orgID, campaignID string, statuses ...dialtone.LeadStatus) []dialtone.Lead {
	t.Helper()
	due := baseTime()
	ls := make([]dialtone.Lead, len(statuses))
	for i, s := range statuses {
		var next *time.Time
		if s == dialtone.LeadPending {
			next = &due
		}
		ls[i] = newLeadValues(campaignID, leadNumber(i), s, next)
	}
	addLeads(t, st, orgID, campaignID, ls...)
	return ls
}

func leadIDs(ls []dialtone.Lead) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

func campaignIDs(cs []dialtone.Campaign) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// getLead reads a lead that must exist.
func getLead(t *testing.T, st *sqlstore.Store, orgID, campaignID, id string) dialtone.Lead {
	t.Helper()
	l, err := st.GetLead(t.Context(), orgID, campaignID, id)
	if err != nil {
		t.Fatalf("GetLead %s: %v", id, err)
	}
	return l
}

// checkLead checks that lead want of orgID reads back as is, but for its Seq, which the store
// assigns; what names the read in the error.
func checkLead(t *testing.T, st *sqlstore.Store, orgID string, want dialtone.Lead, what string) {
	t.Helper()
	got := getLead(t, st, orgID, want.CampaignID, want.ID)
	want.Seq = got.Seq
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s =\n %+v\nwant\n %+v", what, got, want)
	}
}

// pageCase is one call of a list method: the filter and page asked for, the ids it must
// return, in order, and whether more must follow.
type pageCase[F any] struct {
	f    F
	lp   dialtone.ListParams
	want []string
	more bool
}

// checkPages makes each call of cases to list, a list method named name in errors, and checks
// the page it returns (ids names its items) and whether more follow.
func checkPages[F, T any](t *testing.T, name string, list func(F, dialtone.ListParams) ([]T, bool, error), ids func([]T) []string, cases []pageCase[F]) {
	t.Helper()
	for _, tc := range cases {
		items, more, err := list(tc.f, tc.lp)
		if err != nil {
			t.Fatalf("%s(%+v, %+v): %v", name, tc.f, tc.lp, err)
		}
		if got := ids(items); !slices.Equal(got, tc.want) || more != tc.more {
			t.Errorf("%s(%+v, %+v) = %v, more %v; want %v, more %v", name, tc.f, tc.lp, got, more, tc.want, tc.more)
		}
	}
}

// A campaignPage or a leadPage is one call of ListCampaigns or ListLeads.
type (
	campaignPage = pageCase[dialtone.CampaignFilter]
	leadPage     = pageCase[dialtone.LeadFilter]
)

// checkCampaignPages checks the pages of orgID's campaigns, as checkPages does.
func checkCampaignPages(t *testing.T, st *sqlstore.Store, orgID string, cases []campaignPage) {
	t.Helper()
	checkPages(t, "ListCampaigns", func(f dialtone.CampaignFilter, lp dialtone.ListParams) ([]dialtone.Campaign, bool, error) {
		return st.ListCampaigns(t.Context(), orgID, f, lp)
	}, campaignIDs, cases)
}

// checkLeadPages checks the pages of the leads of orgID's campaign campaignID, as checkPages
// does.
func checkLeadPages(t *testing.T, st *sqlstore.Store, orgID, campaignID string, cases []leadPage) {
	t.Helper()
	checkPages(t, "ListLeads", func(f dialtone.LeadFilter, lp dialtone.ListParams) ([]dialtone.Lead, bool, error) {
		return st.ListLeads(t.Context(), orgID, campaignID, f, lp)
	}, leadIDs, cases)
}

// checkNotFound checks that do, a call of the store that finds nothing (another organization's
// resource, or none), returns core.ErrNotFound without calling the callback it gives the store,
// which sets *called.
func checkNotFound(t *testing.T, what string, do func(called *bool) error) {
	t.Helper()
	called := false
	if err := do(&called); err != core.ErrNotFound || called {
		t.Errorf("%s: %v (callback called: %v)", what, err, called)
	}
}

// getCampaignRow reads a campaign that must exist.
func getCampaignRow(t *testing.T, st *sqlstore.Store, orgID, id string) dialtone.Campaign {
	t.Helper()
	c, err := st.GetCampaign(t.Context(), orgID, id)
	if err != nil {
		t.Fatalf("GetCampaign %s: %v", id, err)
	}
	return c
}

// optOut stores an opt-out of party from orgID's messages, through WriteMessages.
func optOut(t *testing.T, st *sqlstore.Store, orgID string, n dialtone.PhoneNumber, party string) {
	t.Helper()
	yes := true
	writeSMS(t, st, orgID, n, party, core.MessageWrite{OptOut: &yes})
}

// testEvent is an event about objectID at at.
func testEvent(typ, objectID string, at time.Time) dialtone.Event {
	return dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event", Type: typ, ObjectID: objectID,
		CreatedAt: at, Data: dialtone.EventData{Object: json.RawMessage(`{"id":"` + objectID + `"}`)}}
}

// campaignCall is the call of attempt at lead l of campaign c, from number n.
func campaignCall(c dialtone.Campaign, n dialtone.PhoneNumber, l dialtone.Lead, attempt int, at time.Time) dialtone.Call {
	agent := c.AgentID
	return dialtone.Call{
		ID: dialtone.NewID(dialtone.PrefixCall), Object: "call", OrganizationID: c.OrganizationID,
		Direction: dialtone.CallOutbound, Status: dialtone.CallQueued, AgentID: &agent, PhoneNumberID: n.ID,
		FromNumber: n.Number, ToNumber: l.PhoneNumber, Carrier: n.Carrier, Instructions: c.Instructions,
		Variables: l.Variables, Metadata: map[string]string{}, RingTimeoutSeconds: 30,
		Transcript: []dialtone.TranscriptTurn{}, QueuedAt: at, Cost: dialtone.USD(0), CreatedAt: at, UpdatedAt: at,
		CampaignID: &c.ID, LeadID: &l.ID, Attempt: attempt,
	}
}

// calling is l moved to calling for call.
func calling(l dialtone.Lead, call dialtone.Call, at time.Time) dialtone.Lead {
	l.Status, l.Attempts, l.CallID, l.NextAttemptAt, l.UpdatedAt = dialtone.LeadCalling, call.Attempt, &call.ID, nil, at
	return l
}

// campaignWorld is what the campaign tests start from: an organization with an agent, and
// another organization with its own.
type campaignWorld struct {
	org, other        dialtone.Organization
	agent, otherAgent dialtone.Agent
}

// campaignAndSibling stores two campaigns of w.org in status: the one a test works on, and a
// sibling whose leads it must leave alone.
func (w campaignWorld) campaignAndSibling(t *testing.T, st *sqlstore.Store, status dialtone.CampaignStatus) (c, sibling dialtone.Campaign) {
	t.Helper()
	return insertCampaign(t, st, w.org.ID, w.agent.ID, status), insertCampaign(t, st, w.org.ID, w.agent.ID, status)
}

// eachCampaignWorld runs body, in parallel with other tests, on every store (sqltest.Each),
// each holding a fresh campaignWorld.
func eachCampaignWorld(t *testing.T, body func(t *testing.T, st *sqlstore.Store, w campaignWorld)) {
	t.Helper()
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		body(t, st, campaignWorld{org: org, other: other,
			agent: insertAgent(t, st, org.ID, "Caller"), otherAgent: insertAgent(t, st, other.ID, "Theirs")})
	})
}

func TestCampaignInsertGetList(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		a := insertCampaign(t, st, w.org.ID, w.agent.ID, dialtone.CampaignDraft)
		got, err := st.GetCampaign(ctx, w.org.ID, a.ID)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("GetCampaign =\n %+v, %v\nwant\n %+v", got, err, a)
		}
		// A running campaign with every optional column set, and one with every one unset.
		b := newCampaignValues(w.agent.ID, "Running", dialtone.CampaignRunning, baseTime())
		b.OrganizationID = w.org.ID
		tick, started := stored(baseTime().Add(time.Minute)), stored(baseTime().Add(time.Second))
		b.NextDialAt, b.TickAt, b.StartedAt = stored(baseTime().Add(2*time.Second)), &tick, &started
		if err := st.InsertCampaign(ctx, w.org.ID, b); err != nil {
			t.Fatal(err)
		}
		if got := getCampaignRow(t, st, w.org.ID, b.ID); !reflect.DeepEqual(got, b) {
			t.Errorf("GetCampaign =\n %+v\nwant\n %+v", got, b)
		}
		c := newCampaignValues(w.agent.ID, "Bare", dialtone.CampaignDraft, baseTime())
		c.OrganizationID, c.CallsPerSecond, c.Metadata, c.FromNumbers = w.org.ID, nil, nil, nil
		c.Schedule = dialtone.CampaignSchedule{Timezone: "UTC"}
		if err := st.InsertCampaign(ctx, w.org.ID, c); err != nil {
			t.Fatal(err)
		}
		wantC := c
		wantC.Metadata, wantC.FromNumbers = map[string]string{}, []string{}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, wantC) {
			t.Errorf("GetCampaign of a bare campaign =\n %+v\nwant\n %+v", got, wantC)
		}
		d := insertCampaign(t, st, w.other.ID, w.otherAgent.ID, dialtone.CampaignDraft)

		if _, err := st.GetCampaign(ctx, w.other.ID, a.ID); err != core.ErrNotFound {
			t.Errorf("foreign GetCampaign: %v", err)
		}
		if _, err := st.GetCampaign(ctx, w.org.ID, "cmp_nope"); err != core.ErrNotFound {
			t.Errorf("GetCampaign of nothing: %v", err)
		}
		if p, err := st.CampaignProgress(ctx, a.ID); err != nil || p != (dialtone.CampaignProgress{}) {
			t.Errorf("CampaignProgress without leads = %+v, %v", p, err)
		}

		checkCampaignPages(t, st, w.org.ID, []campaignPage{
			{dialtone.CampaignFilter{}, dialtone.ListParams{}, []string{c.ID, b.ID, a.ID}, false},
			{dialtone.CampaignFilter{Status: dialtone.CampaignDraft}, dialtone.ListParams{}, []string{c.ID, a.ID}, false},
			{dialtone.CampaignFilter{Status: dialtone.CampaignRunning}, dialtone.ListParams{}, []string{b.ID}, false},
			{dialtone.CampaignFilter{Status: dialtone.CampaignCompleted}, dialtone.ListParams{}, []string{}, false},
			{dialtone.CampaignFilter{}, dialtone.ListParams{Limit: 1}, []string{c.ID}, true},
			{dialtone.CampaignFilter{}, dialtone.ListParams{Limit: 1, StartingAfter: c.ID}, []string{b.ID}, true},
			{dialtone.CampaignFilter{}, dialtone.ListParams{Limit: 1, StartingAfter: b.ID}, []string{a.ID}, false},
			{dialtone.CampaignFilter{}, dialtone.ListParams{EndingBefore: a.ID}, []string{c.ID, b.ID}, false},
			{dialtone.CampaignFilter{}, dialtone.ListParams{Limit: 1, EndingBefore: a.ID}, []string{b.ID}, true},
			// A cursor stays valid when its campaign does not match the filter.
			{dialtone.CampaignFilter{Status: dialtone.CampaignDraft}, dialtone.ListParams{StartingAfter: b.ID}, []string{a.ID}, false},
		})
		cs, _, err := st.ListCampaigns(ctx, w.org.ID, dialtone.CampaignFilter{Status: dialtone.CampaignRunning}, dialtone.ListParams{})
		if err != nil || len(cs) != 1 || !reflect.DeepEqual(cs[0], b) {
			t.Errorf("listed campaign =\n %+v, %v\nwant\n %+v", cs, err, b)
		}
		if _, _, err := st.ListCampaigns(ctx, w.org.ID, dialtone.CampaignFilter{}, dialtone.ListParams{StartingAfter: d.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("foreign cursor: %v", err)
		}
		checkCampaignPages(t, st, w.other.ID, []campaignPage{{want: []string{d.ID}}})
	})
}

func TestUpdateCampaign(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		c, sibling := w.campaignAndSibling(t, st, dialtone.CampaignRunning)
		ls := addLeadsIn(t, st, w.org.ID, c.ID, dialtone.LeadPending, dialtone.LeadPending, dialtone.LeadPending,
			dialtone.LeadCalling, dialtone.LeadCompleted, dialtone.LeadFailed, dialtone.LeadSkipped)
		addLeadsIn(t, st, w.org.ID, sibling.ID, dialtone.LeadPending)
		wantProgress := dialtone.CampaignProgress{Total: 7, Pending: 3, Calling: 1, Completed: 1, Failed: 1, Skipped: 1}
		if p, err := st.CampaignProgress(ctx, c.ID); err != nil || p != wantProgress {
			t.Fatalf("CampaignProgress = %+v, %v; want %+v", p, err, wantProgress)
		}

		// mutate's error is returned as is and stores nothing, whatever mutate changed.
		_, err := st.UpdateCampaign(ctx, w.org.ID, c.ID, func(x *dialtone.Campaign) (core.CampaignWrite, error) {
			if x.Progress != wantProgress {
				t.Errorf("mutate saw Progress %+v, want %+v", x.Progress, wantProgress)
			}
			x.Name, x.Status, x.UpdatedAt = "changed", dialtone.CampaignCanceled, baseTime().Add(time.Hour)
			return core.CampaignWrite{CancelLeads: true, Effects: core.Effects{Events: []dialtone.Event{testEvent("campaign.canceled", x.ID, baseTime())}}}, errBoom
		})
		if err != errBoom {
			t.Fatalf("UpdateCampaign with a failing mutate: %v, want boom as is", err)
		}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, c) {
			t.Errorf("after a failed mutate =\n %+v\nwant\n %+v", got, c)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p != wantProgress {
			t.Errorf("after a failed mutate: progress %+v", p)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM events`); n != 0 {
			t.Errorf("a failed mutate stored %d events", n)
		}

		// A change is stored, with its events; creation time, id and organization are not.
		later := stored(baseTime().Add(time.Hour))
		tick := stored(later.Add(time.Minute))
		up, err := st.UpdateCampaign(ctx, w.org.ID, c.ID, func(x *dialtone.Campaign) (core.CampaignWrite, error) {
			x.Name, x.Status, x.Metadata, x.UpdatedAt, x.TickAt = "Renamed", dialtone.CampaignPaused, map[string]string{"k": "v"}, later, &tick
			x.MaxConcurrentCalls, x.CallsPerSecond, x.NextDialAt = 5, nil, later
			x.CreatedAt = later
			return core.CampaignWrite{Effects: core.Effects{Events: []dialtone.Event{testEvent(dialtone.EventCampaignPaused, x.ID, later)}}}, nil
		})
		if err != nil || up.Name != "Renamed" || up.Status != dialtone.CampaignPaused || up.Progress != wantProgress {
			t.Fatalf("UpdateCampaign = %+v, %v", up, err)
		}
		want := c
		want.Name, want.Status, want.Metadata, want.UpdatedAt, want.TickAt = "Renamed", dialtone.CampaignPaused, map[string]string{"k": "v"}, later, &tick
		want.MaxConcurrentCalls, want.CallsPerSecond, want.NextDialAt = 5, nil, later
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("stored campaign =\n %+v\nwant\n %+v", got, want)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM events WHERE object_id = $1 AND type = $2`, c.ID, dialtone.EventCampaignPaused); n != 1 {
			t.Errorf("%d campaign.paused events stored, want 1", n)
		}

		// CancelLeads cancels the pending leads only, at the campaign's UpdatedAt.
		end := stored(baseTime().Add(2 * time.Hour))
		up, err = st.UpdateCampaign(ctx, w.org.ID, c.ID, func(x *dialtone.Campaign) (core.CampaignWrite, error) {
			x.Status, x.CanceledAt, x.UpdatedAt, x.TickAt = dialtone.CampaignCanceled, &end, end, nil
			return core.CampaignWrite{CancelLeads: true}, nil
		})
		wantProgress = dialtone.CampaignProgress{Total: 7, Calling: 1, Completed: 1, Failed: 1, Skipped: 1, Canceled: 3}
		if err != nil || up.Status != dialtone.CampaignCanceled || up.Progress != wantProgress {
			t.Fatalf("UpdateCampaign with CancelLeads = %+v, %v; want progress %+v", up, err, wantProgress)
		}
		for i, want := range ls {
			if want.Status == dialtone.LeadPending {
				want.Status, want.NextAttemptAt, want.CompletedAt, want.UpdatedAt = dialtone.LeadCanceled, nil, &end, end
			}
			checkLead(t, st, w.org.ID, want, fmt.Sprintf("lead %d after CancelLeads", i))
		}
		if p, _ := st.CampaignProgress(ctx, sibling.ID); p != (dialtone.CampaignProgress{Total: 1, Pending: 1}) {
			t.Errorf("another campaign's leads were canceled: %+v", p)
		}

		for _, tc := range []struct{ what, org, campaign string }{
			{"foreign UpdateCampaign", w.other.ID, c.ID}, {"UpdateCampaign of nothing", w.org.ID, "cmp_nope"},
		} {
			checkNotFound(t, tc.what, func(called *bool) error {
				_, err := st.UpdateCampaign(ctx, tc.org, tc.campaign, func(*dialtone.Campaign) (core.CampaignWrite, error) {
					*called = true
					return core.CampaignWrite{}, nil
				})
				return err
			})
		}
	})
}

// TestUndeferLeads: leads a calling window deferred keep when they were due, and
// UndeferLeads puts back exactly those of its campaign that are still pending.
func TestUndeferLeads(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		c, sibling := w.campaignAndSibling(t, st, dialtone.CampaignPaused)
		now := stored(baseTime().Add(time.Hour))
		opens := stored(baseTime().Add(20 * time.Hour))
		retryDue := stored(baseTime().Add(-5 * time.Minute))
		ls := addLeadsIn(t, st, w.org.ID, c.ID, dialtone.LeadPending, dialtone.LeadPending, dialtone.LeadPending)
		sib := addLeadsIn(t, st, w.org.ID, sibling.ID, dialtone.LeadPending)
		ls[1].NextAttemptAt = &retryDue
		// defer stores, as a dialer turn of campaign id does, leads put off to opens.
		deferTo := func(id string, leads ...*dialtone.Lead) {
			t.Helper()
			err := st.DialCampaign(ctx, w.org.ID, id, now, core.CallCounts{Live: 10, Queued: 10}, 10, func(s core.DialState) (core.DialPlan, error) {
				p := core.DialPlan{Campaign: s.Campaign}
				for _, l := range leads {
					l.DeferredFrom, l.NextAttemptAt, l.UpdatedAt = l.NextAttemptAt, &opens, now
					p.Leads = append(p.Leads, *l)
				}
				return p, nil
			})
			if err != nil {
				t.Fatalf("DialCampaign: %v", err)
			}
		}
		deferTo(c.ID, &ls[0], &ls[1])
		deferTo(sibling.ID, &sib[0])
		for i, l := range ls {
			checkLead(t, st, w.org.ID, l, fmt.Sprintf("lead %d after the window deferred it", i))
		}

		// A change without UndeferLeads leaves them; with it, they are due when they were.
		later := stored(now.Add(time.Minute))
		for _, undefer := range []bool{false, true} {
			if _, err := st.UpdateCampaign(ctx, w.org.ID, c.ID, func(x *dialtone.Campaign) (core.CampaignWrite, error) {
				x.UpdatedAt = later
				return core.CampaignWrite{UndeferLeads: undefer}, nil
			}); err != nil {
				t.Fatalf("UpdateCampaign: %v", err)
			}
		}
		due := []time.Time{stored(baseTime()), retryDue}
		for i := range 2 {
			ls[i].NextAttemptAt, ls[i].DeferredFrom, ls[i].UpdatedAt = &due[i], nil, later
		}
		for i, l := range ls {
			checkLead(t, st, w.org.ID, l, fmt.Sprintf("lead %d after UndeferLeads", i))
		}
		checkLead(t, st, w.org.ID, sib[0], "another campaign's deferred lead")
	})
}

func TestDeleteCampaign(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		c, keep := w.campaignAndSibling(t, st, dialtone.CampaignDraft)
		ls := addLeadsIn(t, st, w.org.ID, c.ID, dialtone.LeadPending, dialtone.LeadPending, dialtone.LeadPending)
		addLeadsIn(t, st, w.org.ID, keep.ID, dialtone.LeadPending, dialtone.LeadPending)

		// check refuses: its error as is, nothing deleted.
		var seen dialtone.Campaign
		if err := st.DeleteCampaign(ctx, w.org.ID, c.ID, func(x dialtone.Campaign) error {
			seen = x
			return errBoom
		}); err != errBoom {
			t.Fatalf("DeleteCampaign with a refusing check: %v, want boom as is", err)
		}
		if !reflect.DeepEqual(seen, c) {
			t.Errorf("check was given\n %+v\nwant\n %+v", seen, c)
		}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, c) {
			t.Errorf("after a refused delete: %+v", got)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p.Total != 3 {
			t.Errorf("after a refused delete: %d leads, want 3", p.Total)
		}
		checkNotFound(t, "foreign DeleteCampaign", func(called *bool) error {
			return st.DeleteCampaign(ctx, w.other.ID, c.ID, func(dialtone.Campaign) error { *called = true; return nil })
		})

		// check allows: the campaign and its leads are gone, and nothing else.
		if err := st.DeleteCampaign(ctx, w.org.ID, c.ID, func(dialtone.Campaign) error { return nil }); err != nil {
			t.Fatalf("DeleteCampaign: %v", err)
		}
		if _, err := st.GetCampaign(ctx, w.org.ID, c.ID); err != core.ErrNotFound {
			t.Errorf("GetCampaign after delete: %v", err)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM leads WHERE campaign_id = $1`, c.ID); n != 0 {
			t.Errorf("%d leads left after delete", n)
		}
		if _, err := st.GetLead(ctx, w.org.ID, c.ID, ls[0].ID); err != core.ErrNotFound {
			t.Errorf("GetLead after delete: %v", err)
		}
		if err := st.DeleteCampaign(ctx, w.org.ID, c.ID, func(dialtone.Campaign) error { return nil }); err != core.ErrNotFound {
			t.Errorf("second DeleteCampaign: %v", err)
		}
		if p, _ := st.CampaignProgress(ctx, keep.ID); p.Total != 2 {
			t.Errorf("another campaign has %d leads after the delete, want 2", p.Total)
		}
		checkCampaignPages(t, st, w.org.ID, []campaignPage{{want: []string{keep.ID}}})
	})
}

func TestAddLeads(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		c, sibling := w.campaignAndSibling(t, st, dialtone.CampaignDraft)
		n := insertNumber(t, st, w.org.ID, nil)
		otherNumber := insertNumber(t, st, w.other.ID, nil)

		// 1,234 numbers, so that every lookup spans three IN chunks of 500 and every insert
		// of more than 500 leads several INSERT statements.
		const total = 1234
		numbers := make([]string, total)
		for i := range numbers {
			numbers[i] = leadNumber(i)
		}
		opted := []int{7, 742, 1203} // one in each chunk
		for _, i := range opted {
			optOut(t, st, w.org.ID, n, numbers[i])
		}
		optOut(t, st, w.other.ID, otherNumber, numbers[10]) // another organization's opt-out

		due := baseTime()
		leadsFor := func(campaignID string, idx []int) []dialtone.Lead {
			out := make([]dialtone.Lead, len(idx))
			for j, i := range idx {
				out[j] = newLeadValues(campaignID, numbers[i], dialtone.LeadPending, &due)
				out[j].Variables = map[string]string{"row": fmt.Sprint(i)}
			}
			return out
		}
		set := func(idx []int) map[string]bool {
			out := map[string]bool{}
			for _, i := range idx {
				out[numbers[i]] = true
			}
			return out
		}

		// The first batch: every third number. Nothing exists yet; one of them opted out.
		var first []int
		for i := 0; i < total; i += 3 {
			first = append(first, i)
		}
		firstLeads := leadsFor(c.ID, first)
		firstNumbers := phoneNumbers(firstLeads)
		if err := st.AddLeads(ctx, w.org.ID, c.ID, firstNumbers, func(x dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error) {
			if x.ID != c.ID || x.Status != dialtone.CampaignDraft || x.OrganizationID != w.org.ID {
				t.Errorf("decide was given campaign %+v", x)
			}
			if len(existing) != 0 {
				t.Errorf("existing = %v, want none", existing)
			}
			if want := set([]int{1203}); !maps.Equal(optedOut, want) {
				t.Errorf("optedOut = %v, want %v", optedOut, want)
			}
			return firstLeads, nil
		}); err != nil {
			t.Fatalf("AddLeads: %v", err)
		}
		// Leads of another campaign are not this one's.
		addLeads(t, st, w.org.ID, sibling.ID, leadsFor(sibling.ID, []int{1, 2, 4, 5, 1000})...)

		// decide's error stores nothing and is returned as is.
		var rest []int
		for i := range total {
			if i%3 != 0 {
				rest = append(rest, i)
			}
		}
		restLeads := leadsFor(c.ID, rest)
		err := st.AddLeads(ctx, w.org.ID, c.ID, numbers, func(_ dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error) {
			if !maps.Equal(existing, set(first)) {
				t.Errorf("existing has %d numbers, want the %d of the first batch", len(existing), len(first))
			}
			if want := set(opted); !maps.Equal(optedOut, want) {
				t.Errorf("optedOut = %v, want %v", optedOut, want)
			}
			return restLeads, errBoom
		})
		if err != errBoom {
			t.Fatalf("AddLeads with a failing decide: %v, want boom as is", err)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p.Total != len(first) {
			t.Fatalf("a failed decide stored leads: %d, want %d", p.Total, len(first))
		}

		// The rest: 822 leads in two INSERT statements.
		if err := st.AddLeads(ctx, w.org.ID, c.ID, numbers, func(_ dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error) {
			if !maps.Equal(existing, set(first)) || !maps.Equal(optedOut, set(opted)) {
				t.Errorf("existing %d numbers, optedOut %v", len(existing), optedOut)
			}
			return restLeads, nil
		}); err != nil {
			t.Fatalf("AddLeads: %v", err)
		}
		if p, err := st.CampaignProgress(ctx, c.ID); err != nil || p != (dialtone.CampaignProgress{Total: total, Pending: total}) {
			t.Fatalf("CampaignProgress = %+v, %v; want %d pending", p, err, total)
		}
		// Every lead reads back as stored, in upload order.
		for _, l := range []dialtone.Lead{firstLeads[0], firstLeads[len(firstLeads)-1], restLeads[0], restLeads[499], restLeads[500], restLeads[len(restLeads)-1]} {
			checkLead(t, st, w.org.ID, l, "GetLead")
		}
		// The newest first: the last three uploaded.
		last := leadIDs(restLeads[len(restLeads)-3:])
		checkLeadPages(t, st, w.org.ID, c.ID, []leadPage{{lp: dialtone.ListParams{Limit: 3}, want: []string{last[2], last[1], last[0]}, more: true}})
		if a, b := getLead(t, st, w.org.ID, c.ID, restLeads[499].ID), getLead(t, st, w.org.ID, c.ID, restLeads[500].ID); a.Seq >= b.Seq {
			t.Errorf("upload order lost across INSERT statements: seq %d then %d", a.Seq, b.Seq)
		}
		if getLead(t, st, w.org.ID, c.ID, firstLeads[len(firstLeads)-1].ID).Seq >= getLead(t, st, w.org.ID, c.ID, restLeads[0].ID).Seq {
			t.Error("a later batch's lead has a lower seq")
		}

		// The unique (campaign, phone number) index holds: a batch naming a number that is
		// already a lead fails, and stores none of its leads, even those of its first INSERT.
		var fresh []dialtone.Lead
		for i := range 500 {
			fresh = append(fresh, newLeadValues(c.ID, fmt.Sprintf("+1718555%04d", i), dialtone.LeadPending, &due))
		}
		dup := newLeadValues(c.ID, numbers[0], dialtone.LeadPending, &due)
		batch := append(slices.Clone(fresh), dup)
		err = st.AddLeads(ctx, w.org.ID, c.ID, phoneNumbers(batch), func(dialtone.Campaign, map[string]bool, map[string]bool) ([]dialtone.Lead, error) {
			return batch, nil
		})
		if err == nil || errors.Is(err, core.ErrNotFound) {
			t.Fatalf("AddLeads of a number already a lead: %v, want a unique violation", err)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p.Total != total {
			t.Errorf("a failed batch stored leads: %d, want %d", p.Total, total)
		}
		if _, err := st.GetLead(ctx, w.org.ID, c.ID, fresh[0].ID); err != core.ErrNotFound {
			t.Errorf("a lead of a failed batch: %v", err)
		}
		// The same number twice in one batch fails too.
		twice := []dialtone.Lead{fresh[0], newLeadValues(c.ID, fresh[0].PhoneNumber, dialtone.LeadPending, &due)}
		if err := st.AddLeads(ctx, w.org.ID, c.ID, phoneNumbers(twice), func(dialtone.Campaign, map[string]bool, map[string]bool) ([]dialtone.Lead, error) {
			return twice, nil
		}); err == nil {
			t.Error("AddLeads of one number twice succeeded")
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM leads WHERE campaign_id = $1 AND phone_number = $2`, c.ID, fresh[0].PhoneNumber); n != 0 {
			t.Errorf("%d leads of a failed batch", n)
		}
		// Another campaign may have the same number.
		addLeads(t, st, w.org.ID, sibling.ID, newLeadValues(sibling.ID, numbers[0], dialtone.LeadPending, &due))

		checkNotFound(t, "foreign AddLeads", func(called *bool) error {
			return st.AddLeads(ctx, w.other.ID, c.ID, numbers[:1], func(dialtone.Campaign, map[string]bool, map[string]bool) ([]dialtone.Lead, error) {
				*called = true
				return nil, nil
			})
		})
		// An empty batch is fine.
		if err := st.AddLeads(ctx, w.org.ID, c.ID, nil, func(_ dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error) {
			if len(existing) != 0 || len(optedOut) != 0 {
				t.Errorf("empty batch: existing %v, optedOut %v", existing, optedOut)
			}
			return nil, nil
		}); err != nil {
			t.Errorf("AddLeads of nothing: %v", err)
		}
	})
}

func TestLeadGetListDelete(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		c, sibling := w.campaignAndSibling(t, st, dialtone.CampaignRunning)
		foreign := insertCampaign(t, st, w.other.ID, w.otherAgent.ID, dialtone.CampaignRunning)
		due := baseTime()
		p1 := newLeadValues(c.ID, leadNumber(1), dialtone.LeadPending, &due)
		p1.Variables, p1.ZoneFromCampaign, p1.Timezone = map[string]string{}, true, "UTC"
		p2 := newLeadValues(c.ID, leadNumber(2), dialtone.LeadPending, &due)
		k1 := newLeadValues(c.ID, leadNumber(3), dialtone.LeadCalling, nil)
		k1.Attempts = 1
		d1 := newLeadValues(c.ID, leadNumber(4), dialtone.LeadCompleted, nil)
		p3 := newLeadValues(c.ID, leadNumber(5), dialtone.LeadPending, &due)
		addLeads(t, st, w.org.ID, c.ID, p1, p2, k1, d1, p3)
		s1 := newLeadValues(sibling.ID, leadNumber(1), dialtone.LeadPending, &due)
		addLeads(t, st, w.org.ID, sibling.ID, s1)
		f1 := newLeadValues(foreign.ID, leadNumber(1), dialtone.LeadPending, &due)
		addLeads(t, st, w.other.ID, foreign.ID, f1)

		for _, l := range []dialtone.Lead{p1, k1} {
			checkLead(t, st, w.org.ID, l, "GetLead")
		}
		if _, err := st.GetLead(ctx, w.org.ID, sibling.ID, p1.ID); err != core.ErrNotFound {
			t.Errorf("GetLead through another campaign: %v", err)
		}
		if _, err := st.GetLead(ctx, w.other.ID, c.ID, p1.ID); err != core.ErrNotFound {
			t.Errorf("foreign GetLead: %v", err)
		}
		if _, err := st.GetLead(ctx, w.org.ID, c.ID, "lead_nope"); err != core.ErrNotFound {
			t.Errorf("GetLead of nothing: %v", err)
		}

		checkLeadPages(t, st, w.org.ID, c.ID, []leadPage{
			{dialtone.LeadFilter{}, dialtone.ListParams{}, []string{p3.ID, d1.ID, k1.ID, p2.ID, p1.ID}, false},
			{dialtone.LeadFilter{Status: dialtone.LeadPending}, dialtone.ListParams{}, []string{p3.ID, p2.ID, p1.ID}, false},
			{dialtone.LeadFilter{Status: dialtone.LeadCalling}, dialtone.ListParams{}, []string{k1.ID}, false},
			{dialtone.LeadFilter{Status: dialtone.LeadCompleted}, dialtone.ListParams{}, []string{d1.ID}, false},
			{dialtone.LeadFilter{Status: dialtone.LeadFailed}, dialtone.ListParams{}, []string{}, false},
			{dialtone.LeadFilter{Status: dialtone.LeadPending}, dialtone.ListParams{Limit: 2}, []string{p3.ID, p2.ID}, true},
			{dialtone.LeadFilter{Status: dialtone.LeadPending}, dialtone.ListParams{StartingAfter: d1.ID}, []string{p2.ID, p1.ID}, false},
			{dialtone.LeadFilter{}, dialtone.ListParams{Limit: 2, EndingBefore: p1.ID}, []string{k1.ID, p2.ID}, true},
		})
		if _, _, err := st.ListLeads(ctx, w.org.ID, c.ID, dialtone.LeadFilter{}, dialtone.ListParams{StartingAfter: s1.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("another campaign's lead as cursor: %v", err)
		}
		checkLeadPages(t, st, w.other.ID, c.ID, []leadPage{{want: []string{}}})

		// DeleteLead: check refuses → kept; allows → gone.
		var seen dialtone.Lead
		if err := st.DeleteLead(ctx, w.org.ID, c.ID, k1.ID, func(l dialtone.Lead) error {
			seen = l
			return errBoom
		}); err != errBoom {
			t.Fatalf("DeleteLead with a refusing check: %v, want boom as is", err)
		}
		if seen.ID != k1.ID || seen.Status != dialtone.LeadCalling {
			t.Errorf("check was given %+v", seen)
		}
		getLead(t, st, w.org.ID, c.ID, k1.ID)
		for _, tc := range []struct{ org, campaign, lead string }{
			{w.other.ID, c.ID, p1.ID}, {w.org.ID, sibling.ID, p1.ID}, {w.org.ID, c.ID, "lead_nope"},
		} {
			checkNotFound(t, fmt.Sprintf("DeleteLead(%s, %s, %s)", tc.org, tc.campaign, tc.lead), func(called *bool) error {
				return st.DeleteLead(ctx, tc.org, tc.campaign, tc.lead, func(dialtone.Lead) error { *called = true; return nil })
			})
		}
		if err := st.DeleteLead(ctx, w.org.ID, c.ID, p1.ID, func(dialtone.Lead) error { return nil }); err != nil {
			t.Fatalf("DeleteLead: %v", err)
		}
		if _, err := st.GetLead(ctx, w.org.ID, c.ID, p1.ID); err != core.ErrNotFound {
			t.Errorf("GetLead after delete: %v", err)
		}
		if err := st.DeleteLead(ctx, w.org.ID, c.ID, p1.ID, func(dialtone.Lead) error { return nil }); err != core.ErrNotFound {
			t.Errorf("second DeleteLead: %v", err)
		}
		checkLeadPages(t, st, w.org.ID, c.ID, []leadPage{{want: []string{p3.ID, d1.ID, k1.ID, p2.ID}}})
		getLead(t, st, w.org.ID, sibling.ID, s1.ID)
		// The number may be a lead again.
		addLeads(t, st, w.org.ID, c.ID, newLeadValues(c.ID, p1.PhoneNumber, dialtone.LeadPending, &due))
	})
}

func TestDialCampaign(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		n := insertNumber(t, st, w.org.ID, &w.agent.ID)
		c, sibling := w.campaignAndSibling(t, st, dialtone.CampaignRunning)
		done := insertCampaign(t, st, w.org.ID, w.agent.ID, dialtone.CampaignRunning)
		now := stored(baseTime().Add(24 * time.Hour))
		at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }

		l1 := newLeadValues(c.ID, leadNumber(1), dialtone.LeadPending, at(-2*time.Hour))
		l2 := newLeadValues(c.ID, leadNumber(2), dialtone.LeadPending, at(-time.Hour))
		l3 := newLeadValues(c.ID, leadNumber(3), dialtone.LeadPending, at(-2*time.Hour)) // l1's time, uploaded later
		l4 := newLeadValues(c.ID, leadNumber(4), dialtone.LeadPending, at(0))            // due exactly now
		l5 := newLeadValues(c.ID, leadNumber(5), dialtone.LeadPending, at(time.Hour))
		l6 := newLeadValues(c.ID, leadNumber(6), dialtone.LeadPending, at(2*time.Hour))
		l7 := newLeadValues(c.ID, leadNumber(7), dialtone.LeadCalling, nil)
		l8 := newLeadValues(c.ID, leadNumber(8), dialtone.LeadCompleted, at(-3*time.Hour)) // not pending: never due
		l9 := newLeadValues(c.ID, leadNumber(9), dialtone.LeadPending, at(-30*time.Minute))
		addLeads(t, st, w.org.ID, c.ID, l1, l2, l3, l4, l5, l6, l7, l8, l9)
		addLeads(t, st, w.org.ID, sibling.ID, newLeadValues(sibling.ID, leadNumber(1), dialtone.LeadPending, at(-3*time.Hour)),
			newLeadValues(sibling.ID, leadNumber(20), dialtone.LeadPending, at(30*time.Minute)),
			newLeadValues(sibling.ID, leadNumber(21), dialtone.LeadCalling, nil))
		addLeads(t, st, w.org.ID, done.ID, newLeadValues(done.ID, leadNumber(1), dialtone.LeadCompleted, nil))
		optOut(t, st, w.org.ID, n, l9.PhoneNumber)
		optOut(t, st, w.other.ID, insertNumber(t, st, w.other.ID, nil), l1.PhoneNumber) // not this organization's
		caps := core.CallCounts{Live: 10, Queued: 10}

		// dial runs a turn that stores plan, and returns the state it read.
		dial := func(id string, dueLimit int, plan func(core.DialState) (core.DialPlan, error)) (core.DialState, error) {
			t.Helper()
			var st0 core.DialState
			err := st.DialCampaign(ctx, w.org.ID, id, now, caps, dueLimit, func(s core.DialState) (core.DialPlan, error) {
				st0 = s
				if plan == nil {
					return core.DialPlan{Campaign: s.Campaign}, nil
				}
				return plan(s)
			})
			return st0, err
		}
		dueIDs := func(s core.DialState) []string { return leadIDs(s.Due) }

		s, err := dial(c.ID, 10, nil)
		if err != nil {
			t.Fatalf("DialCampaign: %v", err)
		}
		if !reflect.DeepEqual(s.Campaign, c) {
			t.Errorf("state's campaign =\n %+v\nwant\n %+v", s.Campaign, c)
		}
		if want := []string{l1.ID, l3.ID, l2.ID, l9.ID, l4.ID}; !slices.Equal(dueIDs(s), want) {
			t.Errorf("Due = %v, want %v (earliest first, then upload order)", dueIDs(s), want)
		}
		if s.Calling != 1 || !s.Pending || s.NextDue == nil || !s.NextDue.Equal(*at(time.Hour)) || s.Org != (core.CallCounts{}) {
			t.Errorf("state: calling %d, pending %v, next due %v, org %+v; want 1, true, %v, none", s.Calling, s.Pending, s.NextDue, s.Org, *at(time.Hour))
		}
		if want := map[string]bool{l9.PhoneNumber: true}; !maps.Equal(s.OptedOut, want) {
			t.Errorf("OptedOut = %v, want %v", s.OptedOut, want)
		}
		for _, l := range s.Due {
			if l.ID == l1.ID {
				want := l1
				want.Seq = l.Seq
				if !reflect.DeepEqual(l, want) {
					t.Errorf("due lead =\n %+v\nwant\n %+v", l, want)
				}
			}
		}
		if s, _ := dial(c.ID, 2, nil); !slices.Equal(dueIDs(s), []string{l1.ID, l3.ID}) || s.Calling != 1 || !s.Pending {
			t.Errorf("dueLimit 2: Due = %v", dueIDs(s))
		}
		if s, _ := dial(c.ID, 0, nil); len(s.Due) != 0 || !s.Pending || s.NextDue == nil {
			t.Errorf("dueLimit 0: Due = %v, pending %v, next due %v", dueIDs(s), s.Pending, s.NextDue)
		}
		if s, _ := dial(done.ID, 10, nil); s.Pending || s.Calling != 0 || len(s.Due) != 0 || s.NextDue != nil || len(s.OptedOut) != 0 {
			t.Errorf("a campaign without pending leads: %+v", s)
		}
		if _, err := dial(c.ID, 10, func(core.DialState) (core.DialPlan, error) { return core.DialPlan{}, errBoom }); err != errBoom {
			t.Errorf("a failing plan: %v, want boom as is", err)
		}
		if err := st.DialCampaign(ctx, w.other.ID, c.ID, now, caps, 10, func(core.DialState) (core.DialPlan, error) {
			t.Error("plan called for another organization's campaign")
			return core.DialPlan{}, nil
		}); err != core.ErrNotFound {
			t.Errorf("foreign DialCampaign: %v", err)
		}

		// A plan that queues calls for l1 and l3 stores them, their leads and the campaign.
		tick := now.Add(5 * time.Second)
		call1, call3 := campaignCall(c, n, l1, 1, now), campaignCall(c, n, l3, 1, now)
		var planned core.DialPlan
		s, err = dial(c.ID, 2, func(s core.DialState) (core.DialPlan, error) {
			p := core.DialPlan{Campaign: s.Campaign}
			p.Campaign.NextDialAt, p.Campaign.TickAt, p.Campaign.UpdatedAt = now.Add(time.Second), &tick, now
			p.Calls = []dialtone.Call{call1, call3}
			p.Leads = []dialtone.Lead{calling(s.Due[0], call1, now), calling(s.Due[1], call3, now)}
			p.Effects.Events = []dialtone.Event{testEvent("call.queued", call1.ID, now), testEvent("call.queued", call3.ID, now)}
			planned = p
			return p, nil
		})
		if err != nil {
			t.Fatalf("DialCampaign with calls: %v", err)
		}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, planned.Campaign) {
			t.Errorf("stored campaign =\n %+v\nwant\n %+v", got, planned.Campaign)
		}
		for i, call := range []dialtone.Call{call1, call3} {
			got, err := st.GetCall(ctx, w.org.ID, call.ID)
			if err != nil || got.CampaignID == nil || *got.CampaignID != c.ID || got.LeadID == nil || *got.LeadID != *call.LeadID ||
				got.Attempt != 1 || got.Status != dialtone.CallQueued || got.ToNumber != call.ToNumber {
				t.Errorf("queued call %d = %+v, %v", i, got, err)
			}
			l := getLead(t, st, w.org.ID, c.ID, *call.LeadID)
			if want := planned.Leads[i]; !reflect.DeepEqual(l, want) {
				t.Errorf("lead after queueing =\n %+v\nwant\n %+v", l, want)
			}
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM events WHERE type = 'call.queued'`); n != 2 {
			t.Errorf("%d call.queued events, want 2", n)
		}
		calls, _, err := st.ListCalls(ctx, w.org.ID, dialtone.CallFilter{CampaignID: c.ID}, dialtone.ListParams{})
		if err != nil || len(calls) != 2 {
			t.Errorf("ListCalls of the campaign = %d calls, %v; want 2", len(calls), err)
		}

		s, err = dial(c.ID, 10, nil)
		if err != nil || s.Calling != 3 || s.Org.Queued != 2 || !slices.Equal(dueIDs(s), []string{l2.ID, l9.ID, l4.ID}) {
			t.Errorf("after queueing: calling %d, org %+v, Due %v, %v; want 3, 2 queued, [l2 l9 l4]", s.Calling, s.Org, dueIDs(s), err)
		}
		if s, _ := st.CampaignProgress(ctx, c.ID); s != (dialtone.CampaignProgress{Total: 9, Pending: 5, Calling: 3, Completed: 1}) {
			t.Errorf("progress after queueing = %+v", s)
		}

		// A plan naming a lead that is no longer pending stores nothing.
		before := getCampaignRow(t, st, w.org.ID, c.ID)
		stale := l1 // as it was read before it was called
		stale.Seq = getLead(t, st, w.org.ID, c.ID, l1.ID).Seq
		call2, callStale := campaignCall(c, n, l2, 1, now), campaignCall(c, n, stale, 1, now)
		callStale.Attempt = 2
		_, err = dial(c.ID, 10, func(s core.DialState) (core.DialPlan, error) {
			p := core.DialPlan{Campaign: s.Campaign}
			p.Campaign.Name, p.Campaign.UpdatedAt = "changed", now.Add(time.Minute)
			p.Calls = []dialtone.Call{call2, callStale}
			p.Leads = []dialtone.Lead{calling(s.Due[0], call2, now), calling(stale, callStale, now)}
			p.Effects.Events = []dialtone.Event{testEvent("call.queued", call2.ID, now)}
			p.CancelLeads = true
			return p, nil
		})
		if err == nil || err == errBoom {
			t.Fatalf("a plan naming a lead that is calling: %v, want an error", err)
		}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); !reflect.DeepEqual(got, before) {
			t.Errorf("a failed plan changed the campaign:\n %+v\nwant\n %+v", got, before)
		}
		for _, id := range []string{call2.ID, callStale.ID} {
			if _, err := st.GetCall(ctx, w.org.ID, id); err != core.ErrNotFound {
				t.Errorf("a failed plan's call %s: %v", id, err)
			}
		}
		if l := getLead(t, st, w.org.ID, c.ID, l2.ID); l.Status != dialtone.LeadPending || l.CallID != nil || l.Attempts != 0 {
			t.Errorf("a failed plan changed lead l2: %+v", l)
		}
		if l := getLead(t, st, w.org.ID, c.ID, l1.ID); l.Status != dialtone.LeadCalling || l.CallID == nil || *l.CallID != call1.ID || l.Attempts != 1 {
			t.Errorf("a failed plan changed lead l1: %+v", l)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM events WHERE type = 'call.queued'`); n != 2 {
			t.Errorf("a failed plan stored events: %d call.queued, want 2", n)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p.Pending != 5 {
			t.Errorf("a failed plan changed the leads: %+v", p)
		}

		// A plan that queues a second call for the same (lead, attempt) fails on the unique
		// index calls_lead_attempt, and stores nothing either.
		dupCall := campaignCall(c, n, l1, 1, now)
		_, err = dial(c.ID, 10, func(s core.DialState) (core.DialPlan, error) {
			p := core.DialPlan{Campaign: s.Campaign}
			p.Campaign.Name = "changed"
			p.Calls = []dialtone.Call{call2, dupCall}
			p.Leads = []dialtone.Lead{calling(s.Due[0], call2, now)}
			return p, nil
		})
		if err == nil || !(strings.Contains(err.Error(), "calls_lead_attempt") || strings.Contains(err.Error(), "calls.lead_id")) {
			t.Fatalf("a plan with a second call for attempt 1 of l1: %v, want a violation of calls_lead_attempt", err)
		}
		if _, err := st.GetCall(ctx, w.org.ID, call2.ID); err != core.ErrNotFound {
			t.Errorf("a failed plan's first call: %v", err)
		}
		if l := getLead(t, st, w.org.ID, c.ID, l2.ID); l.Status != dialtone.LeadPending || l.CallID != nil {
			t.Errorf("a failed plan changed lead l2: %+v", l)
		}
		if got := getCampaignRow(t, st, w.org.ID, c.ID); got.Name != before.Name {
			t.Errorf("a failed plan renamed the campaign: %q", got.Name)
		}
		// Outside a plan too: InsertCall of a call with an attempt already placed fails.
		if _, err := st.InsertCall(ctx, w.org.ID, caps, func(core.CallCounts) (dialtone.Call, core.Effects, error) {
			return campaignCall(c, n, l3, 1, now), core.Effects{}, nil
		}); err == nil || !(strings.Contains(err.Error(), "calls_lead_attempt") || strings.Contains(err.Error(), "calls.lead_id")) {
			t.Errorf("InsertCall of attempt 1 of l3 again: %v, want a violation of calls_lead_attempt", err)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM calls WHERE lead_id = $1`, l3.ID); n != 1 {
			t.Errorf("%d calls for l3, want 1", n)
		}
		// The index is only over campaign calls: calls without a lead do not collide.
		for range 2 {
			if _, err := st.InsertCall(ctx, w.org.ID, caps, func(core.CallCounts) (dialtone.Call, core.Effects, error) {
				x := campaignCall(c, n, l3, 0, now)
				x.CampaignID, x.LeadID = nil, nil
				return x, core.Effects{}, nil
			}); err != nil {
				t.Errorf("InsertCall of a call outside campaigns: %v", err)
			}
		}

		// CancelLeads in a plan cancels the pending leads only, at the campaign's UpdatedAt.
		end := now.Add(time.Hour)
		if _, err := dial(c.ID, 10, func(s core.DialState) (core.DialPlan, error) {
			p := core.DialPlan{Campaign: s.Campaign, CancelLeads: true}
			p.Campaign.UpdatedAt = end
			return p, nil
		}); err != nil {
			t.Fatalf("DialCampaign with CancelLeads: %v", err)
		}
		if p, _ := st.CampaignProgress(ctx, c.ID); p != (dialtone.CampaignProgress{Total: 9, Calling: 3, Completed: 1, Canceled: 5}) {
			t.Errorf("progress after CancelLeads = %+v", p)
		}
		if l := getLead(t, st, w.org.ID, c.ID, l5.ID); l.Status != dialtone.LeadCanceled || l.CompletedAt == nil || !l.CompletedAt.Equal(end) || l.NextAttemptAt != nil {
			t.Errorf("canceled lead = %+v", l)
		}
		if p, _ := st.CampaignProgress(ctx, sibling.ID); p.Pending != 2 {
			t.Errorf("another campaign's leads were canceled: %+v", p)
		}
	})
}

func TestLeadAttemptFinish(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		n := insertNumber(t, st, w.org.ID, &w.agent.ID)
		c := insertCampaign(t, st, w.org.ID, w.agent.ID, dialtone.CampaignRunning)
		now := stored(baseTime().Add(24 * time.Hour))
		due := now.Add(-time.Minute)
		la := newLeadValues(c.ID, leadNumber(1), dialtone.LeadPending, &due)
		lb := newLeadValues(c.ID, leadNumber(2), dialtone.LeadPending, &due)
		addLeads(t, st, w.org.ID, c.ID, la, lb)
		callA, callB := campaignCall(c, n, la, 1, now), campaignCall(c, n, lb, 1, now)
		if err := st.DialCampaign(ctx, w.org.ID, c.ID, now, core.CallCounts{Live: 10, Queued: 10}, 10, func(s core.DialState) (core.DialPlan, error) {
			if len(s.Due) != 2 {
				t.Fatalf("Due = %v", leadIDs(s.Due))
			}
			return core.DialPlan{Campaign: s.Campaign, Calls: []dialtone.Call{callA, callB},
				Leads: []dialtone.Lead{calling(s.Due[0], callA, now), calling(s.Due[1], callB, now)}}, nil
		}); err != nil {
			t.Fatalf("DialCampaign: %v", err)
		}
		end := now.Add(30 * time.Second)
		endCall := func(x *dialtone.Call) {
			reason := dialtone.EndedCallerHangup
			x.Status, x.EndedAt, x.EndedReason, x.UpdatedAt = dialtone.CallCompleted, &end, &reason, end
		}
		finishes := 0
		answered := func(l *dialtone.Lead, cmp dialtone.Campaign) core.Effects {
			finishes++
			if cmp.ID != c.ID || cmp.Status != dialtone.CampaignRunning || l.Status != dialtone.LeadCalling {
				t.Errorf("Finish was given lead %+v of campaign %+v", l, cmp)
			}
			o := dialtone.OutcomeAnswered
			l.Status, l.Outcome, l.CompletedAt, l.UpdatedAt = dialtone.LeadCompleted, &o, &end, end
			return core.Effects{Events: []dialtone.Event{testEvent(dialtone.EventCampaignLeadCompleted, l.ID, end)}}
		}

		// Ending A's call finishes its lead in the same transaction, with Finish's effects.
		got, err := st.UpdateCall(ctx, callA.ID, func(x *dialtone.Call) (core.Effects, error) {
			endCall(x)
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: la.ID, CallID: callA.ID, Finish: answered}}, nil
		})
		if err != nil || got.Status != dialtone.CallCompleted || finishes != 1 {
			t.Fatalf("UpdateCall = %+v, %v; Finish ran %d times", got, err, finishes)
		}
		l := getLead(t, st, w.org.ID, c.ID, la.ID)
		if l.Status != dialtone.LeadCompleted || l.Outcome == nil || *l.Outcome != dialtone.OutcomeAnswered || l.CompletedAt == nil ||
			!l.CompletedAt.Equal(end) || !l.UpdatedAt.Equal(end) || l.CallID == nil || *l.CallID != callA.ID || l.Attempts != 1 {
			t.Errorf("finished lead = %+v", l)
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM events WHERE object_id = $1 AND type = $2`, la.ID, dialtone.EventCampaignLeadCompleted); n != 1 {
			t.Errorf("%d lead events stored, want 1", n)
		}

		// A lead no longer calling is left alone.
		if _, err := st.UpdateCall(ctx, callA.ID, func(x *dialtone.Call) (core.Effects, error) {
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: la.ID, CallID: callA.ID, Finish: answered}}, nil
		}); err != nil || finishes != 1 {
			t.Errorf("UpdateCall of a finished lead's call: %v; Finish ran %d times, want 1", err, finishes)
		}
		// So is a lead calling with another call; the call's own change is stored.
		got, err = st.UpdateCall(ctx, callB.ID, func(x *dialtone.Call) (core.Effects, error) {
			x.Metadata = map[string]string{"seen": "yes"}
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: lb.ID, CallID: callA.ID, Finish: answered}}, nil
		})
		if err != nil || finishes != 1 {
			t.Errorf("UpdateCall with another call's attempt: %v; Finish ran %d times, want 1", err, finishes)
		}
		if x, _ := st.GetCall(ctx, w.org.ID, callB.ID); x.Metadata["seen"] != "yes" {
			t.Errorf("the call's change was not stored: %+v", x.Metadata)
		}
		if l := getLead(t, st, w.org.ID, c.ID, lb.ID); l.Status != dialtone.LeadCalling || *l.CallID != callB.ID {
			t.Errorf("lead B changed: %+v", l)
		}
		// And a lead that is gone.
		if _, err := st.UpdateCall(ctx, callB.ID, func(x *dialtone.Call) (core.Effects, error) {
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: "lead_gone", CallID: callB.ID, Finish: answered}}, nil
		}); err != nil || finishes != 1 {
			t.Errorf("UpdateCall for a lead that is gone: %v; Finish ran %d times", err, finishes)
		}

		// One transaction: when Finish's effects cannot be stored, neither the call's end nor
		// the lead's change is.
		dupEvent := testEvent(dialtone.EventCampaignLeadCompleted, lb.ID, end)
		dupEvent.ID = getEventID(t, st, la.ID)
		_, err = st.UpdateCall(ctx, callB.ID, func(x *dialtone.Call) (core.Effects, error) {
			endCall(x)
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: lb.ID, CallID: callB.ID, Finish: func(l *dialtone.Lead, _ dialtone.Campaign) core.Effects {
				l.Status = dialtone.LeadFailed
				return core.Effects{Events: []dialtone.Event{dupEvent}}
			}}}, nil
		})
		if err == nil {
			t.Fatal("UpdateCall whose Finish's event cannot be stored succeeded")
		}
		if x, _ := st.GetCall(ctx, w.org.ID, callB.ID); x.Status != dialtone.CallQueued || x.EndedAt != nil {
			t.Errorf("the call ended although its attempt could not be finished: %+v", x)
		}
		if l := getLead(t, st, w.org.ID, c.ID, lb.ID); l.Status != dialtone.LeadCalling {
			t.Errorf("lead B = %+v, want still calling", l)
		}

		// A retry: the lead goes back to pending with its next attempt.
		retry := end.Add(time.Hour)
		if _, err := st.UpdateCall(ctx, callB.ID, func(x *dialtone.Call) (core.Effects, error) {
			endCall(x)
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: lb.ID, CallID: callB.ID, Finish: func(l *dialtone.Lead, _ dialtone.Campaign) core.Effects {
				o := dialtone.OutcomeBusy
				l.Status, l.Outcome, l.NextAttemptAt, l.UpdatedAt = dialtone.LeadPending, &o, &retry, end
				return core.Effects{}
			}}}, nil
		}); err != nil {
			t.Fatalf("UpdateCall with a retry: %v", err)
		}
		if l := getLead(t, st, w.org.ID, c.ID, lb.ID); l.Status != dialtone.LeadPending || l.NextAttemptAt == nil || !l.NextAttemptAt.Equal(retry) ||
			l.Outcome == nil || *l.Outcome != dialtone.OutcomeBusy || l.Attempts != 1 || *l.CallID != callB.ID || l.CompletedAt != nil {
			t.Errorf("retried lead = %+v", l)
		}
		// mutate's error: as is, and no Finish.
		if _, err := st.UpdateCall(ctx, callA.ID, func(x *dialtone.Call) (core.Effects, error) {
			return core.Effects{Attempt: &core.LeadAttempt{LeadID: la.ID, CallID: callA.ID, Finish: answered}}, errBoom
		}); err != errBoom || finishes != 1 {
			t.Errorf("UpdateCall with a failing mutate: %v; Finish ran %d times", err, finishes)
		}
	})
}

// getEventID returns the id of the one event about objectID.
func getEventID(t *testing.T, st *sqlstore.Store, objectID string) string {
	t.Helper()
	var id string
	if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(), `SELECT id FROM events WHERE object_id = $1`, objectID).Scan(&id); err != nil {
		t.Fatalf("event of %s: %v", objectID, err)
	}
	return id
}

func TestActiveCampaigns(t *testing.T) {
	eachCampaignWorld(t, func(t *testing.T, st *sqlstore.Store, w campaignWorld) {
		ctx := t.Context()
		staleBefore := stored(baseTime().Add(time.Hour))
		at := func(d time.Duration) *time.Time { x := staleBefore.Add(d); return &x }

		var want [][2]string
		for _, tc := range []struct {
			org, agent string
			status     dialtone.CampaignStatus
			tick       *time.Time
			active     bool
		}{
			{w.org.ID, w.agent.ID, dialtone.CampaignScheduled, nil, true},
			{w.org.ID, w.agent.ID, dialtone.CampaignRunning, nil, true},
			{w.org.ID, w.agent.ID, dialtone.CampaignRunning, at(-time.Second), true},
			{w.other.ID, w.otherAgent.ID, dialtone.CampaignScheduled, at(-time.Microsecond), true},
			{w.org.ID, w.agent.ID, dialtone.CampaignRunning, at(0), false},
			{w.org.ID, w.agent.ID, dialtone.CampaignScheduled, at(time.Minute), false},
			{w.org.ID, w.agent.ID, dialtone.CampaignDraft, nil, false},
			{w.org.ID, w.agent.ID, dialtone.CampaignPaused, nil, false},
			{w.org.ID, w.agent.ID, dialtone.CampaignPaused, at(-time.Hour), false},
			{w.org.ID, w.agent.ID, dialtone.CampaignCompleted, nil, false},
			{w.other.ID, w.otherAgent.ID, dialtone.CampaignCanceled, at(-time.Hour), false},
			{w.other.ID, w.otherAgent.ID, dialtone.CampaignRunning, at(-time.Hour), true},
		} {
			c := newCampaignValues(tc.agent, "c", tc.status, baseTime())
			c.TickAt = tc.tick
			if err := st.InsertCampaign(ctx, tc.org, c); err != nil {
				t.Fatal(err)
			}
			if tc.active {
				want = append(want, [2]string{tc.org, c.ID})
			}
		}
		got, err := st.ActiveCampaigns(ctx, staleBefore)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ActiveCampaigns =\n %v, %v\nwant\n %v", got, err, want)
		}
	})
}
