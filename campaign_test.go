package dialtone

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCampaignTransitions checks every ordered pair of campaign statuses against the state
// table of the issue, written out here independently of CampaignStates.
func TestCampaignTransitions(t *testing.T) {
	checkStateTable(t, "campaign", CampaignStates(), CampaignStatuses(),
		[]CampaignStatus{"draft", "scheduled", "running", "paused", "completed", "canceled"},
		map[[2]CampaignStatus]bool{
			{CampaignDraft, CampaignScheduled}:    true,
			{CampaignDraft, CampaignCanceled}:     true,
			{CampaignScheduled, CampaignRunning}:  true,
			{CampaignScheduled, CampaignCanceled}: true,
			{CampaignRunning, CampaignPaused}:     true,
			{CampaignRunning, CampaignCompleted}:  true,
			{CampaignRunning, CampaignCanceled}:   true,
			{CampaignPaused, CampaignRunning}:     true,
			{CampaignPaused, CampaignCompleted}:   true,
			{CampaignPaused, CampaignCanceled}:    true,
		},
		map[CampaignStatus]bool{CampaignCompleted: true, CampaignCanceled: true})
}

// TestLeadTransitions checks every ordered pair of lead statuses against the state table of
// the issue, written out here independently of LeadStates.
func TestLeadTransitions(t *testing.T) {
	checkStateTable(t, "lead", LeadStates(), LeadStatuses(),
		[]LeadStatus{"pending", "calling", "completed", "failed", "skipped", "canceled"},
		map[[2]LeadStatus]bool{
			{LeadPending, LeadCalling}:   true,
			{LeadPending, LeadSkipped}:   true,
			{LeadPending, LeadCanceled}:  true,
			{LeadCalling, LeadPending}:   true,
			{LeadCalling, LeadCompleted}: true,
			{LeadCalling, LeadFailed}:    true,
			{LeadCalling, LeadCanceled}:  true,
		},
		map[LeadStatus]bool{LeadCompleted: true, LeadFailed: true, LeadSkipped: true, LeadCanceled: true})
}

// checkStateTable checks machine m (named machine in its errors) against a state table written
// out by the test: its statuses are want, in order; exactly the pairs in expected are allowed,
// each other pair is refused by Check with a *TransitionError; exactly the statuses in terminal
// are terminal. Every ordered pair of statuses is a subtest "from->to".
func checkStateTable[S ~string](t *testing.T, machine string, m StateMachine[S], statuses, want []S, expected map[[2]S]bool, terminal map[S]bool) {
	t.Helper()
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Fatalf("%s statuses = %v, want %v", machine, statuses, want)
	}
	pairs, allowed := 0, 0
	for _, from := range statuses {
		if got := m.Terminal(from); got != terminal[from] {
			t.Errorf("Terminal(%s) = %v, want %v", from, got, terminal[from])
		}
		for _, to := range statuses {
			pairs++
			exp := expected[[2]S{from, to}]
			t.Run(fmt.Sprintf("%s->%s", from, to), func(t *testing.T) {
				if got := m.Allowed(from, to); got != exp {
					t.Errorf("Allowed = %v, want %v", got, exp)
				}
				campaignCheckTransitionError(t, m.Check(from, to), exp, machine, string(from), string(to), terminal[from])
			})
			if exp {
				allowed++
			}
		}
	}
	if want := len(want) * len(want); pairs != want || allowed != len(expected) {
		t.Errorf("checked %d pairs (%d allowed), want %d pairs (%d allowed)", pairs, allowed, want, len(expected))
	}
}

// campaignCheckTransitionError checks what Check returned for one pair: nil when allowed, else a
// *TransitionError naming the machine and both states, with Terminal as expected.
func campaignCheckTransitionError(t *testing.T, err error, allowed bool, machine, from, to string, terminal bool) {
	t.Helper()
	if allowed {
		if err != nil {
			t.Errorf("Check = %v, want nil", err)
		}
		return
	}
	var te *TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("Check = %#v, want a *TransitionError", err)
	}
	if te.Machine != machine || te.From != from || te.To != to || te.Terminal != terminal {
		t.Errorf("Check = %+v, want {Machine:%s From:%s To:%s Terminal:%v}", *te, machine, from, to, terminal)
	}
	msg := err.Error()
	if !strings.Contains(msg, machine) || !strings.Contains(msg, from) || !strings.Contains(msg, to) {
		t.Errorf("Error() = %q does not name %s, %s and %s", msg, machine, from, to)
	}
	if final := strings.Contains(msg, "final"); final != terminal {
		t.Errorf("Error() = %q: says final = %v, want %v", msg, final, terminal)
	}
}

// TestCampaignLeadUnknownStatus checks that a status outside the table is neither allowed to
// move nor to be reached, and counts as terminal.
func TestCampaignLeadUnknownStatus(t *testing.T) {
	cm := CampaignStates()
	if cm.Allowed("bogus", CampaignRunning) || cm.Allowed(CampaignDraft, "bogus") {
		t.Error("campaign machine allows an unknown status")
	}
	var te *TransitionError
	if err := cm.Check("bogus", CampaignRunning); !errors.As(err, &te) || !te.Terminal {
		t.Errorf("Check(bogus, running) = %#v, want a terminal *TransitionError", err)
	}
	lm := LeadStates()
	if lm.Allowed("bogus", LeadCalling) || lm.Allowed(LeadPending, "bogus") {
		t.Error("lead machine allows an unknown status")
	}
	if err := lm.Check(LeadPending, "bogus"); !errors.As(err, &te) || te.Terminal {
		t.Errorf("Check(pending, bogus) = %#v, want a non-terminal *TransitionError", err)
	}
}

// TestCampaignEveryStatusIsReachable checks that every status can be reached from draft
// (campaigns) or pending (leads) through allowed transitions.
func TestCampaignEveryStatusIsReachable(t *testing.T) {
	checkEveryStatusReachable(t, "campaign", CampaignStates(), CampaignStatuses(), CampaignDraft)
	checkEveryStatusReachable(t, "lead", LeadStates(), LeadStatuses(), LeadPending)
}

// checkEveryStatusReachable checks that every one of statuses can be reached from start
// through transitions m allows.
func checkEveryStatusReachable[S ~string](t *testing.T, machine string, m StateMachine[S], statuses []S, start S) {
	t.Helper()
	seen := map[S]bool{start: true}
	for changed := true; changed; {
		changed = false
		for _, from := range statuses {
			for _, to := range statuses {
				if seen[from] && !seen[to] && m.Allowed(from, to) {
					seen[to], changed = true, true
				}
			}
		}
	}
	for _, s := range statuses {
		if !seen[s] {
			t.Errorf("%s status %s is unreachable from %s", machine, s, start)
		}
	}
}

func TestCampaignActionTarget(t *testing.T) {
	for _, tc := range []struct {
		action CampaignAction
		want   CampaignStatus
	}{
		{CampaignStart, CampaignScheduled},
		{CampaignPause, CampaignPaused},
		{CampaignResume, CampaignRunning},
		{CampaignCancel, CampaignCanceled},
		{"start", "scheduled"},
		{"pause", "paused"},
		{"resume", "running"},
		{"cancel", "canceled"},
	} {
		if got := tc.action.Target(); got != tc.want {
			t.Errorf("%q.Target() = %q, want %q", tc.action, got, tc.want)
		}
	}
}

// TestCampaignActionFromEachStatus checks which actions the state table accepts from each
// status, as the API's Act would apply them (Check(status, action.Target())).
func TestCampaignActionFromEachStatus(t *testing.T) {
	ok := map[CampaignStatus][]CampaignAction{
		CampaignDraft: {CampaignStart, CampaignCancel},
		// The table lets scheduled become running (the dialer does so at start_at), so
		// resume's target is allowed from scheduled: only core can tell them apart.
		CampaignScheduled: {CampaignResume, CampaignCancel},
		CampaignRunning:   {CampaignPause, CampaignCancel},
		CampaignPaused:    {CampaignResume, CampaignCancel},
		CampaignCompleted: {},
		CampaignCanceled:  {},
	}
	m := CampaignStates()
	for _, s := range CampaignStatuses() {
		for _, a := range []CampaignAction{CampaignStart, CampaignPause, CampaignResume, CampaignCancel} {
			want := false
			for _, x := range ok[s] {
				want = want || x == a
			}
			if got := m.Check(s, a.Target()) == nil; got != want {
				t.Errorf("%s from %s: allowed = %v, want %v", a, s, got, want)
			}
		}
	}
}

func TestCampaignStatusEditable(t *testing.T) {
	want := map[CampaignStatus]bool{
		CampaignDraft:     true,
		CampaignScheduled: true,
		CampaignRunning:   true,
		CampaignPaused:    true,
		CampaignCompleted: false,
		CampaignCanceled:  false,
		"":                false,
		"bogus":           false,
	}
	for s, w := range want {
		if got := s.Editable(); got != w {
			t.Errorf("%q.Editable() = %v, want %v", s, got, w)
		}
	}
	// Editable is exactly "not terminal" in the state table.
	m := CampaignStates()
	for _, s := range CampaignStatuses() {
		if s.Editable() == m.Terminal(s) {
			t.Errorf("%s: Editable() = %v but Terminal = %v", s, s.Editable(), m.Terminal(s))
		}
	}
}

func TestCallOutcome(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	human, machine := AnsweredByHuman, AnsweredByMachine
	for _, tc := range []struct {
		name string
		call Call
		want LeadOutcome
	}{
		{"answered by human", Call{Status: CallCompleted, StartedAt: &now, AnsweredBy: &human}, OutcomeAnswered},
		{"answered by machine", Call{Status: CallCompleted, StartedAt: &now, AnsweredBy: &machine}, OutcomeVoicemail},
		{"answered, AnsweredBy nil", Call{Status: CallCompleted, StartedAt: &now}, OutcomeAnswered},
		{"answered by human then failed", Call{Status: CallFailed, StartedAt: &now, AnsweredBy: &human}, OutcomeAnswered},
		{"answered by machine then failed", Call{Status: CallFailed, StartedAt: &now, AnsweredBy: &machine}, OutcomeVoicemail},
		{"answered, nil AnsweredBy, then failed", Call{Status: CallFailed, StartedAt: &now}, OutcomeAnswered},
		{"busy", Call{Status: CallBusy}, OutcomeBusy},
		{"no answer", Call{Status: CallNoAnswer}, OutcomeNoAnswer},
		{"failed", Call{Status: CallFailed}, OutcomeFailed},
		{"canceled", Call{Status: CallCanceled}, OutcomeFailed},
		// AnsweredBy without StartedAt is not an answer.
		{"machine without StartedAt, busy", Call{Status: CallBusy, AnsweredBy: &machine}, OutcomeBusy},
		{"human without StartedAt, failed", Call{Status: CallFailed, AnsweredBy: &human}, OutcomeFailed},
		{"zero call", Call{}, OutcomeFailed},
	} {
		if got := CallOutcome(tc.call); got != tc.want {
			t.Errorf("%s: CallOutcome = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRetryPolicyRetries(t *testing.T) {
	all := RetryableOutcomes()
	if fmt.Sprint(all) != fmt.Sprint([]LeadOutcome{OutcomeBusy, OutcomeNoAnswer, OutcomeVoicemail, OutcomeFailed}) {
		t.Errorf("RetryableOutcomes() = %v", all)
	}
	busyNoAnswer := []LeadOutcome{OutcomeBusy, OutcomeNoAnswer}
	for _, tc := range []struct {
		name     string
		policy   RetryPolicy
		outcome  LeadOutcome
		attempts int
		want     bool
	}{
		{"first of three, busy", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeBusy, 1, true},
		{"second of three, no_answer", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeNoAnswer, 2, true},
		{"third of three: limit reached", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeBusy, 3, false},
		{"past the limit", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeBusy, 4, false},
		{"voicemail not in RetryOn", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeVoicemail, 1, false},
		{"failed not in RetryOn", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeFailed, 1, false},
		{"answered never in RetryOn", RetryPolicy{MaxAttempts: 3, RetryOn: busyNoAnswer}, OutcomeAnswered, 1, false},
		{"answered, all retryable", RetryPolicy{MaxAttempts: 10, RetryOn: all}, OutcomeAnswered, 1, false},
		{"empty RetryOn", RetryPolicy{MaxAttempts: 5}, OutcomeBusy, 1, false},
		{"MaxAttempts 1, busy", RetryPolicy{MaxAttempts: 1, RetryOn: all}, OutcomeBusy, 1, false},
		{"MaxAttempts 1, failed", RetryPolicy{MaxAttempts: 1, RetryOn: all}, OutcomeFailed, 1, false},
		{"MaxAttempts 2, first", RetryPolicy{MaxAttempts: 2, RetryOn: all}, OutcomeVoicemail, 1, true},
		{"MaxAttempts 2, second", RetryPolicy{MaxAttempts: 2, RetryOn: all}, OutcomeVoicemail, 2, false},
		{"max limit, ninth", RetryPolicy{MaxAttempts: MaxRetryAttempts, RetryOn: all}, OutcomeFailed, MaxRetryAttempts - 1, true},
		{"max limit, tenth", RetryPolicy{MaxAttempts: MaxRetryAttempts, RetryOn: all}, OutcomeFailed, MaxRetryAttempts, false},
		{"zero policy", RetryPolicy{}, OutcomeBusy, 1, false},
	} {
		if got := tc.policy.Retries(tc.outcome, tc.attempts); got != tc.want {
			t.Errorf("%s: Retries(%s, %d) = %v, want %v", tc.name, tc.outcome, tc.attempts, got, tc.want)
		}
	}
	// Exhaustively: with every retryable outcome allowed, an attempt is followed by another
	// exactly when attempts < MaxAttempts.
	for maxA := 1; maxA <= MaxRetryAttempts; maxA++ {
		p := RetryPolicy{MaxAttempts: maxA, BackoffMinutes: DefaultRetryBackoffMinutes, RetryOn: all}
		for n := 1; n <= MaxRetryAttempts+1; n++ {
			for _, o := range all {
				if got, want := p.Retries(o, n), n < maxA; got != want {
					t.Errorf("MaxAttempts %d: Retries(%s, %d) = %v, want %v", maxA, o, n, got, want)
				}
			}
		}
	}
}

func TestCampaignProgressDone(t *testing.T) {
	for _, tc := range []struct {
		p    CampaignProgress
		want int
	}{
		{CampaignProgress{}, 0},
		{CampaignProgress{Total: 5, Pending: 3, Calling: 2}, 0},
		{CampaignProgress{Total: 1, Completed: 1}, 1},
		{CampaignProgress{Total: 1, Failed: 1}, 1},
		{CampaignProgress{Total: 1, Skipped: 1}, 1},
		{CampaignProgress{Total: 1, Canceled: 1}, 1},
		{CampaignProgress{Total: 21, Pending: 1, Calling: 2, Completed: 3, Failed: 4, Skipped: 5, Canceled: 6}, 18},
		{CampaignProgress{Total: 10, Completed: 10}, 10},
	} {
		if got := tc.p.Done(); got != tc.want {
			t.Errorf("%+v.Done() = %d, want %d", tc.p, got, tc.want)
		}
		if tc.p.Total != 0 && tc.p.Done()+tc.p.Pending+tc.p.Calling != tc.p.Total {
			t.Errorf("%+v: Done()+Pending+Calling != Total", tc.p)
		}
	}
}
