package sqlstore_test

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func newWebhookEndpointRecord(agentID *string) core.WebhookEndpointRecord {
	return core.WebhookEndpointRecord{
		WebhookEndpoint: dialtone.WebhookEndpoint{
			ID: dialtone.NewID(dialtone.PrefixWebhookEndpoint), Object: "webhook_endpoint",
			URL: "https://hooks.example.com/x", Events: []string{"call.ended"}, Description: "CRM",
			AgentID: agentID, Enabled: true, SecretHint: "…abcd", CreatedAt: stored(baseTime()), UpdatedAt: stored(baseTime()),
		},
		SealedSecret: "sealed-current",
	}
}

func TestWebhookEndpointRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		agent := insertAgent(t, st, org.ID, "Desk")
		want := newWebhookEndpointRecord(&agent.ID)
		if err := st.InsertWebhookEndpoint(t.Context(), org.ID, want, 20); err != nil {
			t.Fatalf("InsertWebhookEndpoint: %v", err)
		}
		got, err := st.GetWebhookEndpoint(t.Context(), org.ID, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetWebhookEndpoint =\n %+v, %v\nwant\n %+v", got, err, want)
		}
		if _, err := st.GetWebhookEndpoint(t.Context(), other.ID, want.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("foreign get: %v", err)
		}
		// An agent of another organization is refused by the store too.
		foreign := insertAgent(t, st, other.ID, "Theirs")
		if err := st.InsertWebhookEndpoint(t.Context(), org.ID, newWebhookEndpointRecord(&foreign.ID), 20); err == nil {
			t.Error("an endpoint was stored with another organization's agent")
		}

		expires := stored(baseTime().Add(24 * time.Hour))
		reason := "410 Gone"
		up, err := st.UpdateWebhookEndpoint(t.Context(), org.ID, want.ID, func(e *core.WebhookEndpointRecord) error {
			e.PreviousSealedSecret, e.PreviousSecretExpiresAt = e.SealedSecret, &expires
			e.SealedSecret, e.SecretHint = "sealed-new", "…wxyz"
			e.Enabled, e.DisabledReason, e.Events = false, &reason, []string{"*"}
			return nil
		})
		if err != nil || up.PreviousSealedSecret != "sealed-current" || up.PreviousSecretExpiresAt == nil ||
			!up.PreviousSecretExpiresAt.Equal(expires) || up.SealedSecret != "sealed-new" || up.Enabled ||
			up.DisabledReason == nil || *up.DisabledReason != reason || len(up.Events) != 1 {
			t.Fatalf("UpdateWebhookEndpoint = %+v, %v", up, err)
		}
		boom := errors.New("boom")
		if _, err := st.UpdateWebhookEndpoint(t.Context(), org.ID, want.ID, func(*core.WebhookEndpointRecord) error { return boom }); err != boom {
			t.Errorf("mutate error: %v", err)
		}
		list, more, err := st.ListWebhookEndpoints(t.Context(), org.ID, dialtone.ListParams{Limit: 10})
		if err != nil || more || len(list) != 1 || list[0].ID != want.ID || list[0].Secret != "" {
			t.Fatalf("ListWebhookEndpoints = %+v, %v, %v", list, more, err)
		}

		if err := st.DeleteWebhookEndpoint(t.Context(), other.ID, want.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("foreign delete: %v", err)
		}
		if err := st.DeleteWebhookEndpoint(t.Context(), org.ID, want.ID, baseTime()); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteWebhookEndpoint(t.Context(), org.ID, want.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		// A deleted endpoint's row keeps no secret.
		var secret, previous string
		if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
			`SELECT secret, previous_secret FROM webhook_endpoints WHERE id = $1`, want.ID).Scan(&secret, &previous); err != nil || secret != "" || previous != "" {
			t.Errorf("deleted row: %q %q %v", secret, previous, err)
		}
	})
}

func TestWebhookEndpointLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		const limit, tries = 3, 8
		var wg sync.WaitGroup
		errs := make([]error, tries)
		for i := range tries {
			wg.Go(func() { errs[i] = st.InsertWebhookEndpoint(t.Context(), org.ID, newWebhookEndpointRecord(nil), limit) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, core.ErrLimit):
				t.Errorf("insert: %v", err)
			}
		}
		if ok != limit {
			t.Fatalf("%d endpoints stored, want %d", ok, limit)
		}
	})
}
