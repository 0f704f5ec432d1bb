package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
)

// TestNumbersCommands drives `dialtone numbers` against the real server on loopback.
func TestNumbersCommands(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	t.Setenv("DIALTONE_URL", env.URL)
	t.Setenv("DIALTONE_API_KEY", env.Admin)
	agent, err := env.Services.Agents.Create(t.Context(), dialtone.Principal{OrganizationID: env.OrgID, Role: dialtone.RoleAdmin},
		dialtone.AgentParams{Name: dialtone.Some("Desk")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "numbers", "create", "--area-code", "312", "--agent", agent.ID)
	var n dialtone.PhoneNumber
	if err != nil || json.Unmarshal([]byte(out), &n) != nil || !strings.HasPrefix(n.Number, "+1312") || n.AgentID == nil {
		t.Fatalf("create: %v %s", err, out)
	}
	out, err = run(t, "numbers", "list", "--agent", agent.ID)
	var list []dialtone.PhoneNumber
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != n.ID {
		t.Fatalf("list: %v %s", err, out)
	}
	out, err = run(t, "numbers", "update", n.ID, "--detach")
	if err != nil || !strings.Contains(out, `"agent_id": null`) {
		t.Fatalf("detach: %v %s", err, out)
	}
	if out, err = run(t, "numbers", "release", n.ID); err != nil || !strings.Contains(out, `"deleted": true`) {
		t.Fatalf("release: %v %s", err, out)
	}
	if _, err = run(t, "numbers", "get", n.ID); err == nil || !strings.Contains(err.Error(), "phone_number_not_found") {
		t.Fatalf("get after release: %v", err)
	}

	// Import from a (fake) Twilio account; the token comes from the environment only.
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	const sid, token = "AC0123456789abcdef0123456789abcdef", "numbers-test-token"
	fake.AddAccount(sid, token)
	fake.AddNumber(sid, "+14155550189")
	tw := apitest.Start(t, "sqlite", apitest.Options{TwilioAPIURL: fake.URL()})
	t.Setenv("DIALTONE_URL", tw.URL)
	t.Setenv("DIALTONE_API_KEY", tw.Admin)
	if _, err = run(t, "numbers", "import", "--number", "+14155550189", "--twilio-account-sid", sid); err == nil ||
		!strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN") {
		t.Fatalf("import without a token: %v", err)
	}
	t.Setenv("TWILIO_AUTH_TOKEN", token)
	out, err = run(t, "numbers", "import", "--number", "+14155550189", "--twilio-account-sid", sid)
	if err != nil || json.Unmarshal([]byte(out), &n) != nil || n.Source != dialtone.PhoneNumberSourceImported || strings.Contains(out, token) {
		t.Fatalf("import: %v %s", err, out)
	}

	t.Setenv("DIALTONE_API_KEY", "")
	if _, err = run(t, "numbers", "list"); err == nil || !strings.Contains(err.Error(), "DIALTONE_API_KEY") {
		t.Fatalf("without a key: %v", err)
	}
}
