package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestErrorValidationListsEveryField(t *testing.T) {
	env, c := start(t, "sqlite")
	_, err := c.Agents.Create(context.Background(), dialtone.AgentParams{
		Name:               dialtone.Some(strings.Repeat("n", dialtone.MaxAgentNameLen+1)),
		Language:           dialtone.Some("xx-YY"),
		RingTimeoutSeconds: dialtone.Some(1),
	})
	var e *client.Error
	if !asError(err, &e) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if e.StatusCode != http.StatusBadRequest || e.Type != dialtone.TypeInvalidRequest ||
		e.Code != dialtone.CodeValueTooLong || e.Param != "name" || e.Message == "" {
		t.Errorf("error = %+v", e)
	}
	if !strings.HasPrefix(e.RequestID, "req_") {
		t.Errorf("request_id = %q", e.RequestID)
	}
	if e.DocURL != env.URL+"/docs/errors#value_too_long" {
		t.Errorf("doc_url = %q", e.DocURL)
	}
	want := []struct {
		field string
		code  dialtone.Code
	}{{"name", dialtone.CodeValueTooLong}, {"language", dialtone.CodeInvalidLanguage},
		{"ring_timeout_seconds", dialtone.CodeValueOutOfRange}}
	if len(e.Fields) != len(want) {
		t.Fatalf("fields = %+v, want %d", e.Fields, len(want))
	}
	for i, w := range want {
		if f := e.Fields[i]; f.Field != w.field || f.Code != w.code || f.Message == "" {
			t.Errorf("fields[%d] = %+v, want %s %s", i, f, w.field, w.code)
		}
	}
	if _, ok := e.Details["fields"]; !ok {
		t.Errorf("details = %v, want the raw fields kept", e.Details)
	}
	for _, s := range []string{"value_too_long", e.Message, e.RequestID, "400"} {
		if !strings.Contains(e.Error(), s) {
			t.Errorf("Error() = %q, lacks %q", e.Error(), s)
		}
	}
}

func TestErrorAuthentication(t *testing.T) {
	env, _ := start(t, "sqlite")
	ctx := context.Background()
	for _, tc := range []struct {
		credential string
		code       dialtone.Code
	}{
		{"", dialtone.CodeMissingAPIKey},
		{"key_nope:dts_nope", dialtone.CodeInvalidAPIKey},
		{"key_nope", dialtone.CodeKeySecretRequired},
	} {
		_, err := client.New(env.URL, tc.credential).Agents.List(ctx, nil)
		var e *client.Error
		if !asError(err, &e) || e.Code != tc.code || e.StatusCode != http.StatusUnauthorized {
			t.Errorf("credential %q: err = %v, want 401 %s", tc.credential, err, tc.code)
		}
	}
	read := client.New(env.URL, env.Key(t, env.OrgID, dialtone.RoleRead, false))
	if _, err := read.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("x")}); !client.IsCode(err, dialtone.CodeInsufficientPermissions) {
		t.Errorf("read key creates: err = %v, want insufficient_permissions", err)
	}
}

func TestErrorListParameters(t *testing.T) {
	_, c := start(t, "sqlite")
	ctx := context.Background()
	_, err := c.Agents.List(ctx, &client.ListParams{Limit: 101})
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeInvalidValue || e.Param != "limit" {
		t.Errorf("limit 101: err = %v", err)
	}
	_, err = c.Keys.List(ctx, &client.ListParams{Name: "x"})
	if !asError(err, &e) || e.Code != dialtone.CodeUnknownParameter || e.Param != "name" {
		t.Errorf("name on keys: err = %v", err)
	}
}

func TestIsCode(t *testing.T) {
	e := &client.Error{StatusCode: 404, Code: dialtone.CodeAgentNotFound}
	wrapped := fmt.Errorf("loading agent: %w", e)
	switch {
	case !client.IsCode(e, dialtone.CodeAgentNotFound):
		t.Error("IsCode(*Error) = false")
	case !client.IsCode(wrapped, dialtone.CodeAgentNotFound):
		t.Error("IsCode(wrapped) = false")
	case client.IsCode(e, dialtone.CodeKeyNotFound):
		t.Error("IsCode(other code) = true")
	case client.IsCode(nil, dialtone.CodeAgentNotFound):
		t.Error("IsCode(nil) = true")
	case client.IsCode(errors.New("agent_not_found"), dialtone.CodeAgentNotFound):
		t.Error("IsCode(plain error) = true")
	case client.IsCode(dialtone.NewError(dialtone.CodeAgentNotFound, ""), dialtone.CodeAgentNotFound):
		t.Error("IsCode(*dialtone.Error) = true; only answers of the server count")
	}
}

func TestErrorBodyNotEnvelope(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "req_proxy")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
	})
	c := client.New(f.URL, "key_a:dts_b", client.WithMaxRetries(0))
	_, err := c.Agents.Get(context.Background(), "agt_1")
	var e *client.Error
	if !asError(err, &e) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if e.StatusCode != http.StatusBadGateway || e.Code != "" || e.Type != "" || e.Message != "Bad Gateway" ||
		e.RequestID != "req_proxy" {
		t.Errorf("error = %+v", e)
	}
	if got := e.Error(); !strings.Contains(got, "502") || !strings.Contains(got, "Bad Gateway") {
		t.Errorf("Error() = %q", got)
	}
}

func TestRequestHeadersAndBodies(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodPost:
			writeAgent(w, "agt_1")
		case http.MethodDelete:
			_, _ = io.WriteString(w, `{"id":"agt_1","object":"agent","deleted":true}`)
		default:
			_, _ = io.WriteString(w, `{"object":"list","data":[],"has_more":false}`)
		}
	})
	ctx := context.Background()
	c := client.New(f.URL+"/", "key_a:dts_b", client.WithUserAgent("acme-crm/2.1"))
	if _, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("A")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.Update(ctx, "agt_1", dialtone.AgentParams{Name: dialtone.Some("B"), Greeting: dialtone.Null[string]()}); err != nil {
		// The fake answers a list to PATCH, which decodes into an agent without error.
		t.Fatal(err)
	}
	if _, err := c.Agents.List(ctx, &client.ListParams{Limit: 2, StartingAfter: "agt_9", Name: "a b&c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.Delete(ctx, "agt_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Keys.Rotate(ctx, "key_1"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5", len(reqs))
	}
	for _, r := range reqs {
		h := r.Header
		if h.Get("Authorization") != "Bearer key_a:dts_b" || h.Get("Accept") != "application/json" ||
			h.Get("User-Agent") != "acme-crm/2.1 dialtone-go/"+client.Version {
			t.Errorf("%s %s headers = %v", r.Method, r.Path, h)
		}
		hasBody := len(r.Body) > 0
		if ct := h.Get("Content-Type"); hasBody != (ct == "application/json") {
			t.Errorf("%s %s: body %q with Content-Type %q", r.Method, r.Path, r.Body, ct)
		}
		if key := h.Get("Idempotency-Key"); (r.Method == http.MethodPost) != (key != "") {
			t.Errorf("%s %s: Idempotency-Key %q", r.Method, r.Path, key)
		}
	}
	if reqs[0].Path != "/v1/agents" || string(reqs[0].Body) != `{"name":"A"}` || !isUUIDv4(reqs[0].Header.Get("Idempotency-Key")) {
		t.Errorf("create: %s %s key %q", reqs[0].Path, reqs[0].Body, reqs[0].Header.Get("Idempotency-Key"))
	}
	if reqs[1].Method != http.MethodPatch || reqs[1].Path != "/v1/agents/agt_1" || string(reqs[1].Body) != `{"name":"B","greeting":null}` {
		t.Errorf("update: %s %s %s", reqs[1].Method, reqs[1].Path, reqs[1].Body)
	}
	if reqs[2].Query != "limit=2&name=a+b%26c&starting_after=agt_9" {
		t.Errorf("list query = %q", reqs[2].Query)
	}
	if reqs[4].Path != "/v1/keys/key_1/rotate" || len(reqs[4].Body) != 0 {
		t.Errorf("rotate: %s %q", reqs[4].Path, reqs[4].Body)
	}
	if reqs[0].Header.Get("Idempotency-Key") == reqs[4].Header.Get("Idempotency-Key") {
		t.Error("two calls shared an Idempotency-Key")
	}
}

func isUUIDv4(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || s[14] != '4' {
		return false
	}
	return strings.ContainsRune("89ab", rune(s[19])) && strings.Trim(s, "0123456789abcdef-") == ""
}
