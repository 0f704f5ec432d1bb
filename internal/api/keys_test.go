package api_test

import (
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

func TestKeysLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		r := call(t, env, "POST", "/v1/keys", env.Admin, `{"name":"ci","role":"read"}`)
		mustStatus(t, r, 201)
		id, cred := r.JSON["id"].(string), r.JSON["credential"].(string)
		secret := r.JSON["secret"].(string)
		if !strings.HasPrefix(id, "key_") || !strings.HasPrefix(secret, "dts_") || cred != id+":"+secret ||
			r.JSON["role"] != "read" || r.JSON["secret_hint"] != "dts_…"+secret[len(secret)-4:] {
			t.Fatalf("create: %s", r.Raw)
		}
		mustStatus(t, call(t, env, "GET", "/v1/agents", cred, ""), 200)

		// The secret is never shown again.
		list := call(t, env, "GET", "/v1/keys", env.Admin, "")
		if strings.Contains(string(list.Raw), secret) || strings.Contains(string(list.Raw), `"secret"`) {
			t.Fatalf("list shows a secret: %s", list.Raw)
		}
		if n := len(list.JSON["data"].([]any)); n != 2 {
			t.Fatalf("%d keys listed", n)
		}

		// Rotation: the new secret works, the old one fails at once.
		rot := call(t, env, "POST", "/v1/keys/"+id+"/rotate", env.Admin, "")
		mustStatus(t, rot, 200)
		newCred := rot.JSON["credential"].(string)
		if newCred == cred || rot.JSON["rotated_at"] == nil {
			t.Fatalf("rotate: %s", rot.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/agents", cred, ""), dialtone.CodeInvalidAPIKey, "")
		mustStatus(t, call(t, env, "GET", "/v1/agents", newCred, ""), 200)

		// Revocation takes effect on the next request.
		del := call(t, env, "DELETE", "/v1/keys/"+id, env.Admin, "")
		mustStatus(t, del, 200)
		if del.JSON["deleted"] != true || del.JSON["object"] != "api_key" {
			t.Fatalf("revoke: %s", del.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/agents", newCred, ""), dialtone.CodeInvalidAPIKey, "")
		wantError(t, env, call(t, env, "POST", "/v1/keys/"+id+"/rotate", env.Admin, ""), dialtone.CodeKeyNotFound, "")

		// Another organization's keys are invisible.
		_, other := env.Org(t, "other")
		adminID, _, _ := strings.Cut(env.Admin, ":")
		wantError(t, env, call(t, env, "DELETE", "/v1/keys/"+adminID, other, ""), dialtone.CodeKeyNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/keys/"+adminID+"/rotate", other, ""), dialtone.CodeKeyNotFound, "")
	})
}

func TestOrganizations(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	org := call(t, env, "GET", "/v1/organization", env.Admin, "")
	if org.Status != 200 || org.JSON["id"] != env.OrgID || org.JSON["object"] != "organization" {
		t.Fatalf("get: %s", org.Raw)
	}
	operator := env.Key(t, env.OrgID, dialtone.RoleRead, true)
	r := call(t, env, "POST", "/v1/organizations", operator, `{"name":"Acme"}`)
	mustStatus(t, r, 201)
	key := r.JSON["admin_key"].(map[string]any)
	cred := key["credential"].(string)
	if r.JSON["name"] != "Acme" || key["role"] != "admin" || key["organization_id"] != r.JSON["id"] {
		t.Fatalf("create: %s", r.Raw)
	}
	mine := call(t, env, "GET", "/v1/organization", cred, "")
	if mine.JSON["id"] != r.JSON["id"] {
		t.Fatalf("new admin key sees %s", mine.Raw)
	}
	wantError(t, env, call(t, env, "POST", "/v1/organizations", operator, `{}`), dialtone.CodeFieldRequired, "name")
}

func TestOperationsEndpoints(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	mustStatus(t, call(t, env, "GET", "/healthz", "", ""), 200)
	mustStatus(t, call(t, env, "GET", "/readyz", "", ""), 200)
	mustStatus(t, call(t, env, "GET", "/v1/agents", env.Admin, ""), 200)
	m := call(t, env, "GET", "/metrics", "", "")
	if m.Status != 200 || !strings.Contains(string(m.Raw), `dialtone_http_requests_total{method="GET",route="/v1/agents",status="200"} 1`) {
		t.Fatalf("metrics: %s", m.Raw)
	}
	v := call(t, env, "GET", "/v1/voices?language=en-GB", env.Admin, "")
	data := v.JSON["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["id"] != "sandbox-en-gb-low" {
		t.Fatalf("voices: %s", v.Raw)
	}
	r := call(t, env, "GET", "/v1/agents", env.Admin, "")
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-Id"} {
		if r.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

// TestIdempotentReplayNeverStoresSecrets: a replayed key creation answers the same key without
// its secret, and the secret is nowhere in the database.
func TestIdempotentReplayNeverStoresSecrets(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	first := call(t, env, "POST", "/v1/keys", env.Admin, `{"name":"x"}`, "Idempotency-Key", "k1")
	mustStatus(t, first, 201)
	secret := first.JSON["secret"].(string)
	again := call(t, env, "POST", "/v1/keys", env.Admin, `{"name":"x"}`, "Idempotency-Key", "k1")
	if again.Status != 201 || again.JSON["id"] != first.JSON["id"] || again.JSON["secret"] != nil ||
		again.JSON["credential"] != nil || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %s", again.Raw)
	}
	rec, err := env.Store.GetIdempotent(t.Context(), env.OrgID, "k1")
	if err != nil || strings.Contains(string(rec.Body), secret) || strings.Contains(string(rec.Body), `"credential"`) {
		t.Fatalf("stored body %s (%v)", rec.Body, err)
	}
}
