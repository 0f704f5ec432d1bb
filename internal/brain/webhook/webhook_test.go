package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/webhook"
	signing "github.com/dialtonehq/dialtone/internal/webhook"
)

const secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// server answers each request with handle, after checking its signature and decoding it.
func server(t *testing.T, handle func(w http.ResponseWriter, req webhook.Request)) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !signing.Verify(r.Header, signing.Key(secret), body, time.Now(), 5*time.Minute) ||
			!strings.HasPrefix(r.Header.Get(signing.HeaderID), "msg_") || r.Header.Get("User-Agent") != "Dialtone/test" {
			t.Errorf("unsigned or mislabelled request: %v", r.Header)
			w.WriteHeader(401)
			return
		}
		var req webhook.Request
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("body: %v", err)
		}
		handle(w, req)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func newBrain(t *testing.T, url string, timeout int) *webhook.Brain {
	t.Helper()
	b, err := webhook.New(dialtone.Agent{ID: "agt_1", Name: "Desk", Brain: dialtone.Brain{Type: dialtone.BrainWebhook, URL: url, TimeoutSeconds: timeout}},
		secret, "test", http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reply(t *testing.T, b *webhook.Brain, turn dialtone.BrainTurn) ([]dialtone.BrainOutput, error) {
	var out []dialtone.BrainOutput
	err := b.Reply(t.Context(), turn, func(o dialtone.BrainOutput) error { out = append(out, o); return nil })
	return out, err
}

func TestJSONAnswer(t *testing.T) {
	var got webhook.Request
	ts := server(t, func(w http.ResponseWriter, req webhook.Request) {
		got = req
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"text":"Your order ships today.","hangup":true}`)
	})
	out, err := reply(t, newBrain(t, ts.URL, 0), dialtone.BrainTurn{Call: dialtone.Call{ID: "call_1"}, Text: "Where is my order?", Digits: "5",
		History: []dialtone.Utterance{{Speaker: dialtone.SpeakerAgent, Text: "Hello."}}})
	if err != nil || !slices.Equal(out, []dialtone.BrainOutput{{Text: "Your order ships today.", Action: dialtone.ActionEndCall}}) {
		t.Fatalf("out %+v, %v", out, err)
	}
	if got.Type != "call.turn" || got.Call.ID != "call_1" || got.Agent.ID != "agt_1" || got.Turn.Text != "Where is my order?" ||
		got.Turn.Digits != "5" || len(got.History) != 1 {
		t.Fatalf("request %+v", got)
	}
}

// TestTextTurn: a turn of a text conversation goes out as message.turn with the conversation
// (its metadata is the state) and no call.
func TestTextTurn(t *testing.T) {
	var raw map[string]any
	var got webhook.Request
	ts := server(t, func(w http.ResponseWriter, req webhook.Request) {
		got = req
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"text":"We open at nine."}`)
	})
	conv := &dialtone.SMSConversation{ID: "conv_1", Object: "conversation", ParticipantNumber: "+14155550123",
		Metadata: map[string]string{"tier": "gold"}}
	out, err := reply(t, newBrain(t, ts.URL, 0), dialtone.BrainTurn{Conversation: conv, Text: "When do you open?"})
	if err != nil || len(out) != 1 || out[0].Text != "We open at nine." {
		t.Fatalf("out %+v, %v", out, err)
	}
	if got.Type != "message.turn" || got.Call != nil || got.Conversation == nil || got.Conversation.ID != "conv_1" ||
		got.Conversation.Metadata["tier"] != "gold" || got.Turn.Text != "When do you open?" {
		t.Fatalf("request %+v", got)
	}
	body, _ := json.Marshal(got)
	if err := json.Unmarshal(body, &raw); err != nil || raw["call"] != nil {
		t.Errorf("a text turn carries a call: %s", body)
	}
}

func TestStreamedAnswer(t *testing.T) {
	release := make(chan struct{})
	ts := server(t, func(w http.ResponseWriter, _ webhook.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"text":"Let me check that.","interim":true}`+"\n")
		w.(http.Flusher).Flush()
		<-release // the interim line must be spoken before the server finishes
		io.WriteString(w, "\n"+`{"text":"Transferring you now.","transfer_to":"+14155550199"}`+"\n")
	})
	var out []dialtone.BrainOutput
	err := newBrain(t, ts.URL, 0).Reply(t.Context(), dialtone.BrainTurn{Text: "billing"}, func(o dialtone.BrainOutput) error {
		out = append(out, o)
		if len(out) == 1 {
			close(release)
		}
		return nil
	})
	want := []dialtone.BrainOutput{{Text: "Let me check that.", Flush: true}, {Text: "Transferring you now.", Action: dialtone.ActionTransfer, TransferTo: "+14155550199"}}
	if err != nil || !slices.Equal(out, want) {
		t.Fatalf("out %+v, %v", out, err)
	}
}

func TestTimeoutKeepsWhatWasSaid(t *testing.T) {
	done := make(chan struct{})
	ts := server(t, func(w http.ResponseWriter, _ webhook.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"text":"One moment.","interim":true}`+"\n")
		w.(http.Flusher).Flush()
		<-done // never finishes in time
	})
	t.Cleanup(func() { close(done) }) // runs before the server's Close, which waits for this handler
	out, err := reply(t, newBrain(t, ts.URL, 1), dialtone.BrainTurn{Text: "hi"})
	if !errors.Is(err, context.DeadlineExceeded) || !slices.Equal(out, []dialtone.BrainOutput{{Text: "One moment.", Flush: true}}) {
		t.Fatalf("out %+v, %v", out, err)
	}
}

func TestBadAnswers(t *testing.T) {
	for name, c := range map[string]struct {
		status      int
		contentType string
		body        string
	}{
		"server error":    {500, "application/json", `{"text":"x"}`},
		"html":            {200, "text/html", "<p>hi</p>"},
		"broken json":     {200, "application/json", `{"text":`},
		"broken line":     {200, "application/x-ndjson", `{"text":"a","interim":true}` + "\n{oops}\n"},
		"bad digits":      {200, "application/json", `{"digits":"12; drop"}`},
		"too long":        {200, "application/json", `{"text":"` + strings.Repeat("a", webhook.MaxResponseBytes) + `"}`},
		"too long ndjson": {200, "application/x-ndjson", `{"text":"` + strings.Repeat("a", webhook.MaxResponseBytes) + `"}` + "\n"},
	} {
		ts := server(t, func(w http.ResponseWriter, _ webhook.Request) {
			w.Header().Set("Content-Type", c.contentType)
			w.WriteHeader(c.status)
			io.WriteString(w, c.body)
		})
		_, err := reply(t, newBrain(t, ts.URL, 0), dialtone.BrainTurn{Text: "hi"})
		var se *webhook.ServerError
		if !errors.As(err, &se) || se.Status != c.status {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An empty JSON answer says nothing and is not an error.
	ts := server(t, func(w http.ResponseWriter, _ webhook.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	if out, err := reply(t, newBrain(t, ts.URL, 0), dialtone.BrainTurn{Text: "hi"}); err != nil || len(out) != 0 {
		t.Fatalf("empty answer: %+v, %v", out, err)
	}
}
