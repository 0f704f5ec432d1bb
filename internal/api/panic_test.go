package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicBecomesInternalError serves a route that panics: the client gets the 500 envelope
// with a request id and no cause; the log gets the cause with the same request id.
func TestPanicBecomesInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := New(Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h := s.wrap(route{Route: Route{Path: "/boom", Public: true}, handle: func(http.ResponseWriter, *http.Request) error {
		panic("secret detail")
	}})
	ts := httptest.NewServer(h)
	defer ts.Close()
	res, err := http.Post(ts.URL+"/boom", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body struct {
		Error struct {
			Code      string `json:"code"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 500 || body.Error.Code != "internal_error" || strings.Contains(string(raw), "secret detail") {
		t.Fatalf("%d %s", res.StatusCode, raw)
	}
	rid := res.Header.Get("X-Request-Id")
	if body.Error.RequestID != rid || !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), rid) {
		t.Fatalf("log %s", logs.String())
	}
}
