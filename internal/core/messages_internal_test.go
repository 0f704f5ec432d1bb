package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
)

func TestCheckRegion(t *testing.T) {
	long := dialtone.PhoneNumber{ID: "num_1", Number: "+12125550100"}
	tollFree := dialtone.PhoneNumber{ID: "num_2", Number: "+18005550100"}
	canadian := dialtone.PhoneNumber{ID: "num_3", Number: "+14165550100"}
	registered := long
	registered.A2P10DLCRegistered = true
	for _, tc := range []struct {
		name    string
		from    dialtone.PhoneNumber
		to      string
		refused bool
	}{
		{"unregistered US long code to a US number", long, "+14155550123", true},
		{"unregistered US long code to Canada", long, "+14165550123", false},
		{"unregistered US long code to the UK", long, "+442071838750", false},
		{"registered US long code to a US number", registered, "+14155550123", false},
		{"toll-free to a US number", tollFree, "+14155550123", false},
		{"Canadian number to a US number", canadian, "+14155550123", false},
	} {
		err := checkRegion(tc.from, tc.to)
		var de *dialtone.Error
		if refused := errors.As(err, &de) && de.Code == dialtone.CodeSMSNotSupportedInRegion; refused != tc.refused || (err != nil && !refused) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestComposeSMSPrompt(t *testing.T) {
	a := dialtone.Agent{Name: "Ada", SystemPrompt: "You are {{agent_name}}.", SMSPrompt: "Text {{name}} briefly, on {{channel}}."}
	n := dialtone.PhoneNumber{CustomPrompt: "This is the {{agent_number}} line."}
	conv := dialtone.SMSConversation{PhoneNumber: "+12125550100", ParticipantNumber: "+14155550123",
		Metadata: map[string]string{"name": "Grace", "agent_name": "ignored: built-ins win", "a": "1"}}
	vars := ConversationVariables(a, conv, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	if vars["caller_number"] != "+14155550123" || vars["direction"] != "inbound" {
		t.Errorf("variables %v", vars)
	}
	got := composeSMSPrompt(a, n, conv, vars)
	want := "You are Ada.\n\nText Grace briefly, on sms.\n\nThis is the +12125550100 line.\n\n" +
		"Conversation state:\na: 1\nagent_name: ignored: built-ins win\nname: Grace"
	if got != want {
		t.Errorf("prompt\n%q\nwant\n%q", got, want)
	}
	if got := composeSMSPrompt(dialtone.Agent{}, dialtone.PhoneNumber{}, dialtone.SMSConversation{}, nil); got != "" {
		t.Errorf("empty prompt %q", got)
	}
}

// TestQueueSlots: each message takes the number's next slot, one interval after the one
// before; a number idle for long starts again at now; the send job is scheduled sendLead
// before a slot that far ahead.
func TestQueueSlots(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := &Messages{now: func() time.Time { return now }}
	st := MessageState{Number: dialtone.PhoneNumber{MessagesPerSecond: 0.1}, Conversation: dialtone.SMSConversation{ID: "conv_1"}}
	var w MessageWrite
	for i := range 3 {
		s.queue(&w, st, dialtone.Message{ID: "msg_" + string(rune('a'+i)), Status: dialtone.MessageQueued})
	}
	for i, m := range w.Messages {
		if want := now.Add(time.Duration(i) * 10 * time.Second); !m.SendAt.Equal(want) || m.ConversationID != "conv_1" {
			t.Errorf("message %d: slot %v, want %v", i, m.SendAt, want)
		}
	}
	if !w.NextSendAt.Equal(now.Add(30 * time.Second)) {
		t.Errorf("next slot %v", w.NextSendAt)
	}
	if !w.Effects.Jobs[0].At.IsZero() || !w.Effects.Jobs[1].At.Equal(now.Add(10*time.Second-sendLead)) {
		t.Errorf("job times %v, %v", w.Effects.Jobs[0].At, w.Effects.Jobs[1].At)
	}
	if len(w.Effects.Events) != 3 || w.Effects.Events[0].Type != dialtone.EventMessageQueued {
		t.Errorf("events %v", w.Effects.Events)
	}
	// The stored pacing state carries over between writes; a past one does not delay.
	var w2 MessageWrite
	s.queue(&w2, MessageState{Number: st.Number, NextSendAt: now.Add(time.Minute)}, dialtone.Message{ID: "msg_d"})
	var w3 MessageWrite
	s.queue(&w3, MessageState{Number: st.Number, NextSendAt: now.Add(-time.Hour)}, dialtone.Message{ID: "msg_e"})
	if !w2.Messages[0].SendAt.Equal(now.Add(time.Minute)) || !w3.Messages[0].SendAt.Equal(now) {
		t.Errorf("slots %v, %v", w2.Messages[0].SendAt, w3.Messages[0].SendAt)
	}
	if got := sendInterval(0); got != time.Second {
		t.Errorf("interval of an unset rate %v", got)
	}
	if !strings.HasPrefix(messageChargeDescription(dialtone.Message{Direction: dialtone.MessageOutbound, ToNumber: "+1", Segments: 3}), "Outbound message to +1, 3 segments") {
		t.Error("charge description")
	}
}

func TestMergeUsage(t *testing.T) {
	calls := []UsageGroup{{Key: "2026-11-20", Calls: 2, DurationSeconds: 90, CostMicros: 100}, {Key: "2026-11-22", Calls: 1, CostMicros: 5}}
	messages := []UsageGroup{{Key: "2026-11-19", Messages: 1, Segments: 1, CostMicros: 8}, {Key: "2026-11-22", Messages: 3, Segments: 4, CostMicros: 32}}
	got := mergeUsage(calls, messages)
	want := []UsageGroup{
		{Key: "2026-11-19", Messages: 1, Segments: 1, CostMicros: 8},
		{Key: "2026-11-20", Calls: 2, DurationSeconds: 90, CostMicros: 100},
		{Key: "2026-11-22", Calls: 1, Messages: 3, Segments: 4, CostMicros: 37},
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged\n%+v\nwant\n%+v", got, want)
	}
	if got := mergeUsage(nil, nil); len(got) != 0 {
		t.Errorf("merged nothing: %+v", got)
	}
}
