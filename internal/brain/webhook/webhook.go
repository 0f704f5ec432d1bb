// Package webhook is the brain that asks the user's own server for each reply: Dialtone POSTs
// the caller's turn (signed, Standard Webhooks style) and the server answers with JSON, or with
// newline-delimited JSON whose "interim" lines are spoken at once while the turn stays open.
package webhook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
	signing "github.com/dialtonehq/dialtone/internal/webhook"
)

// MaxResponseBytes is the most of an answer's body that is read; beyond it the answer is an
// error.
const MaxResponseBytes = 64 << 10

// Request is what the user's server receives for each caller turn: of a call ("call.turn",
// with call) or of a text conversation ("message.turn", with conversation, whose metadata is
// the conversation's state).
type Request struct {
	Type         string                    `json:"type"`
	Call         *dialtone.Call            `json:"call,omitempty"`
	Conversation *dialtone.SMSConversation `json:"conversation,omitempty"`
	Agent        RequestAgent              `json:"agent"`
	Turn         RequestTurn               `json:"turn"`
	History      []dialtone.Utterance      `json:"history"` // the conversation before this turn, oldest first
}

// RequestAgent names the agent the call belongs to.
type RequestAgent struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RequestTurn is what the caller just said and pressed.
type RequestTurn struct {
	Text   string `json:"text"`
	Digits string `json:"digits"`
}

// Answer is the server's answer, or one line of a streamed answer.
type Answer struct {
	Text       string `json:"text"`
	Interim    bool   `json:"interim"`     // NDJSON only: speak now, more follows
	Hangup     bool   `json:"hangup"`      // end the call after speaking
	TransferTo string `json:"transfer_to"` // E.164: transfer after speaking
	Digits     string `json:"digits"`      // press these keys after speaking
}

// Brain asks one server for an agent's replies. It is safe for concurrent use.
type Brain struct {
	url     string
	key     []byte
	timeout time.Duration
	agent   RequestAgent
	client  *http.Client
	ua      string
	now     func() time.Time
}

var _ dialtone.Responder = (*Brain)(nil)

// New returns the webhook brain of agent a (brain type webhook), signing with secret (the
// opened brain secret), sending through client as User-Agent "Dialtone/<version>".
func New(a dialtone.Agent, secret, version string, client *http.Client) (*Brain, error) {
	if a.Brain.Type != dialtone.BrainWebhook {
		return nil, fmt.Errorf("webhook brain: agent %s has a %s brain", a.ID, a.Brain.Type)
	}
	timeout := time.Duration(a.Brain.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = dialtone.DefaultBrainTimeoutSeconds * time.Second
	}
	return &Brain{url: a.Brain.URL, key: signing.Key(secret), timeout: timeout, agent: RequestAgent{ID: a.ID, Name: a.Name},
		client: client, ua: "Dialtone/" + version, now: time.Now}, nil
}

// ServerError is an answer that is not a usable reply: a non-2xx status, a content type other
// than JSON or NDJSON, or a body that does not parse.
type ServerError struct {
	Status int
	Reason string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("webhook brain: the server answered %d: %s", e.Status, e.Reason)
}

// Reply POSTs turn to the server and emits its answer: a JSON answer as one piece; an NDJSON
// answer line by line, each line's text as soon as it arrives. The last (non-interim) answer's
// action comes with its text: transfer_to, else digits, else hangup. The whole exchange has the
// brain's timeout; interim text already emitted stays spoken when it passes. Errors:
// *ServerError, the timeout (context.DeadlineExceeded), network errors, or emit's.
func (b *Brain) Reply(ctx context.Context, turn dialtone.BrainTurn, emit func(dialtone.BrainOutput) error) error {
	history := turn.History
	if history == nil {
		history = []dialtone.Utterance{}
	}
	payload := Request{Type: "call.turn", Call: &turn.Call, Agent: b.agent,
		Turn: RequestTurn{Text: turn.Text, Digits: turn.Digits}, History: history}
	if turn.Conversation != nil {
		payload.Type, payload.Call, payload.Conversation = "message.turn", nil, turn.Conversation
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("webhook brain: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook brain: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, application/x-ndjson")
	req.Header.Set("User-Agent", b.ua)
	signing.Sign(req.Header, b.key, dialtone.NewID("msg"), b.now(), body)
	res, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook brain: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return &ServerError{Status: res.StatusCode, Reason: "not a 2xx status"}
	}
	limited := &limitReader{r: res.Body, n: MaxResponseBytes}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var a Answer
		if err := json.NewDecoder(limited).Decode(&a); err != nil {
			return b.bodyError(res.StatusCode, limited, err)
		}
		return emitFinal(a, emit)
	case "application/x-ndjson", "application/jsonl", "application/json-seq":
		return b.stream(res.StatusCode, limited, emit)
	}
	return &ServerError{Status: res.StatusCode, Reason: fmt.Sprintf("content type %q is neither application/json nor application/x-ndjson", mt)}
}

// stream emits an NDJSON answer line by line; the first line without "interim" ends it.
func (b *Brain) stream(status int, r *limitReader, emit func(dialtone.BrainOutput) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4<<10), MaxResponseBytes)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a Answer
		if err := json.Unmarshal(line, &a); err != nil {
			return b.bodyError(status, r, err)
		}
		if !a.Interim {
			return emitFinal(a, emit)
		}
		if a.Text != "" {
			if err := emit(dialtone.BrainOutput{Text: a.Text, Flush: true}); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return b.bodyError(status, r, err)
	}
	return nil // the stream ended after interim lines only: the turn is what was said
}

func (b *Brain) bodyError(status int, r *limitReader, err error) error {
	if r.n <= 0 {
		return &ServerError{Status: status, Reason: fmt.Sprintf("the answer is longer than %d bytes", MaxResponseBytes)}
	}
	var netErr interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return fmt.Errorf("webhook brain: %w", context.DeadlineExceeded)
	}
	return &ServerError{Status: status, Reason: "the answer does not parse: " + err.Error()}
}

// emitFinal emits the last answer of a turn with its action.
func emitFinal(a Answer, emit func(dialtone.BrainOutput) error) error {
	out := dialtone.BrainOutput{Text: a.Text}
	switch {
	case a.TransferTo != "":
		out.Action, out.TransferTo = dialtone.ActionTransfer, a.TransferTo
	case a.Digits != "":
		if len(a.Digits) > dialtone.MaxDTMFDigits || strings.Trim(a.Digits, dialtone.DTMFDigits) != "" {
			return &ServerError{Status: http.StatusOK, Reason: fmt.Sprintf("digits %q: only %s, at most %d", a.Digits, dialtone.DTMFDigits, dialtone.MaxDTMFDigits)}
		}
		out.Action, out.Digits = dialtone.ActionPressDigits, a.Digits
	case a.Hangup:
		out.Action = dialtone.ActionEndCall
	}
	if out.Text == "" && out.Action == "" {
		return nil
	}
	return emit(out)
}

// limitReader reads at most n bytes, then fails, so an oversized answer is an error rather
// than a silently truncated reply.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("answer too long")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
