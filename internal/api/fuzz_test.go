package api

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// FuzzDecodeAgentBody feeds arbitrary bodies through decoding and validation: it must never
// panic, and every problem must be a catalogued error.
func FuzzDecodeAgentBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"name":"a"}`, `{"name":5}`, `{"name":"a","name":"b"}`, `[1,2]`, `{"name":`,
		`{"voicemail":{"action":"leave_message","extra":1}}`, `{"brain":{"type":7}}`,
		`{"transfer_numbers":["+14155550123","x"],"metadata":{"k":"v"}}`, `{"a":1} {"b":2}`,
		`{"max_call_duration_seconds":1e400}`, "{\"name\":\"\xff\"}", `{"metadata":null,"voice":null}`,
	} {
		f.Add([]byte(seed))
	}
	agents := core.New(nil, sandbox.Voices{}, core.Options{}).Agents
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) == 0 {
			raw = nil
		}
		var params dialtone.AgentParams
		b, bad, err := decodeObject(raw, &params)
		if err != nil {
			if !dialtone.AsError(err).Code.Catalogued() {
				t.Fatalf("uncatalogued error %v", err)
			}
			return
		}
		all := b.merge(append(bad, dialtone.FieldError{Field: "x", Code: dialtone.CodeInvalidValue, Message: "x"}), agents.Validate(context.Background(), params, false))
		for _, fe := range dialtone.AsError(all).Fields {
			if !fe.Code.Catalogued() || fe.Message == "" {
				t.Fatalf("bad field error %+v", fe)
			}
		}
	})
}

// FuzzAuthorizationHeader: no header value may panic, or authenticate without a real key.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, seed := range []string{"", "Bearer", "Bearer key_abc", "Bearer key_abc:", "Basic x", "Bearer :dts_",
		"Bearer key_abc:dts_0123456789012345678901234567890123456789012", "bearer   key_x:y:z"} {
		f.Add(seed)
	}
	s := New(Options{Services: core.New(sqltest.Open(f, "sqlite"), sandbox.Voices{}, core.Options{})})
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/v1/agents", nil)
		r.Header.Set("Authorization", header)
		if _, err := s.authenticate(r); err == nil {
			t.Fatalf("authenticated %q", header)
		} else if c := dialtone.AsError(err).Code; c != dialtone.CodeMissingAPIKey && c != dialtone.CodeInvalidAPIKey && c != dialtone.CodeKeySecretRequired {
			t.Fatalf("%q gave %v", header, err)
		}
	})
}
