package core_test

import (
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

func TestPromptVariables(t *testing.T) {
	a := dialtone.Agent{Name: "Front desk", Timezone: "Asia/Tokyo",
		SystemPrompt: "You are {{agent_name}}. Today is {{weekday}} {{date}}, {{ time }} in {{timezone}}.",
		Greeting:     "Hello {{name}}!"}
	c := dialtone.Call{Direction: dialtone.CallOutbound, FromNumber: "+12125550100", ToNumber: "+14155550123",
		Instructions: "Remind {{name}} ({{caller_number}}) of order {{order}}. {{unknown}}Calling from {{agent_number}}, {{direction}}.",
		Variables:    map[string]string{"name": "Ada", "order": "A-17", "date": "overridden?"}}
	n := dialtone.PhoneNumber{CustomPrompt: "  "}
	now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC) // 08:30 on the 24th in Tokyo
	vars := core.PromptVariables(a, c, now)
	got := core.ComposePrompt(a, n, c, vars)
	want := "You are Front desk. Today is Tuesday 2026-11-24, 08:30 in Asia/Tokyo.\n\n" +
		"Remind Ada (+14155550123) of order A-17. Calling from +12125550100, outbound."
	if got != want {
		t.Fatalf("prompt\n%q\nwant\n%q", got, want)
	}
	if g := core.FillPrompt(a.Greeting, vars); g != "Hello Ada!" {
		t.Fatalf("greeting %q", g)
	}
	in := core.PromptVariables(dialtone.Agent{Timezone: "not/a_zone"}, dialtone.Call{Direction: dialtone.CallInbound,
		FromNumber: "+14155550123", ToNumber: "+12125550100"}, now)
	if in["caller_number"] != "+14155550123" || in["agent_number"] != "+12125550100" || in["timezone"] != "UTC" || in["time"] != "23:30" {
		t.Fatalf("inbound vars %v", in)
	}
	if s := core.FillPrompt("{{ }} {name} {{a b}} {{{x}}}", map[string]string{"x": "X"}); s != "{{ }} {name} {{a b}} {X}" {
		t.Fatalf("edge cases: %q", s)
	}
}

func TestLoadTimezone(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"} {
		if _, err := core.LoadTimezone(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../etc/passwd", "GMT+25"} {
		if _, err := core.LoadTimezone(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
