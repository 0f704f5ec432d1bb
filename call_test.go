package dialtone

import (
	"errors"
	"fmt"
	"maps"
	"testing"
)

// TestCallTransitions checks every ordered pair of call statuses against the written table.
func TestCallTransitions(t *testing.T) {
	allowed := map[string]bool{}
	for _, p := range []string{
		"queued>dialing", "queued>failed", "queued>canceled",
		"dialing>ringing", "dialing>in_progress", "dialing>busy", "dialing>no_answer", "dialing>failed", "dialing>canceled",
		"ringing>in_progress", "ringing>busy", "ringing>no_answer", "ringing>failed", "ringing>canceled",
		"in_progress>completed", "in_progress>failed",
	} {
		allowed[p] = true
	}
	m := CallStates()
	for _, from := range CallStatuses() {
		for _, to := range CallStatuses() {
			pair := fmt.Sprintf("%s>%s", from, to)
			err := m.Check(from, to)
			if allowed[pair] != (err == nil) || m.Allowed(from, to) != allowed[pair] {
				t.Errorf("%s: allowed=%v, Check=%v", pair, allowed[pair], err)
			}
			var te *TransitionError
			if err != nil && (!errors.As(err, &te) || te.From != string(from) || te.To != string(to)) {
				t.Errorf("%s: error %#v", pair, err)
			}
		}
	}
	for _, s := range []CallStatus{CallCompleted, CallBusy, CallNoAnswer, CallFailed, CallCanceled} {
		if !m.Terminal(s) {
			t.Errorf("%s should be terminal", s)
		}
	}
	if m.Terminal(CallQueued) || m.Terminal(CallInProgress) {
		t.Error("live statuses are not terminal")
	}
	if err := m.Check(CallCompleted, CallInProgress); err == nil || err.Error() != "call: completed is final; it cannot become in_progress" {
		t.Errorf("message: %v", err)
	}
}

// TestEveryCallStatusIsReachable walks the machine from queued (outbound) and ringing (inbound).
func TestEveryCallStatusIsReachable(t *testing.T) {
	m := CallStates()
	seen := map[CallStatus]bool{CallQueued: true}
	queue := []CallStatus{CallQueued}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		for _, to := range CallStatuses() {
			if m.Allowed(from, to) && !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range CallStatuses() {
		if !seen[s] {
			t.Errorf("%s is unreachable", s)
		}
	}
}

// CarrierRefusal keeps a carrier adapter's catalogued error and never shows another error's
// text, which may hold anything.
func TestCarrierRefusal(t *testing.T) {
	geo := Errorf(CodeDestinationNotAllowed, "Not allowed here.").WithDetail("provider_code", 21215)
	for _, tc := range []struct {
		name    string
		err     error
		code    Code
		message string
		details map[string]any
	}{
		{"catalogued", geo, CodeDestinationNotAllowed, "Not allowed here.", map[string]any{"provider": "twilio", "provider_code": 21215}},
		{"wrapped", fmt.Errorf("dial: %w", geo), CodeDestinationNotAllowed, "Not allowed here.", map[string]any{"provider": "twilio", "provider_code": 21215}},
		{"default message", NewError(CodeProviderTimeout, ""), CodeProviderTimeout, CodeProviderTimeout.Entry().Message, map[string]any{"provider": "twilio"}},
		{"plain", errors.New("dial tcp 10.0.0.7:443: token=s3cret"), CodeProviderError, CodeProviderError.Entry().Message, map[string]any{"provider": "twilio"}},
		{"internal", Internal(errors.New("s3cret")), CodeProviderError, CodeProviderError.Entry().Message, map[string]any{"provider": "twilio"}},
	} {
		got := CarrierRefusal("twilio", tc.err)
		if got.Code != tc.code || got.Message != tc.message || !maps.Equal(got.Details, tc.details) {
			t.Errorf("%s: %+v, want %s %q %v", tc.name, got, tc.code, tc.message, tc.details)
		}
	}
	if geo.Details["provider"] != nil {
		t.Error("CarrierRefusal changed the carrier's error")
	}
}
