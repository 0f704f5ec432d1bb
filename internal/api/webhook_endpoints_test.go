package api_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/secretbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

const webhookBody = `{"url":"https://hooks.example.com/dialtone","events":["call.ended","call.started"],"description":"CRM"}`

func createEndpoint(t *testing.T, env *apitest.Env, cred, body string) dialtone.WebhookEndpoint {
	t.Helper()
	r := call(t, env, "POST", "/v1/webhook-endpoints", cred, body)
	mustStatus(t, r, http.StatusCreated)
	return decode[dialtone.WebhookEndpoint](t, r.Raw)
}

func TestWebhookEndpointsCRUD(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		r := call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, webhookBody)
		mustStatus(t, r, http.StatusCreated)
		e := decode[dialtone.WebhookEndpoint](t, r.Raw)
		if e.Object != "webhook_endpoint" || !dialtone.HasPrefix(e.ID, dialtone.PrefixWebhookEndpoint) ||
			e.URL != "https://hooks.example.com/dialtone" || !slices.Equal(e.Events, []string{"call.ended", "call.started"}) ||
			e.Description != "CRM" || e.AgentID != nil || !e.Enabled || e.DisabledReason != nil {
			t.Fatalf("created %+v", e)
		}
		if r.Header.Get("Location") != "/v1/webhook-endpoints/"+e.ID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		// The secret: Standard Webhooks format, 24 random bytes, shown once.
		b64, ok := strings.CutPrefix(e.Secret, "whsec_")
		if !ok || len(b64) != 32 || strings.HasSuffix(b64, "=") {
			t.Fatalf("secret %q", e.Secret)
		}
		if e.SecretHint != "…"+e.Secret[len(e.Secret)-4:] {
			t.Errorf("hint %q for %q", e.SecretHint, e.Secret)
		}
		got := call(t, env, "GET", "/v1/webhook-endpoints/"+e.ID, env.Admin, "")
		mustStatus(t, got, http.StatusOK)
		if _, has := got.JSON["secret"]; has || strings.Contains(string(got.Raw), e.Secret) {
			t.Fatalf("GET shows the secret: %s", got.Raw)
		}
		if got.JSON["secret_hint"] != e.SecretHint || got.JSON["agent_id"] != nil || got.JSON["disabled_reason"] != nil {
			t.Errorf("GET %s", got.Raw)
		}
		// Stored sealed: no plaintext in the row, and it opens to the secret.
		rec, err := env.Store.GetWebhookEndpoint(t.Context(), env.OrgID, e.ID)
		if err != nil || rec.SealedSecret == "" || strings.Contains(rec.SealedSecret, b64) {
			t.Fatalf("stored %q, %v", rec.SealedSecret, err)
		}
		secrets, err := env.Services.WebhookEndpoints.SigningSecrets(t.Context(), env.OrgID, e.ID)
		if err != nil || !slices.Equal(secrets, []string{e.Secret}) {
			t.Fatalf("SigningSecrets = %v, %v", secrets, err)
		}

		second := createEndpoint(t, env, env.Admin, `{"url":"https://other.example.com/x","events":["*"]}`)
		list := call(t, env, "GET", "/v1/webhook-endpoints", env.Admin, "")
		mustStatus(t, list, http.StatusOK)
		l := decode[dialtone.List[dialtone.WebhookEndpoint]](t, list.Raw)
		if len(l.Data) != 2 || l.Data[0].ID != second.ID || l.Data[1].ID != e.ID || l.HasMore || strings.Contains(string(list.Raw), `"secret"`) {
			t.Fatalf("list %s", list.Raw)
		}
		page := decode[dialtone.List[dialtone.WebhookEndpoint]](t, call(t, env, "GET", "/v1/webhook-endpoints?limit=1&starting_after="+second.ID, env.Admin, "").Raw)
		if len(page.Data) != 1 || page.Data[0].ID != e.ID || page.HasMore {
			t.Fatalf("page after %s: %+v", second.ID, page)
		}

		// PATCH: only the fields sent change; null empties the description.
		up := call(t, env, "PATCH", "/v1/webhook-endpoints/"+e.ID, env.Admin, `{"events":["*"],"enabled":false,"description":null}`)
		mustStatus(t, up, http.StatusOK)
		u := decode[dialtone.WebhookEndpoint](t, up.Raw)
		if u.URL != e.URL || !slices.Equal(u.Events, []string{"*"}) || u.Enabled || u.Description != "" || u.Secret != "" || !u.UpdatedAt.After(e.UpdatedAt) && !u.UpdatedAt.Equal(e.UpdatedAt) {
			t.Fatalf("updated %+v", u)
		}
		// Enabling clears a disabled_reason (set by delivery; here by hand).
		if _, err := env.Store.UpdateWebhookEndpoint(t.Context(), env.OrgID, e.ID, func(r *core.WebhookEndpointRecord) error {
			reason := "failing for 5 days"
			r.DisabledReason = &reason
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if g := decode[dialtone.WebhookEndpoint](t, call(t, env, "GET", "/v1/webhook-endpoints/"+e.ID, env.Admin, "").Raw); g.DisabledReason == nil {
			t.Fatalf("disabled_reason not stored: %+v", g)
		}
		on := decode[dialtone.WebhookEndpoint](t, call(t, env, "PATCH", "/v1/webhook-endpoints/"+e.ID, env.Admin, `{"enabled":true,"url":"https://new.example.com/h"}`).Raw)
		if !on.Enabled || on.DisabledReason != nil || on.URL != "https://new.example.com/h" {
			t.Fatalf("enabled %+v", on)
		}

		del := call(t, env, "DELETE", "/v1/webhook-endpoints/"+e.ID, env.Admin, "")
		mustStatus(t, del, http.StatusOK)
		if d := decode[dialtone.Deleted](t, del.Raw); d != (dialtone.Deleted{ID: e.ID, Object: "webhook_endpoint", Deleted: true}) {
			t.Fatalf("delete %s", del.Raw)
		}
		for _, m := range []string{"GET", "DELETE"} {
			wantError(t, env, call(t, env, m, "/v1/webhook-endpoints/"+e.ID, env.Admin, ""), dialtone.CodeWebhookEndpointNotFound, "")
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/webhook-endpoints/"+e.ID, env.Admin, `{"enabled":true}`), dialtone.CodeWebhookEndpointNotFound, "")
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints/"+e.ID+"/rotate-secret", env.Admin, ""), dialtone.CodeWebhookEndpointNotFound, "")
		if _, err := env.Services.WebhookEndpoints.SigningSecrets(t.Context(), env.OrgID, e.ID); !dialtone.HasCode(err, dialtone.CodeWebhookEndpointNotFound) {
			t.Errorf("SigningSecrets of a deleted endpoint: %v", err)
		}
	})
}

func TestWebhookEndpointRotateSecret(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := apitest.Start(t, d, apitest.Options{})
			e := createEndpoint(t, env, env.Admin, webhookBody)
			r := call(t, env, "POST", "/v1/webhook-endpoints/"+e.ID+"/rotate-secret", env.Admin, "", "Idempotency-Key", "rot-1")
			mustStatus(t, r, http.StatusOK)
			rot := decode[dialtone.WebhookEndpoint](t, r.Raw)
			if rot.ID != e.ID || rot.Secret == "" || rot.Secret == e.Secret || !strings.HasPrefix(rot.Secret, "whsec_") ||
				rot.SecretHint != "…"+rot.Secret[len(rot.Secret)-4:] {
				t.Fatalf("rotated %+v (was %q)", rot, e.Secret)
			}
			// A replay of the same Idempotency-Key never shows the secret again.
			again := call(t, env, "POST", "/v1/webhook-endpoints/"+e.ID+"/rotate-secret", env.Admin, "", "Idempotency-Key", "rot-1")
			if strings.Contains(string(again.Raw), rot.Secret) {
				t.Fatalf("replay shows the secret: %d %s", again.Status, again.Raw)
			}
			secrets, err := env.Services.WebhookEndpoints.SigningSecrets(t.Context(), env.OrgID, e.ID)
			if err != nil || !slices.Equal(secrets, []string{rot.Secret, e.Secret}) {
				t.Fatalf("SigningSecrets after rotation = %v, %v", secrets, err)
			}
			rec, err := env.Store.GetWebhookEndpoint(t.Context(), env.OrgID, e.ID)
			if err != nil || rec.PreviousSecretExpiresAt == nil || strings.Contains(rec.PreviousSealedSecret, strings.TrimPrefix(e.Secret, "whsec_")) {
				t.Fatalf("stored %+v, %v", rec, err)
			}
			if left := time.Until(*rec.PreviousSecretExpiresAt); left < 23*time.Hour || left > 25*time.Hour {
				t.Errorf("previous secret expires in %v, want 24 h", left)
			}

			// Past the 24 hours, only the new secret signs: a clock 25 h later.
			box, err := secretbox.New([]byte("apitest-secret-key-32-bytes-long"))
			if err != nil {
				t.Fatal(err)
			}
			later := core.New(env.Store, nil, core.Options{Secrets: box, Now: func() time.Time { return time.Now().Add(25 * time.Hour) }})
			if secrets, err := later.WebhookEndpoints.SigningSecrets(t.Context(), env.OrgID, e.ID); err != nil || !slices.Equal(secrets, []string{rot.Secret}) {
				t.Fatalf("SigningSecrets 25 h later = %v, %v", secrets, err)
			}
		})
	}
}

func TestWebhookEndpointValidation(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		e := wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, `{}`), dialtone.CodeFieldRequired, "url")
		if got := fields(e); !slices.Equal(got, []string{"url:field_required", "events:field_required"}) {
			t.Errorf("fields %v", got)
		}
		e = wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin,
			`{"url":"not a url","events":["call.ended","nope","call.ended","*"],"description":"`+strings.Repeat("d", 501)+`","agent_id":""}`),
			dialtone.CodeInvalidValue, "url")
		want := []string{"url:invalid_value", "events[1]:invalid_value", "events[2]:invalid_value", "events[3]:invalid_value",
			"description:value_too_long", "agent_id:value_too_short"}
		if got := fields(e); !slices.Equal(got, want) {
			t.Errorf("fields %v, want %v", got, want)
		}
		e = wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, `{"url":"https://user:pw@hooks.example.com/","events":[]}`), dialtone.CodeInvalidValue, "url")
		if got := fields(e); !slices.Equal(got, []string{"url:invalid_value", "events:value_too_short"}) {
			t.Errorf("fields %v", got)
		}
		many := make([]string, dialtone.MaxWebhookEndpointEvents+1)
		for i := range many {
			many[i] = `"call.ended"`
		}
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin,
			`{"url":"https://hooks.example.com/","events":[`+strings.Join(many, ",")+`]}`), dialtone.CodeTooManyItems, "events")

		ep := createEndpoint(t, env, env.Admin, webhookBody)
		e = wantError(t, env, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"url":null,"events":null,"enabled":null}`), dialtone.CodeFieldRequired, "url")
		if got := fields(e); !slices.Equal(got, []string{"url:field_required", "events:field_required", "enabled:invalid_value"}) {
			t.Errorf("fields %v", got)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"agent_id":"agt_x"}`), dialtone.CodeUnknownField, "agent_id")

		// The limit per organization.
		for i := 1; i < dialtone.MaxWebhookEndpointsPerOrg; i++ {
			createEndpoint(t, env, env.Admin, webhookBody)
		}
		e = wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, webhookBody), dialtone.CodeWebhookEndpointLimit, "")
		if e.Details["limit"] != float64(dialtone.MaxWebhookEndpointsPerOrg) {
			t.Errorf("details %v", e.Details)
		}
	})
}

func TestWebhookEndpointURLSafety(t *testing.T) {
	resolver := apitest.Resolver{"rebind.example.com": {netip.MustParseAddr("127.0.0.1")},
		"mixed.example.com": {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.9.8.7")}}
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := apitest.Start(t, d, apitest.Options{Webhooks: core.WebhookOptions{Resolver: resolver}})
			body := func(u string) string { return fmt.Sprintf(`{"url":%q,"events":["*"]}`, u) }
			for _, tc := range []struct{ url, reason, addr string }{
				{"http://127.0.0.1/hook", "scheme", ""},
				{"http://hooks.example.com/hook", "scheme", ""},
				{"ftp://hooks.example.com/hook", "scheme", ""},
				{"https://127.0.0.1/hook", "private_address", "127.0.0.1"},
				{"https://10.0.0.5/hook", "private_address", "10.0.0.5"},
				{"https://192.168.1.20:8443/hook", "private_address", "192.168.1.20"},
				{"https://169.254.169.254/latest/meta-data/", "private_address", "169.254.169.254"},
				{"https://[::1]/hook", "private_address", "::1"},
				{"https://[::ffff:10.0.0.1]/hook", "private_address", "::ffff:10.0.0.1"},
				{"https://100.64.0.1/hook", "private_address", "100.64.0.1"},
				{"https://localhost/hook", "private_address", "127.0.0.1"},
				{"https://rebind.example.com/hook", "private_address", "127.0.0.1"},
				{"https://mixed.example.com/hook", "private_address", "10.9.8.7"},
				{"https://nowhere.invalid/hook", "unresolvable", ""},
			} {
				e := wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, body(tc.url)), dialtone.CodeWebhookURLNotAllowed, "url")
				if e.Details["reason"] != tc.reason || (tc.addr != "" && (e.Details["address"] != tc.addr || !strings.Contains(e.Message, tc.addr))) {
					t.Errorf("%s: %+v", tc.url, e)
				}
			}
			// PATCH of the URL is checked too, and changes nothing when refused.
			ep := createEndpoint(t, env, env.Admin, body("https://hooks.example.com/ok"))
			wantError(t, env, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"url":"https://169.254.169.254/","enabled":false}`), dialtone.CodeWebhookURLNotAllowed, "url")
			if g := decode[dialtone.WebhookEndpoint](t, call(t, env, "GET", "/v1/webhook-endpoints/"+ep.ID, env.Admin, "").Raw); g.URL != ep.URL || !g.Enabled {
				t.Fatalf("refused PATCH changed %+v", g)
			}
			if n := decode[dialtone.List[dialtone.WebhookEndpoint]](t, call(t, env, "GET", "/v1/webhook-endpoints", env.Admin, "").Raw); len(n.Data) != 1 {
				t.Fatalf("refused endpoints were stored: %+v", n.Data)
			}
		})
	}
}

func TestWebhookEndpointOperatorFlags(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			httpOnly := apitest.Start(t, d, apitest.Options{Webhooks: core.WebhookOptions{AllowHTTP: true}})
			createEndpoint(t, httpOnly, httpOnly.Admin, `{"url":"http://hooks.example.com/hook","events":["*"]}`)
			e := wantError(t, httpOnly, call(t, httpOnly, "POST", "/v1/webhook-endpoints", httpOnly.Admin, `{"url":"http://127.0.0.1:9000/hook","events":["*"]}`), dialtone.CodeWebhookURLNotAllowed, "url")
			if e.Details["reason"] != "private_address" {
				t.Errorf("details %v", e.Details)
			}

			env := apitest.Start(t, d, apitest.Options{Webhooks: core.WebhookOptions{AllowHTTP: true, AllowPrivate: true}})
			for _, u := range []string{"http://127.0.0.1:9000/hook", "https://10.0.0.5/hook", "https://169.254.169.254/",
				"https://[::1]/hook", "http://localhost:8080/hook"} {
				createEndpoint(t, env, env.Admin, fmt.Sprintf(`{"url":%q,"events":["call.ended"]}`, u))
			}
		})
	}
}

func TestWebhookEndpointScoping(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		agent := decode[dialtone.Agent](t, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Desk"}`).Raw)
		scoped := createEndpoint(t, env, env.Admin, fmt.Sprintf(`{"url":"https://hooks.example.com/a","events":["call.ended"],"agent_id":%q}`, agent.ID))
		if scoped.AgentID == nil || *scoped.AgentID != agent.ID {
			t.Fatalf("agent_id %v", scoped.AgentID)
		}
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, `{"url":"https://hooks.example.com/a","events":["*"],"agent_id":"agt_missing"}`), dialtone.CodeAgentNotFound, "agent_id")

		otherOrg, other := env.Org(t, "Other")
		otherAgent := decode[dialtone.Agent](t, call(t, env, "POST", "/v1/agents", other, `{"name":"Theirs"}`).Raw)
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, fmt.Sprintf(`{"url":"https://hooks.example.com/a","events":["*"],"agent_id":%q}`, otherAgent.ID)), dialtone.CodeAgentNotFound, "agent_id")

		// Another organization sees none of ours, and cannot change them.
		if l := decode[dialtone.List[dialtone.WebhookEndpoint]](t, call(t, env, "GET", "/v1/webhook-endpoints", other, "").Raw); len(l.Data) != 0 {
			t.Fatalf("foreign list %+v", l.Data)
		}
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/v1/webhook-endpoints/" + scoped.ID, ""},
			{"PATCH", "/v1/webhook-endpoints/" + scoped.ID, `{"url":"https://evil.example.com/"}`},
			{"PATCH", "/v1/webhook-endpoints/" + scoped.ID, `{"url":"https://127.0.0.1/"}`},
			{"POST", "/v1/webhook-endpoints/" + scoped.ID + "/rotate-secret", ""},
			{"DELETE", "/v1/webhook-endpoints/" + scoped.ID, ""},
		} {
			wantError(t, env, call(t, env, req.method, req.path, other, req.body), dialtone.CodeWebhookEndpointNotFound, "")
		}
		wantError(t, env, call(t, env, "GET", "/v1/webhook-endpoints?starting_after="+scoped.ID, other, ""), dialtone.CodeInvalidCursor, "")
		if _, err := env.Services.WebhookEndpoints.SigningSecrets(t.Context(), otherOrg, scoped.ID); !dialtone.HasCode(err, dialtone.CodeWebhookEndpointNotFound) {
			t.Errorf("SigningSecrets of another organization: %v", err)
		}

		// Roles: read may list, only write may change.
		reader := env.Key(t, env.OrgID, dialtone.RoleRead, false)
		mustStatus(t, call(t, env, "GET", "/v1/webhook-endpoints", reader, ""), http.StatusOK)
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", reader, webhookBody), dialtone.CodeInsufficientPermissions, "")
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints/"+scoped.ID+"/rotate-secret", reader, ""), dialtone.CodeInsufficientPermissions, "")
	})
}
