package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemo runs the README's first command, faster: the whole conversation is printed and the
// agent ends the call.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runDemo(t.Context(), &out, &errOut, demoOptions{speed: 0.05, to: "+12125550100"}); err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"agent: Hello, this is Ada at Dialtone Dental. How can I help you today?",
		"caller: Hi, I would like to know your opening hours.",
		"agent: We are open from nine to five, Monday to Friday.   (end of turn",
		"caller: Thank you, goodbye.",
		"agent: Thank you for calling. Goodbye!",
		"completed (agent_hangup)",
		"Latency over 2 replies",
		"Recording: ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo did not print %q:\n%s", want, text)
		}
	}
}

func TestDemoRefusesABadSpeed(t *testing.T) {
	cmd := newDemoCommand()
	cmd.SetArgs([]string{"--speed", "0"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--speed") {
		t.Fatalf("err %v", err)
	}
}
