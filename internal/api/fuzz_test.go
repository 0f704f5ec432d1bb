package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
	carrier "github.com/dialtonehq/dialtone/internal/carrier/sandbox"
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

// FuzzSandboxCallBody posts arbitrary bodies to POST /v1/sandbox/calls through the real
// server over a real database: the answer is 201 with the call, or a catalogued 4xx in the
// error envelope, never a 5xx. The organization's one number has no agent, so every call the
// fuzzer makes fails at once (no_agent): none stays live and nothing piles up.
func FuzzSandboxCallBody(f *testing.F) {
	ctx := context.Background()
	svc := core.New(sqltest.Open(f, "sqlite"), sandbox.Voices{}, core.Options{Carriers: []dialtone.Carrier{&carrier.Carrier{}}})
	key, ok, err := svc.Organizations.Bootstrap(ctx)
	if err != nil || !ok {
		f.Fatalf("bootstrap: ok=%v err=%v", ok, err)
	}
	s := New(Options{Services: svc, Voices: sandbox.Voices{}, ReadsPerMinute: 1 << 30, WritesPerMinute: 1 << 30})
	post := func(path string, body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+key.Credential)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	w := post("/v1/phone-numbers", []byte(`{}`))
	var num dialtone.PhoneNumber
	if err := json.Unmarshal(w.Body.Bytes(), &num); w.Code != 201 || err != nil || num.AgentID != nil {
		f.Fatalf("create number: %d %s", w.Code, w.Body)
	}
	to := `"to":"` + num.Number + `"`
	for _, seed := range []string{
		`{"from":"+14155550123",` + to + `}`,
		`{"from":"+14155550123",` + to + `,"persona":"caller"}`,
		`{"from":"+14155550123",` + to + `,"persona":"keypad"}`,
		`{"from":"+14155550123",` + to + `,"persona":"robot"}`,
		`{"from":"+14155550123",` + to + `,"persona":""}`,
		`{"from":"+14155550123",` + to + `,"persona":null}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":[{"say":"What time do you open?"},{"say":"Thanks, bye","hang_up":true}]}}`,
		`{"from":"+14155550123",` + to + `,"persona":{"name":"Ada","steps":[{"wait":"heard","heard":"press one","press":"1"},{"wait":"none","noise_ms":300}]}}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":[{"wait":"later","press":"x","delay_ms":-5}]}}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":[{"wait":"heard"},{"heard":"hi"},{"noise_ms":1e9}]}}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":[{"say":"hi","shout":true}]}}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":{}}}`,
		`{"from":"+14155550123",` + to + `,"persona":[1]}`,
		`{"from":"+14155550123",` + to + `,"persona":{"steps":[` + strings.TrimSuffix(strings.Repeat(`{},`, dialtone.MaxPersonaSteps+1), ",") + `]}}`,
		`{"from":"+14155550123","to":"+14155550199"}`, `{"from":"415 555 0123",` + to + `}`, `{"to":5}`,
		`{}`, ``, `[]`, `{"from":`, `{"from":"+14155550123",` + to + `} {}`, "{\"from\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := post("/v1/sandbox/calls", body)
		if w.Code == http.StatusCreated {
			var c dialtone.Call
			if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
				t.Fatalf("201 with %s: %v", w.Body, err)
			}
			if c.ToNumber != num.Number || c.Direction != dialtone.CallInbound || c.Status != dialtone.CallFailed ||
				c.EndedReason == nil || *c.EndedReason != dialtone.EndedNoAgent || w.Header().Get("Location") != "/v1/calls/"+c.ID {
				t.Fatalf("%q made call %s (Location %q)", body, w.Body, w.Header().Get("Location"))
			}
			return
		}
		if w.Code < 400 || w.Code > 499 {
			t.Fatalf("%q: status %d: %s", body, w.Code, w.Body)
		}
		var env struct {
			Error *errorObject `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error == nil {
			t.Fatalf("%q: %d is not an error envelope: %s", body, w.Code, w.Body)
		}
		e := env.Error
		entry := e.Code.Entry()
		if !e.Code.Catalogued() || entry.Status != w.Code || entry.Type != e.Type || e.Message == "" ||
			e.DocURL != "/docs/errors#"+string(e.Code) || e.RequestID == "" || e.RequestID != w.Header().Get("X-Request-Id") {
			t.Fatalf("%q: bad error %d %s", body, w.Code, w.Body)
		}
		if fs, ok := e.Details["fields"]; ok {
			list, _ := fs.([]any)
			if len(list) == 0 {
				t.Fatalf("%q: details.fields %v", body, fs)
			}
			for _, x := range list {
				fe, _ := x.(map[string]any)
				field, _ := fe["field"].(string)
				code, _ := fe["code"].(string)
				msg, _ := fe["message"].(string)
				// Only a key of the body itself can be unnamed: {"":1} has the unknown field "".
				keyed := code == string(dialtone.CodeUnknownField) || code == string(dialtone.CodeDuplicateField)
				if field == "" && !keyed || msg == "" || !dialtone.Code(code).Catalogued() {
					t.Fatalf("%q: bad field error %v in %s", body, x, w.Body)
				}
			}
		}
	})
}

// FuzzDecodeMessageBody feeds arbitrary bodies of POST /v1/messages through decoding, validation
// and segment counting: nothing may panic, every problem is a catalogued error, and a valid body
// has one to 49 segments (1,600 characters of emoji at most).
func FuzzDecodeMessageBody(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"to_number":"+14155550123","body":"hi","from_number":"+12125550100"}`,
		`{"to_number":"+14155550123","body":"","agent_id":"agt_1"}`, `{"body":"\ud83d"}`, `{"body":"€€€","metadata":{"":""}}`,
		`{"to_number":5}`, "{\"body\":\"\xff\xfe\"}", `{"body":"` + strings.Repeat("😀", 1601) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	messages := core.New(nil, sandbox.Voices{}, core.Options{}).Messages
	f.Fuzz(func(t *testing.T, raw []byte) {
		var params dialtone.MessageParams
		b, bad, err := decodeObject(raw, &params)
		if err != nil {
			if !dialtone.AsError(err).Code.Catalogued() {
				t.Fatalf("uncatalogued error %v", err)
			}
			return
		}
		all := b.merge(bad, messages.ValidateSend(params))
		if all != nil {
			for _, fe := range dialtone.AsError(all).Fields {
				if !fe.Code.Catalogued() || fe.Message == "" {
					t.Fatalf("bad field error %+v", fe)
				}
			}
		}
		if all == nil && utf8.RuneCountInString(params.Body.Value) <= dialtone.MaxSMSBodyChars {
			if enc, n := dialtone.SMSSegments(params.Body.Value); n < 1 || n > 49 || (enc != dialtone.EncodingGSM7 && enc != dialtone.EncodingUCS2) {
				t.Fatalf("%q: %s, %d segments", params.Body.Value, enc, n)
			}
		}
	})
}
