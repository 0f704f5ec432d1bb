package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// resp is a response read in full.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// apiErr is the decoded error envelope.
type apiErr struct {
	Type      string         `json:"type"`
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Param     string         `json:"param"`
	Details   map[string]any `json:"details"`
	DocURL    string         `json:"doc_url"`
	RequestID string         `json:"request_id"`
}

func (r resp) err(t *testing.T) apiErr {
	t.Helper()
	var env struct {
		Error apiErr `json:"error"`
	}
	if err := json.Unmarshal(r.Raw, &env); err != nil || env.Error.Code == "" {
		t.Fatalf("status %d: not an error envelope: %s", r.Status, r.Raw)
	}
	return env.Error
}

// call sends one request. headers alternate name, value.
func call(t testing.TB, env *apitest.Env, method, path, cred, body string, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	_ = json.Unmarshal(raw, &r.JSON)
	return r
}

// wantError asserts r is the catalogued error code with param, a request id matching the
// header, and a doc_url pointing at this server's error page.
func wantError(t *testing.T, env *apitest.Env, r resp, code dialtone.Code, param string) apiErr {
	t.Helper()
	e := r.err(t)
	entry := code.Entry()
	if e.Code != string(code) || r.Status != entry.Status || e.Type != string(entry.Type) || e.Param != param {
		t.Fatalf("got %d %s/%s param %q, want %d %s/%s param %q; body %s",
			r.Status, e.Type, e.Code, e.Param, entry.Status, entry.Type, code, param, r.Raw)
	}
	if e.RequestID == "" || e.RequestID != r.Header.Get("X-Request-Id") || !strings.HasPrefix(e.RequestID, "req_") {
		t.Fatalf("request_id %q vs X-Request-Id %q", e.RequestID, r.Header.Get("X-Request-Id"))
	}
	if e.DocURL != env.URL+"/docs/errors#"+string(code) {
		t.Fatalf("doc_url %q", e.DocURL)
	}
	if e.Message == "" {
		t.Fatal("empty message")
	}
	return e
}

// fields returns the codes of details.fields as "field:code" strings.
func fields(e apiErr) []string {
	var out []string
	fs, _ := e.Details["fields"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		out = append(out, m["field"].(string)+":"+m["code"].(string))
	}
	return out
}

func eachDialect(t *testing.T, fn func(t *testing.T, env *apitest.Env)) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, apitest.Start(t, d, apitest.Options{})) })
	}
}

func mustStatus(t testing.TB, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
}
