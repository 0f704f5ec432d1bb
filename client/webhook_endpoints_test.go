package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestWebhookEndpointsCRUD(t *testing.T) {
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			env, c := start(t, dialect)
			ctx := context.Background()

			e, err := c.WebhookEndpoints.Create(ctx, dialtone.WebhookEndpointCreateParams{
				URL:    dialtone.Some("https://hooks.example.com/dialtone"),
				Events: dialtone.Some([]string{dialtone.EventCallEnded}),
			})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if e.Object != "webhook_endpoint" || !strings.HasPrefix(e.Secret, "whsec_") || !e.Enabled ||
				!slices.Equal(e.Events, []string{"call.ended"}) {
				t.Fatalf("created %+v", e)
			}
			got, err := c.WebhookEndpoints.Get(ctx, e.ID)
			if err != nil || got.Secret != "" || got.SecretHint != e.SecretHint || got.URL != e.URL {
				t.Fatalf("get = %+v, %v", got, err)
			}
			up, err := c.WebhookEndpoints.Update(ctx, e.ID, dialtone.WebhookEndpointUpdateParams{
				Enabled: dialtone.Some(false), Description: dialtone.Some("paused"),
			})
			if err != nil || up.Enabled || up.Description != "paused" || up.URL != e.URL {
				t.Fatalf("update = %+v, %v", up, err)
			}
			rot, err := c.WebhookEndpoints.RotateSecret(ctx, e.ID)
			if err != nil || rot.Secret == "" || rot.Secret == e.Secret {
				t.Fatalf("rotate = %+v, %v", rot, err)
			}
			secrets, err := env.Services.WebhookEndpoints.SigningSecrets(ctx, env.OrgID, e.ID)
			if err != nil || !slices.Equal(secrets, []string{rot.Secret, e.Secret}) {
				t.Fatalf("signing secrets %v, %v", secrets, err)
			}

			second, err := c.WebhookEndpoints.Create(ctx, dialtone.WebhookEndpointCreateParams{
				URL: dialtone.Some("https://other.example.com/x"), Events: dialtone.Some([]string{"*"}),
			})
			if err != nil {
				t.Fatal(err)
			}
			list, err := c.WebhookEndpoints.List(ctx, &client.ListParams{Limit: 1})
			if err != nil || len(list.Data) != 1 || list.Data[0].ID != second.ID || !list.HasMore {
				t.Fatalf("list = %+v, %v", list, err)
			}
			var ids []string
			for we, err := range c.WebhookEndpoints.All(ctx, &client.ListParams{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, we.ID)
			}
			if !slices.Equal(ids, []string{second.ID, e.ID}) {
				t.Fatalf("all = %v", ids)
			}

			_, err = c.WebhookEndpoints.Create(ctx, dialtone.WebhookEndpointCreateParams{
				URL: dialtone.Some("https://127.0.0.1/hook"), Events: dialtone.Some([]string{"*"}),
			})
			if !client.IsCode(err, dialtone.CodeWebhookURLNotAllowed) {
				t.Fatalf("private URL: %v", err)
			}
			_, err = c.WebhookEndpoints.Create(ctx, dialtone.WebhookEndpointCreateParams{Events: dialtone.Some([]string{"nope"})})
			var apiErr *client.Error
			if !asError(err, &apiErr) || len(apiErr.Fields) != 2 {
				t.Fatalf("invalid params: %v", err)
			}

			del, err := c.WebhookEndpoints.Delete(ctx, e.ID)
			if err != nil || *del != (dialtone.Deleted{ID: e.ID, Object: "webhook_endpoint", Deleted: true}) {
				t.Fatalf("delete = %+v, %v", del, err)
			}
			if _, err := c.WebhookEndpoints.Get(ctx, e.ID); !client.IsCode(err, dialtone.CodeWebhookEndpointNotFound) {
				t.Fatalf("get after delete: %v", err)
			}
			if _, err := c.WebhookEndpoints.Get(ctx, ""); err == nil {
				t.Fatal("empty id accepted")
			}
		})
	}
}

func TestWebhookDeliveriesTestAndRedeliver(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
	}))
	defer rc.Close()
	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(ids)
	}
	wait := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); received() < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("received %d deliveries, want %d", received(), n)
			}
		}
	}
	env := apitest.Start(t, "sqlite", apitest.Options{Webhooks: core.WebhookOptions{AllowHTTP: true, AllowPrivate: true}})
	c := client.New(env.URL, env.Admin)
	ctx := context.Background()
	e, err := c.WebhookEndpoints.Create(ctx, dialtone.WebhookEndpointCreateParams{
		URL: dialtone.Some(rc.URL), Events: dialtone.Some([]string{dialtone.EventPhoneNumberProvisioned}),
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.WebhookEndpoints.Test(ctx, e.ID)
	if err != nil || d.Outcome != dialtone.DeliveryDelivered || d.EventType != dialtone.EventWebhookTest || received() != 1 {
		t.Fatalf("test = %+v, %v (received %d)", d, err, received())
	}
	if _, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{}); err != nil {
		t.Fatal(err)
	}
	wait(2)
	rd, err := c.Events.Redeliver(ctx, ids[1], nil)
	if err != nil || rd.EventID != ids[1] || !slices.Equal(rd.WebhookEndpointIDs, []string{e.ID}) {
		t.Fatalf("redeliver = %+v, %v", rd, err)
	}
	wait(3)
	// An attempt is logged once the receiver has answered: wait for the third entry too.
	var outcomes []string
	for deadline := time.Now().Add(time.Minute); len(outcomes) < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		outcomes = nil
		for d, err := range c.WebhookEndpoints.AllDeliveries(ctx, e.ID, &client.ListParams{Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			outcomes = append(outcomes, d.EventType+":"+d.Outcome)
		}
	}
	want := []string{"phone_number.provisioned:delivered", "phone_number.provisioned:delivered", "webhook.test:delivered"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("deliveries %v, want %v", outcomes, want)
	}
	var apiErr *client.Error
	if _, err := c.Events.Redeliver(ctx, "evt_missing", nil); !errors.As(err, &apiErr) || apiErr.Code != dialtone.CodeEventNotFound {
		t.Errorf("redeliver a missing event: %v", err)
	}
}
