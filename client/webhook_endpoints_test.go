package client_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
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
