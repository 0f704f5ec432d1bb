package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// FuzzDecodeCallBody feeds arbitrary bodies through decoding and validation of POST /v1/calls:
// it must never panic, and every problem must be a catalogued field error.
func FuzzDecodeCallBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"agent_id":"agt_x","to_number":"+12125550100"}`, `{"to_number":"212 555 0100"}`,
		`{"to_number":"+1"}`, `{"from_number":12}`, `{"variables":{"":"x"},"metadata":[]}`,
		`{"ring_timeout_seconds":-1}`, `{"ring_timeout_seconds":1e99}`, "{\"instructions\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	calls := core.New(nil, sandbox.Voices{}, core.Options{}).Calls
	f.Fuzz(func(t *testing.T, raw []byte) {
		var params dialtone.CallParams
		b, bad, err := decodeObject(raw, &params)
		if err != nil {
			if !dialtone.AsError(err).Code.Catalogued() {
				t.Fatalf("uncatalogued error %v", err)
			}
			return
		}
		all := b.merge(append(bad, dialtone.FieldError{Field: "x", Code: dialtone.CodeInvalidValue, Message: "x"}), calls.ValidateCreate(params))
		for _, fe := range dialtone.AsError(all).Fields {
			if !fe.Code.Catalogued() || fe.Message == "" {
				t.Fatalf("bad field error %+v", fe)
			}
		}
	})
}

// FuzzCallFilter: no query string may panic the filters of GET /v1/calls or give anything but
// invalid_value on a named parameter.
func FuzzCallFilter(f *testing.F) {
	for _, seed := range []string{"", "status=queued", "status=x&direction=y", "created_after=2026-11-23T09:00:00Z",
		"created_before=yesterday", "created_after=%zz", "agent_id=agt_1&phone_number_id=num_2", "status=&direction="} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r := &http.Request{URL: &url.URL{RawQuery: query}}
		if _, err := callFilter(r); err != nil {
			e := dialtone.AsError(err)
			if e.Code != dialtone.CodeInvalidValue || e.Param == "" || len(e.Fields) == 0 {
				t.Fatalf("%q gave %+v", query, e)
			}
		}
	})
}
