package scripted_test

import (
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/scripted"
)

func agent(rules []dialtone.ScriptRule, fallback string, transfers ...string) dialtone.Agent {
	return dialtone.Agent{ID: "agt_test", TransferNumbers: transfers,
		Brain: dialtone.Brain{Type: dialtone.BrainScripted, Rules: rules, Fallback: fallback}}
}

func TestAnswer(t *testing.T) {
	b, err := scripted.New(agent([]dialtone.ScriptRule{
		{Match: "opening hours", Say: "Nine to five."},
		{Match: "/(?i)^\\s*(yes|yeah)\\b/", Say: "Great."},
		{Match: "sales", Say: "Transferring.", Action: dialtone.ActionTransfer},
		{Match: "support", Say: "One moment.", Action: dialtone.ActionTransfer, TransferTo: "+14155550199"},
		{Match: "main menu", Action: dialtone.ActionPressDigits, Digits: "1w#"},
		{Match: "hours", Say: "Never reached for 'opening hours': the first rule wins."},
		{Match: "don't know", Say: "Take your time."},
		{Match: "bye", Say: "Goodbye!", Action: dialtone.ActionEndCall},
	}, "Sorry?", "+14155550100"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want scripted.Reply
	}{
		{"What are your OPENING hours?", scripted.Reply{Say: "Nine to five.", Rule: 0}},
		{"opening, hours", scripted.Reply{Say: "Nine to five.", Rule: 0}},
		{"hours of opening", scripted.Reply{Say: "Never reached for 'opening hours': the first rule wins.", Rule: 5}},
		{"Yeah sure", scripted.Reply{Say: "Great.", Rule: 1}},
		{"eyes yes", scripted.Reply{Say: "Sorry?", Rule: -1}}, // the regex is anchored
		{"salesforce", scripted.Reply{Say: "Sorry?", Rule: -1}},
		{"Sales please", scripted.Reply{Say: "Transferring.", Action: dialtone.ActionTransfer, TransferTo: "+14155550100", Rule: 2}},
		{"support", scripted.Reply{Say: "One moment.", Action: dialtone.ActionTransfer, TransferTo: "+14155550199", Rule: 3}},
		{"back to the main menu", scripted.Reply{Action: dialtone.ActionPressDigits, Digits: "1w#", Rule: 4}},
		{"I don't know", scripted.Reply{Say: "Take your time.", Rule: 6}},
		{"bye!", scripted.Reply{Say: "Goodbye!", Action: dialtone.ActionEndCall, Rule: 7}},
		{"", scripted.Reply{Say: "Sorry?", Rule: -1}},
	} {
		if got := b.Answer(c.text); got != c.want {
			t.Errorf("Answer(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestNewRefusesWhatValidationRefuses(t *testing.T) {
	for _, rules := range [][]dialtone.ScriptRule{{{Match: "/(/"}}, {{Match: "?!"}}} {
		if _, err := scripted.New(agent(rules, "")); err == nil {
			t.Errorf("%+v accepted", rules)
		}
	}
	if _, err := scripted.New(dialtone.Agent{Brain: dialtone.Brain{Type: dialtone.BrainOpenAI}}); err == nil {
		t.Error("an openai brain accepted")
	}
}

func FuzzAnswer(f *testing.F) {
	b, err := scripted.New(agent([]dialtone.ScriptRule{{Match: "hello there", Say: "hi"}, {Match: "/[0-9]{3}/", Say: "digits"}}, "fallback"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "hello there", "HELLO, there!", "123", "héllo thére", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := b.Answer(text)
		if r.Rule < -1 || r.Rule > 1 || (r.Rule == -1 && r.Say != "fallback") {
			t.Fatalf("Answer(%q) = %+v", text, r)
		}
	})
}

func TestReply(t *testing.T) {
	b, err := scripted.New(agent([]dialtone.ScriptRule{
		{Match: "pressed 1", Say: "Sales it is.", Action: dialtone.ActionTransfer, TransferTo: "+14155550199"},
		{Match: "hello", Say: "Hi there."},
	}, ""))
	if err != nil {
		t.Fatal(err)
	}
	var got []dialtone.BrainOutput
	emit := func(o dialtone.BrainOutput) error { got = append(got, o); return nil }
	for _, turn := range []dialtone.BrainTurn{{Text: "hello"}, {Digits: "1"}, {Text: "what?"}} {
		if err := b.Reply(t.Context(), turn, emit); err != nil {
			t.Fatal(err)
		}
	}
	want := []dialtone.BrainOutput{{Text: "Hi there."}, {Text: "Sales it is.", Action: dialtone.ActionTransfer, TransferTo: "+14155550199"}}
	if !slices.Equal(got, want) { // the unmatched turn, with no fallback, says nothing
		t.Fatalf("got %+v", got)
	}
}
