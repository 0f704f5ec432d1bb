package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/secretbox"
)

func TestScriptedBrainSettings(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"IVR","transfer_numbers":["+14155550123"],"brain":{"type":"scripted",
		"rules":[{"match":"opening hours","say":"We are open nine to five."},
		         {"match":"/(?i)\\bsales\\b/","say":"Putting you through.","action":"transfer"},
		         {"match":"menu","action":"press_digits","digits":"1w2#"},
		         {"match":"bye","say":"Goodbye!","action":"end_call"}],
		"fallback":"Sorry, I did not catch that."}}`)
	mustStatus(t, r, 201)
	a := decode[dialtone.Agent](t, r.Raw)
	if len(a.Brain.Rules) != 4 || a.Brain.Rules[1].Action != dialtone.ActionTransfer || a.Brain.Fallback != "Sorry, I did not catch that." {
		t.Fatalf("brain %+v", a.Brain)
	}

	e := wantError(t, env, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Bad","brain":{"type":"scripted",
		"rules":[{"match":""},{"match":"/(/","say":"x"},{"match":"...","say":"x"},{"match":"a","action":"dance"},
		         {"match":"b","action":"press_digits"},{"match":"c","action":"press_digits","digits":"12x"},
		         {"match":"d","say":"x","digits":"1"},{"match":"e","action":"transfer"},
		         {"match":"f","action":"transfer","transfer_to":"555"}],
		"base_url":"https://api.openai.com/v1","fallback":"`+strings.Repeat("f", 1001)+`"}}`), dialtone.CodeFieldRequired, "brain.rules[0].match")
	want := []string{"brain.rules[0].match:field_required", "brain.rules[0].say:field_required",
		"brain.rules[1].match:invalid_value", "brain.rules[2].match:invalid_value", "brain.rules[3].action:invalid_value",
		"brain.rules[4].digits:field_required", "brain.rules[5].digits:invalid_value", "brain.rules[6].digits:invalid_value",
		"brain.rules[8].transfer_to:invalid_phone_format", "brain.base_url:invalid_value", "brain.fallback:value_too_long"}
	got := fields(e)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s in %v", w, got)
		}
	}
	// A transfer rule without transfer_to needs the agent's transfer numbers.
	wantError(t, env, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"NoTransfer","brain":{"type":"scripted",
		"rules":[{"match":"sales","action":"transfer"}]}}`), dialtone.CodeFieldRequired, "brain.rules[0].transfer_to")
	wantError(t, env, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Many","brain":{"type":"scripted","rules":`+
		jsonOf(slices.Repeat([]dialtone.ScriptRule{{Match: "x", Say: "y"}}, 101))+`}}`), dialtone.CodeTooManyItems, "brain.rules")
}

func TestOpenAIBrainKeyIsSealedAndNeverReturned(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		const key = "sk-test-0123456789abcdef"
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"LLM","brain":{"type":"openai","base_url":"http://127.0.0.1:9999/v1","model":"gpt-4o-mini","api_key":"`+key+`","temperature":0.3}}`)
		mustStatus(t, r, 201)
		id := r.JSON["id"].(string)
		check := func(r resp, hint string) {
			t.Helper()
			if strings.Contains(string(r.Raw), "sk-test") || strings.Contains(string(r.Raw), `"api_key"`) {
				t.Fatalf("the key came back: %s", r.Raw)
			}
			if b := decode[dialtone.Agent](t, r.Raw).Brain; b.APIKeyHint != hint || b.Model != "gpt-4o-mini" || b.Temperature == nil || *b.Temperature != 0.3 {
				t.Fatalf("brain %+v", b)
			}
		}
		check(r, "…cdef")
		check(call(t, env, "GET", "/v1/agents/"+id, env.Admin, ""), "…cdef")
		if list := call(t, env, "GET", "/v1/agents", env.Admin, ""); strings.Contains(string(list.Raw), "sk-test") {
			t.Fatalf("the key came back in a list: %s", list.Raw)
		}

		// At rest it is sealed: the row holds no plaintext, and the server's key opens it.
		stored, err := env.Store.GetAgent(t.Context(), env.OrgID, id)
		if err != nil || stored.BrainSecret == "" || strings.Contains(stored.BrainSecret, key) {
			t.Fatalf("stored secret %q, %v", stored.BrainSecret, err)
		}
		box, _ := secretbox.New([]byte("apitest-secret-key-32-bytes-long"))
		if plain, err := box.Open(stored.BrainSecret); err != nil || plain != key {
			t.Fatalf("open: %q, %v", plain, err)
		}

		// Changing the model without a key keeps the key; a new key replaces it; another
		// brain type drops it.
		check(call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"brain":{"type":"openai","base_url":"http://127.0.0.1:9999/v1","model":"gpt-4o-mini","temperature":0.3}}`), "…cdef")
		if again, _ := env.Store.GetAgent(t.Context(), env.OrgID, id); again.BrainSecret != stored.BrainSecret {
			t.Fatal("the stored key changed on an update without a key")
		}
		check(call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"brain":{"type":"openai","base_url":"http://127.0.0.1:9999/v1","model":"gpt-4o-mini","api_key":"sk-test-new-key-9876","temperature":0.3}}`), "…9876")
		p := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"brain":{"type":"scripted","fallback":"Hello."}}`)
		mustStatus(t, p, 200)
		if dropped, _ := env.Store.GetAgent(t.Context(), env.OrgID, id); dropped.BrainSecret != "" || dropped.Brain.APIKeyHint != "" {
			t.Fatalf("secret kept after leaving openai: %+v", dropped.Brain)
		}

		e := wantError(t, env, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Bad","brain":{"type":"openai","base_url":"ftp://x","api_key":"sk bad","temperature":3,"api_key_hint":"…1234","url":"https://x.example"}}`),
			dialtone.CodeInvalidValue, "brain.base_url")
		for _, w := range []string{"brain.url:invalid_value", "brain.api_key_hint:invalid_value", "brain.base_url:invalid_value",
			"brain.model:field_required", "brain.api_key:invalid_value", "brain.temperature:value_out_of_range"} {
			if !slices.Contains(fields(e), w) {
				t.Errorf("missing %s in %v", w, fields(e))
			}
		}
	})
}

func TestWebhookBrainSettings(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	const secret = `,"signing_secret":"whsec_0123456789abcdefghijklmnop"`
	for _, ok := range []string{`"url":"https://brain.example.com/turn"`, `"url":"http://127.0.0.1:8081/turn","timeout_seconds":60`, `"url":"http://localhost/turn","fallback":"One moment."`} {
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"W","brain":{"type":"webhook",`+ok+secret+`}}`)
		mustStatus(t, r, 201)
		if b := decode[dialtone.Agent](t, r.Raw).Brain; b.SigningSecretHint != "…mnop" || strings.Contains(string(r.Raw), "whsec_") {
			t.Fatalf("secret returned or hint missing: %s", r.Raw)
		}
	}
	for _, c := range []struct{ body, field, code string }{
		{`"timeout_seconds":5` + secret, "brain.url", "field_required"},
		{`"url":"https://brain.example.com/"`, "brain.signing_secret", "field_required"},
		{`"url":"https://brain.example.com/","signing_secret":"short"`, "brain.signing_secret", "invalid_value"},
		{`"url":"https://brain.example.com/","signing_secret_hint":"…abcd"` + secret, "brain.signing_secret_hint", "invalid_value"},
		{`"url":"http://brain.example.com/turn"` + secret, "brain.url", "invalid_value"},
		{`"url":"https://user:pw@brain.example.com/"` + secret, "brain.url", "invalid_value"},
		{`"url":"https://brain.example.com/","timeout_seconds":61` + secret, "brain.timeout_seconds", "value_out_of_range"},
		{`"url":"https://brain.example.com/","model":"x"` + secret, "brain.model", "invalid_value"},
	} {
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"W","brain":{"type":"webhook",`+c.body+`}}`)
		if got := fields(r.err(t)); !slices.Contains(got, c.field+":"+c.code) {
			t.Errorf("%s: %v", c.body, got)
		}
	}
	// An update that keeps the webhook brain keeps its secret without resending it.
	r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"W","brain":{"type":"webhook","url":"https://a.example/"`+secret+`}}`)
	id := r.JSON["id"].(string)
	p := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"brain":{"type":"webhook","url":"https://b.example/"}}`)
	mustStatus(t, p, 200)
	if b := decode[dialtone.Agent](t, p.Raw).Brain; b.SigningSecretHint != "…mnop" || b.URL != "https://b.example/" {
		t.Fatalf("after update: %+v", b)
	}
}

func TestAgentTimezone(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Paris","timezone":"Europe/Paris"}`)
	mustStatus(t, r, 201)
	if r.JSON["timezone"] != "Europe/Paris" {
		t.Fatalf("create: %s", r.Raw)
	}
	id := r.JSON["id"].(string)
	if d := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Default"}`); d.JSON["timezone"] != "UTC" {
		t.Fatalf("default: %s", d.Raw)
	}
	wantError(t, env, call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"timezone":"Mars/Olympus"}`), dialtone.CodeInvalidValue, "timezone")
	if p := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"timezone":null}`); p.JSON["timezone"] != "UTC" {
		t.Fatalf("reset: %s", p.Raw)
	}
}
