package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// TestCallsCommands drives `dialtone calls` against the real server on loopback, with
// simulated calls a hundred times faster than real time.
func TestCallsCommands(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.01})
	t.Setenv("DIALTONE_URL", env.URL)
	t.Setenv("DIALTONE_API_KEY", env.Admin)
	admin := dialtone.Principal{OrganizationID: env.OrgID, Role: dialtone.RoleAdmin}
	agent, err := env.Services.Agents.Create(t.Context(), admin, dialtone.AgentParams{Name: dialtone.Some("Desk")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "numbers", "create", "--area-code", "646", "--agent", agent.ID)
	var n dialtone.PhoneNumber
	if err != nil || json.Unmarshal([]byte(out), &n) != nil {
		t.Fatalf("number: %v %s", err, out)
	}

	out, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550100", "--from", n.Number,
		"--instructions", "Be brief.", "--ring-timeout", "15", "--var", "name=Ada", "--var", "plan=a=b", "--metadata", "crm_id=42")
	var c dialtone.Call
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.Status != dialtone.CallQueued || c.FromNumber != n.Number ||
		c.Instructions != "Be brief." || c.RingTimeoutSeconds != 15 || c.Variables["name"] != "Ada" ||
		c.Variables["plan"] != "a=b" || c.Metadata["crm_id"] != "42" {
		t.Fatalf("create: %v %s", err, out)
	}
	c = waitFor(t, c.ID, dialtone.CallInProgress)

	out, err = run(t, "calls", "list", "--agent", agent.ID, "--status", "in_progress", "--direction", "outbound")
	var list []dialtone.Call
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("list: %v %s", err, out)
	}
	out, err = run(t, "calls", "hangup", c.ID)
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.Status != dialtone.CallCompleted {
		t.Fatalf("hangup: %v %s", err, out)
	}
	if _, err = run(t, "calls", "hangup", c.ID); err == nil || !strings.Contains(err.Error(), "call_already_ended") {
		t.Fatalf("second hangup: %v", err)
	}

	// A second call, to a busy line, so that --limit has two to choose from.
	out, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550110")
	var second dialtone.Call
	if err != nil || json.Unmarshal([]byte(out), &second) != nil {
		t.Fatalf("second create: %v %s", err, out)
	}
	waitFor(t, second.ID, dialtone.CallBusy)
	out, err = run(t, "calls", "list", "--limit", "1")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("list --limit 1: %v %s", err, out)
	}
	out, err = run(t, "calls", "list", "--limit", "0")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("list --limit 0: %v %s", err, out)
	}

	if _, err = run(t, "calls", "get", "call_missing"); err == nil || !strings.Contains(err.Error(), "call_not_found") {
		t.Fatalf("get unknown: %v", err)
	}
	if _, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550100", "--metadata", "12"); err == nil ||
		!strings.Contains(err.Error(), `--metadata "12": want key=value`) {
		t.Fatalf("metadata without =: %v", err)
	}
	if _, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550100", "--var", "=x"); err == nil ||
		!strings.Contains(err.Error(), "key before = is empty") {
		t.Fatalf("var without key: %v", err)
	}
	if _, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550100", "--var", "a=1", "--var", "a=2"); err == nil ||
		!strings.Contains(err.Error(), `key "a" is given twice`) {
		t.Fatalf("repeated var: %v", err)
	}
	if _, err = run(t, "calls", "create", "--to", "+12125550100"); err == nil || !strings.Contains(err.Error(), "agent") {
		t.Fatalf("without --agent: %v", err)
	}
	if _, err = run(t, "calls", "list", "--status", "ringing_forever"); err == nil || !strings.Contains(err.Error(), "invalid_value") {
		t.Fatalf("unknown status: %v", err)
	}
	if _, err = run(t, "calls", "list", "--limit", "-1"); err == nil || !strings.Contains(err.Error(), "--limit") {
		t.Fatalf("negative limit: %v", err)
	}
	t.Setenv("DIALTONE_API_KEY", "")
	if _, err = run(t, "calls", "list"); err == nil || !strings.Contains(err.Error(), "DIALTONE_API_KEY") {
		t.Fatalf("without a key: %v", err)
	}
}

// waitFor runs `dialtone calls get id` until the call reaches status, and returns it; it fails
// the test after a deadline only a hang reaches.
func waitFor(t *testing.T, id string, status dialtone.CallStatus) dialtone.Call {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := run(t, "calls", "get", id)
		var c dialtone.Call
		if err != nil || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("get: %v %s", err, out)
		}
		if c.Status == status {
			return c
		}
		if c.Ended() || time.Now().After(deadline) {
			t.Fatalf("call %s never reached %s: %+v", id, status, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCallsWatch follows a conversation from the terminal: every turn as it completes, then
// the call's outcome.
func TestCallsWatch(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.05})
	t.Setenv("DIALTONE_URL", env.URL)
	t.Setenv("DIALTONE_API_KEY", env.Admin)
	admin := dialtone.Principal{OrganizationID: env.OrgID, Role: dialtone.RoleAdmin}
	agent, err := env.Services.Agents.Create(t.Context(), admin, demoAgent())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "numbers", "create", "--agent", agent.ID); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550100")
	var c dialtone.Call
	if err != nil || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("create: %v %s", err, out)
	}
	out, err = run(t, "calls", "watch", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" queued\n", " in_progress\n", "agent: Hello, this is Ada at Dialtone Dental.",
		"caller: Hi, I would like to know your opening hours.", "action: end_call", "completed (agent_hangup)", "5 transcript turns"} {
		if !strings.Contains(out, want) {
			t.Errorf("watch did not print %q:\n%s", want, out)
		}
	}
	// A call the carrier refuses: watch says why, in its words.
	out, err = run(t, "calls", "create", "--agent", agent.ID, "--to", "+12125550113")
	if err != nil || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("create: %v %s", err, out)
	}
	if out, err = run(t, "calls", "watch", c.ID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"failed (carrier_error): The sandbox network refuses calls to +12125550113",
		"The carrier refused it (provider_error; sandbox error sandbox_refused): The sandbox network refuses calls to +12125550113"} {
		if !strings.Contains(out, want) {
			t.Errorf("watch did not print %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "calls", "watch", "call_nope"); err == nil || !strings.Contains(err.Error(), "call_not_found") {
		t.Errorf("watching an unknown call: %v", err)
	}
}
