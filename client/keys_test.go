package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestKeysCreateRotateRevoke(t *testing.T) {
	env, c := start(t, "sqlite")
	ctx := context.Background()

	k, err := c.Keys.Create(ctx, dialtone.KeyParams{Name: dialtone.Some("ci"), Role: dialtone.Some(dialtone.RoleRead)})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if k.Object != "api_key" || k.Role != dialtone.RoleRead || k.Name != "ci" || k.OrganizationID != env.OrgID ||
		k.Secret == "" || k.Credential != k.ID+":"+k.Secret {
		t.Fatalf("created key = %+v", k)
	}
	old := client.New(env.URL, k.Credential)
	if org, err := old.Organizations.Get(ctx); err != nil || org.ID != env.OrgID {
		t.Fatalf("new key: org = %+v, err = %v", org, err)
	}

	// Listing shows the key without its secret.
	found := false
	for key, err := range c.Keys.All(ctx, &client.ListParams{Limit: 1}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if key.Secret != "" || key.Credential != "" {
			t.Errorf("listed key carries its secret: %+v", key)
		}
		found = found || key.ID == k.ID
	}
	if !found {
		t.Errorf("created key %s not listed", k.ID)
	}

	r, err := c.Keys.Rotate(ctx, k.ID)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if r.ID != k.ID || r.Secret == k.Secret || r.RotatedAt == nil || r.Credential == "" {
		t.Fatalf("rotated key = %+v", r)
	}
	_, err = old.Organizations.Get(ctx)
	if !client.IsCode(err, dialtone.CodeInvalidAPIKey) {
		t.Fatalf("old credential after rotate: err = %v, want invalid_api_key", err)
	}
	var e *client.Error
	if !asError(err, &e) || e.StatusCode != http.StatusUnauthorized || e.Type != dialtone.TypeAuthentication {
		t.Errorf("old credential: %+v", e)
	}
	rotated := client.New(env.URL, r.Credential)
	if _, err := rotated.Organizations.Get(ctx); err != nil {
		t.Fatalf("rotated credential: %v", err)
	}

	del, err := c.Keys.Revoke(ctx, k.ID)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if *del != (dialtone.Deleted{ID: k.ID, Object: "api_key", Deleted: true}) {
		t.Errorf("revoke = %+v", del)
	}
	if _, err := rotated.Organizations.Get(ctx); !client.IsCode(err, dialtone.CodeInvalidAPIKey) {
		t.Errorf("revoked credential: err = %v, want invalid_api_key", err)
	}
	if _, err := c.Keys.Rotate(ctx, k.ID); !client.IsCode(err, dialtone.CodeKeyNotFound) {
		t.Errorf("rotate revoked key: err = %v, want key_not_found", err)
	}
}

func TestKeysLastAdminKeyIsNotRetried(t *testing.T) {
	opt, n := counted()
	env, c := start(t, "sqlite", opt)
	adminID, _, _ := strings.Cut(env.Admin, ":")
	_, err := c.Keys.Revoke(context.Background(), adminID)
	if !client.IsCode(err, dialtone.CodeLastAdminKey) {
		t.Fatalf("revoke the only admin key: err = %v, want last_admin_key", err)
	}
	if n.count() != 1 {
		t.Errorf("a 409 last_admin_key was sent %d times, want 1", n.count())
	}
}

func TestKeysNeedAdminRole(t *testing.T) {
	env, _ := start(t, "sqlite")
	w := client.New(env.URL, env.Key(t, env.OrgID, dialtone.RoleWrite, false))
	_, err := w.Keys.List(context.Background(), nil)
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeInsufficientPermissions || e.StatusCode != http.StatusForbidden ||
		e.Type != dialtone.TypePermission {
		t.Fatalf("write key lists keys: err = %v", err)
	}
	if e.Details["required_role"] != "admin" {
		t.Errorf("details = %v, want required_role admin", e.Details)
	}
}
