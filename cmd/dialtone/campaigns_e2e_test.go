package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
)

// TestCampaignCommandsAgainstServer drives `dialtone campaigns` against the real server: create
// with a window and a retry policy, an upload refused for its bad rows (non-zero exit, the rows
// named), the same upload with --skip-invalid, start, and watch until the campaign completes.
func TestCampaignCommandsAgainstServer(t *testing.T) {
	_, agent, _ := startMessaging(t) // the server on loopback, an agent with a sandbox number
	out, err := run(t, "campaigns", "create", "--name", "Check-ups", "--agent", agent.ID, "--max-concurrent", "2",
		"--window", "mon-sun@00:00-24:00", "--timezone", "America/New_York", "--retry-attempts", "2", "--retry-backoff", "0", "--retry-on", "busy")
	var c dialtone.Campaign
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.Status != dialtone.CampaignDraft || c.MaxConcurrentCalls != 2 ||
		len(c.Schedule.Windows) != 1 || c.Schedule.Timezone != "America/New_York" || c.Retry.MaxAttempts != 2 || c.Retry.BackoffMinutes != 0 {
		t.Fatalf("create: %v %s", err, out)
	}
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte("phone_number,first_name\n+12125550114,Ada\n+12125550110,Charles\n555-0199,Donald\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "campaigns", "upload", c.ID, file)
	if err == nil || !strings.Contains(out, "invalid_phone_number") || !strings.Contains(out, "row 4") {
		t.Fatalf("upload with a bad row: %v %s", err, out)
	}
	out, err = run(t, "campaigns", "upload", c.ID, file, "--skip-invalid")
	if err != nil || !strings.Contains(out, "Added 2 leads") {
		t.Fatalf("upload --skip-invalid: %v %s", err, out)
	}
	if out, err = run(t, "campaigns", "start", c.ID); err != nil || !strings.Contains(out, `"scheduled"`) {
		t.Fatalf("start: %v %s", err, out)
	}
	out, err = run(t, "campaigns", "watch", c.ID, "--interval", "50ms")
	if err != nil || !strings.Contains(out, "completed") || !strings.Contains(out, "2/2") {
		t.Fatalf("watch: %v %s", err, out)
	}
	out, err = run(t, "campaigns", "leads", c.ID, "--status", "failed")
	var leads []dialtone.Lead
	if err != nil || json.Unmarshal([]byte(out), &leads) != nil || len(leads) != 1 || leads[0].Attempts != 2 ||
		leads[0].PhoneNumber != "+12125550110" {
		t.Fatalf("leads --status failed: %v %s", err, out)
	}
}
