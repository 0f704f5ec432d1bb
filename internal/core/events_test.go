package core_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/core"
	speech "github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// TestEventRetention: Sweep deletes, in batches, every event older than the retention period
// of every organization, and keeps the newer ones.
func TestEventRetention(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		svc := core.New(st, speech.Voices{}, core.Options{Now: clock, Carriers: []dialtone.Carrier{&sandbox.Carrier{}},
			EventRetention: 7 * 24 * time.Hour})
		p, other := newOrg(t, st, dialtone.RoleAdmin), newOrg(t, st, dialtone.RoleAdmin)

		// More old events than one batch deletes, in two organizations.
		const old = 2100
		events := make([]dialtone.Event, old)
		for i := range events {
			events[i] = dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event",
				Type: dialtone.EventCallTranscriptTurn, ObjectID: "call_x", CreatedAt: clock(),
				Data: dialtone.EventData{Object: json.RawMessage(`{"object":"call.transcript.turn"}`)}}
		}
		if err := st.InsertEvents(t.Context(), p.OrganizationID, events[:old-100]); err != nil {
			t.Fatal(err)
		}
		if err := st.InsertEvents(t.Context(), other.OrganizationID, events[old-100:]); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{}); err != nil {
			t.Fatal(err)
		}
		// Delivery attempts are swept with the events.
		ep := core.WebhookEndpointRecord{WebhookEndpoint: dialtone.WebhookEndpoint{ID: dialtone.NewID(dialtone.PrefixWebhookEndpoint),
			URL: "https://hooks.example.com/x", Events: []string{"*"}, Enabled: true, CreatedAt: clock(), UpdatedAt: clock()},
			SealedSecret: "sealed"}
		if err := st.InsertWebhookEndpoint(t.Context(), p.OrganizationID, ep, 20); err != nil {
			t.Fatal(err)
		}
		attempt := func() dialtone.WebhookDelivery {
			d := dialtone.WebhookDelivery{ID: dialtone.NewID(dialtone.PrefixWebhookDelivery), WebhookEndpointID: ep.ID,
				EventID: events[0].ID, EventType: events[0].Type, Attempt: 1, Outcome: dialtone.DeliveryDelivered, CreatedAt: clock()}
			if err := st.RecordWebhookDelivery(t.Context(), p.OrganizationID, d, nil); err != nil {
				t.Fatal(err)
			}
			return d
		}
		attempt()
		advance(5 * 24 * time.Hour)
		recent := attempt()
		newNumber, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{})
		if err != nil {
			t.Fatal(err)
		}

		if n, err := svc.Events.Sweep(t.Context()); err != nil || n != 0 {
			t.Fatalf("sweep within retention: %d, %v", n, err)
		}
		advance(2*24*time.Hour + time.Second) // the first events are now 7 days and 1 s old
		n, err := svc.Events.Sweep(t.Context())
		if err != nil || n != old+1 {
			t.Fatalf("sweep: %d, %v; want %d", n, err, old+1)
		}
		list, err := svc.Events.List(t.Context(), p, dialtone.EventFilter{}, dialtone.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Data) != 1 || list.HasMore || list.Data[0].ObjectID != newNumber.ID ||
			list.Data[0].Type != dialtone.EventPhoneNumberProvisioned {
			t.Fatalf("left after the sweep: %+v", list)
		}
		if rest, err := svc.Events.List(t.Context(), other, dialtone.EventFilter{}, dialtone.ListParams{}); err != nil || len(rest.Data) != 0 {
			t.Fatalf("other organization: %+v, %v", rest, err)
		}
		if n, err := svc.Events.Sweep(t.Context()); err != nil || n != 0 {
			t.Fatalf("second sweep: %d, %v", n, err)
		}
		ds, _, err := st.ListWebhookDeliveries(t.Context(), p.OrganizationID, ep.ID, dialtone.ListParams{})
		if err != nil || len(ds) != 1 || ds[0].ID != recent.ID {
			t.Fatalf("delivery attempts left: %+v, %v", ds, err)
		}
	})
}
