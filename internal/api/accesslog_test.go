package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// TestAccessLogNamesTheKey: the access log line of an authenticated request names its key
// (never its secret).
func TestAccessLogNamesTheKey(t *testing.T) {
	var logs bytes.Buffer
	svc := core.New(sqltest.Open(t, "sqlite"), sandbox.Voices{}, core.Options{})
	key, _, err := svc.Organizations.Bootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(Options{Services: svc, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/v1/agents", nil)
	req.Header.Set("Authorization", "Bearer "+key.Credential)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var line struct {
		Status int    `json:"status"`
		KeyID  string `json:"key_id"`
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, logs.String())
	}
	id, secret, _ := strings.Cut(key.Credential, ":")
	if line.Status != 200 || line.KeyID != id || strings.Contains(logs.String(), secret) {
		t.Fatalf("log %s", logs.String())
	}
}
