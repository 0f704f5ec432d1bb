package sqlstore_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
)

// baseTime is a fixed instant with nanoseconds and a non-UTC zone, so every test exercises
// the conversion to UTC microseconds.
func baseTime() time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+2", 2*3600))
}

// stored is t as the store returns it.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func newKeyRecord(orgID string, role dialtone.Role, created time.Time) core.KeyRecord {
	secret := dialtone.NewKeySecret()
	hash := sha256.Sum256([]byte(secret))
	return core.KeyRecord{
		APIKey: dialtone.APIKey{
			ID:             dialtone.NewID(dialtone.PrefixKey),
			Object:         "api_key",
			OrganizationID: orgID,
			Name:           "key " + string(role),
			Role:           role,
			SecretHint:     dialtone.SecretHint(secret),
			CreatedAt:      created,
		},
		SecretHash: hash[:],
	}
}

func newOrgValues(name string) (dialtone.Organization, core.KeyRecord) {
	org := dialtone.Organization{
		ID:          dialtone.NewID(dialtone.PrefixOrganization),
		Object:      "organization",
		Name:        name,
		BillingMode: dialtone.BillingPostpaid,
		CreatedAt:   baseTime(),
	}
	return org, newKeyRecord(org.ID, dialtone.RoleAdmin, baseTime())
}

// createOrg stores a new organization with its first admin key.
func createOrg(t *testing.T, st *sqlstore.Store, name string) (dialtone.Organization, core.KeyRecord) {
	t.Helper()
	org, key := newOrgValues(name)
	if err := st.CreateOrganization(t.Context(), org, key); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return org, key
}

// insertKey stores a new key of orgID.
func insertKey(t *testing.T, st *sqlstore.Store, orgID string, role dialtone.Role) core.KeyRecord {
	t.Helper()
	k := newKeyRecord(orgID, role, baseTime())
	if err := st.InsertKey(t.Context(), k); err != nil {
		t.Fatalf("InsertKey: %v", err)
	}
	return k
}

func newAgentValues(name string) dialtone.Agent {
	return dialtone.Agent{
		ID:                     dialtone.NewID(dialtone.PrefixAgent),
		Object:                 "agent",
		Name:                   name,
		SystemPrompt:           "You are a helpful receptionist.",
		Greeting:               "Hello, how can I help?",
		Voice:                  "sandbox-alloy",
		Language:               dialtone.DefaultLanguage,
		Brain:                  dialtone.Brain{Type: dialtone.BrainScripted},
		Voicemail:              dialtone.Voicemail{Action: dialtone.VoicemailLeaveMessage, Message: "Call me back."},
		TurnTaking:             dialtone.TurnTaking{EndOfTurnSilenceMS: 800, BargeInMinimumMS: 150, SilenceReminderSeconds: 20, SilenceReminders: 0, ReminderText: "Hello?"},
		MaxCallDurationSeconds: dialtone.DefaultMaxCallDuration,
		RingTimeoutSeconds:     dialtone.DefaultRingTimeoutSeconds,
		TransferNumbers:        []string{"+12125550100", "+12125550101"},
		Metadata:               map[string]string{"team": "sales", "tier": "gold"},
		CreatedAt:              baseTime(),
		UpdatedAt:              baseTime(),
	}
}

// insertAgent stores a new agent of orgID named name.
func insertAgent(t *testing.T, st *sqlstore.Store, orgID, name string) dialtone.Agent {
	t.Helper()
	a := newAgentValues(name)
	if err := st.InsertAgent(t.Context(), orgID, a); err != nil {
		t.Fatalf("InsertAgent: %v", err)
	}
	return storedAgent(a)
}

// storedAgent is a as the store returns it.
func storedAgent(a dialtone.Agent) dialtone.Agent {
	a.Object = "agent"
	a.CreatedAt, a.UpdatedAt = stored(a.CreatedAt), stored(a.UpdatedAt)
	if a.TransferNumbers == nil {
		a.TransferNumbers = []string{}
	}
	if a.Metadata == nil {
		a.Metadata = map[string]string{}
	}
	return a
}

func agentIDs(as []dialtone.Agent) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func keyIDs(ks []dialtone.APIKey) []string {
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	return ids
}
