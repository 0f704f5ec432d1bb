package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// snapshot is everything the API can write, so a test can assert a request changed nothing.
func snapshot(t *testing.T, env *apitest.Env, orgs ...string) string {
	t.Helper()
	ctx := context.Background()
	keys, _, err := env.Store.ListKeys(ctx, "", dialtone.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := jsonOf(keys)
	for _, org := range orgs {
		agents, _, err := env.Store.ListAgents(ctx, org, dialtone.AgentFilter{}, dialtone.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		nums, _, err := env.Store.ListPhoneNumbers(ctx, org, dialtone.PhoneNumberFilter{}, dialtone.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		cfg, found, err := env.Store.GetTelephonyConfig(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		out += jsonOf(agents) + jsonOf(nums) + jsonOf(cfg) + jsonOf(found)
	}
	return out
}

// TestBadInputChangesNothing sends bad input of every kind to every endpoint that writes and
// asserts a catalogued error and an unchanged database.
func TestBadInputChangesNothing(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{ReadsPerMinute: 100000, WritesPerMinute: 100000})
	readKey := env.Key(t, env.OrgID, dialtone.RoleRead, false)
	revoked := env.Key(t, env.OrgID, dialtone.RoleAdmin, false)
	revokedID, _, _ := strings.Cut(revoked, ":")
	keyID, _, _ := strings.Cut(env.Admin, ":")
	mustStatus(t, call(t, env, "DELETE", "/v1/keys/"+revokedID, env.Admin, ""), 200)
	operator := env.Key(t, env.OrgID, dialtone.RoleAdmin, true)
	agent := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"keep me"}`)
	mustStatus(t, agent, 201)
	agentID := agent.JSON["id"].(string)
	number := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"agent_id":"`+agentID+`"}`)
	mustStatus(t, number, 201)
	numberID := number.JSON["id"].(string)
	// A config other than the default, so that bad input resetting it would show.
	mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin,
		`{"allowed_countries":["US","GB"],"allowed_prefixes":["+1212"],"block_premium_rate":false}`), 200)
	spare := env.Key(t, env.OrgID, dialtone.RoleWrite, false)
	spareID, _, _ := strings.Cut(spare, ":")

	endpoints := []struct{ method, path string }{
		{"POST", "/v1/agents"},
		{"PATCH", "/v1/agents/" + agentID},
		{"DELETE", "/v1/agents/" + agentID},
		{"POST", "/v1/phone-numbers"},
		{"PATCH", "/v1/phone-numbers/" + numberID},
		{"DELETE", "/v1/phone-numbers/" + numberID},
		{"PUT", "/v1/telephony-config"},
		{"POST", "/v1/keys"},
		{"DELETE", "/v1/keys/" + spareID},
		{"POST", "/v1/keys/" + spareID + "/rotate"},
		{"POST", "/v1/organizations"},
	}
	bodies := []struct {
		name, body string
		headers    []string
		codes      []dialtone.Code
	}{
		{"malformed json", `{"name":"x",`, nil, []dialtone.Code{dialtone.CodeInvalidJSON}},
		{"wrong types", `{"name":1,"role":true,"system_prompt":[]}`, nil, []dialtone.Code{dialtone.CodeInvalidType, dialtone.CodeUnknownField}},
		{"unknown field", `{"nme":"x"}`, nil, []dialtone.Code{dialtone.CodeUnknownField}},
		{"oversized", `{"name":"` + strings.Repeat("x", 1<<20+10) + `"}`, nil, []dialtone.Code{dialtone.CodeBodyTooLarge}},
		{"wrong content type", `{"name":"x"}`, []string{"Content-Type", "text/csv"}, []dialtone.Code{dialtone.CodeUnsupportedMediaType}},
	}
	creds := []struct {
		name, cred string
		code       dialtone.Code
	}{
		{"missing", "", dialtone.CodeMissingAPIKey},
		{"empty bearer", " ", dialtone.CodeMissingAPIKey},
		{"partial", keyID, dialtone.CodeKeySecretRequired},
		{"partial with colon", keyID + ":", dialtone.CodeKeySecretRequired},
		{"garbage", "hello", dialtone.CodeInvalidAPIKey},
		{"revoked", revoked, dialtone.CodeInvalidAPIKey},
		{"read key", readKey, dialtone.CodeInsufficientPermissions},
	}
	orgs := []string{env.OrgID}
	before := snapshot(t, env, orgs...)
	for _, ep := range endpoints {
		for _, b := range bodies {
			if ep.method == "DELETE" {
				continue // deletes take no body
			}
			t.Run(ep.method+" "+ep.path+" "+b.name, func(t *testing.T) {
				cred := env.Admin
				if ep.path == "/v1/organizations" {
					cred = operator
				}
				r := call(t, env, ep.method, ep.path, cred, b.body, b.headers...)
				e := r.err(t)
				if !dialtone.Code(e.Code).Catalogued() || r.Status < 400 || r.Status >= 500 {
					t.Fatalf("got %d %s: %s", r.Status, e.Code, r.Raw)
				}
				if !containsCode(b.codes, dialtone.Code(e.Code)) {
					t.Fatalf("code %s, want one of %v: %s", e.Code, b.codes, r.Raw)
				}
			})
		}
		for _, c := range creds {
			t.Run(ep.method+" "+ep.path+" credential "+c.name, func(t *testing.T) {
				r := call(t, env, ep.method, ep.path, c.cred, `{"name":"x"}`)
				want := c.code
				if want == dialtone.CodeInsufficientPermissions && ep.path == "/v1/organizations" {
					want = dialtone.CodeOperatorRequired
				}
				if e := r.err(t); dialtone.Code(e.Code) != want {
					t.Fatalf("code %s, want %s", e.Code, want)
				}
			})
		}
	}
	if after := snapshot(t, env, orgs...); after != before {
		t.Fatalf("bad input changed the database:\nbefore %s\nafter  %s", before, after)
	}
}

func containsCode(codes []dialtone.Code, c dialtone.Code) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}
