// Package deepgramtest is an in-repo fake of Deepgram's live streaming speech-to-text API
// (the WebSocket at /v1/listen), for tests. It speaks the documented protocol on its own,
// without the client's types:
//   - the upgrade request must carry "Authorization: Token <key>" (otherwise HTTP 401 with a
//     JSON error body, before any upgrade) and the query parameters encoding=mulaw and
//     sample_rate=8000 (channels, when present, 1); otherwise HTTP 400;
//   - binary messages are raw µ-law audio; text messages are {"type":"KeepAlive"},
//     {"type":"CloseStream"} (finish, send Metadata, close normally) and {"type":"Finalize"};
//   - it answers with "SpeechStarted" (vad_events=true), interim "Results" (interim_results=true)
//     and, for each utterance, final "Results" with is_final and speech_final, start and
//     duration in seconds of audio received.
//
// It "recognizes" sandbox tone speech: a sandbox ToneDecoder of the configured register runs
// on the audio, so transcripts are exact. It is not a speech recogniser for human speech.
package deepgramtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// Options configures a fake server.
type Options struct {
	// APIKey is the only key accepted (default "test-deepgram-key").
	APIKey string
	// Register is the sandbox tone register recognised.
	Register sandbox.ToneRegister
	// SplitFinals delivers every utterance of more than one word as two is_final Results, only
	// the second with speech_final, as Deepgram does for long utterances.
	SplitFinals bool
	// DropAfterBytes, when positive, makes the server drop each connection abruptly (no close
	// frame) once it has received at least that many bytes of audio.
	DropAfterBytes int64
	// StallAfterBytes, when positive, makes the server stop reading each connection once it
	// has received at least that many bytes of audio, until the server is closed.
	StallAfterBytes int64
}

// DefaultAPIKey is the key accepted when Options.APIKey is empty.
const DefaultAPIKey = "test-deepgram-key"

// Session is what the fake saw on one connection.
type Session struct {
	Query       url.Values
	AudioBytes  int64
	KeepAlives  int
	Finalizes   int
	CloseStream bool     // a CloseStream message arrived
	Sent        []string // types of the messages sent, in order
	Finals      []string // transcripts of final Results sent, in order
	Errors      []string // protocol violations by the client
	Dropped     bool     // the fake dropped the connection (DropAfterBytes)
	Stalled     bool     // the fake stopped reading (StallAfterBytes)
	Ended       bool     // the connection is over
}

// Stats is a snapshot of the server.
type Stats struct {
	Rejected     int // upgrade requests refused (key or parameters)
	Unauthorized int // of which for the key
	Sessions     []Session
}

// Server is a fake Deepgram streaming endpoint.
type Server struct {
	opts Options
	srv  *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	stats    Stats
	sessions []*Session
}

// NewServer starts a fake Deepgram server; Close it when done.
func NewServer(opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	s := &Server{opts: opts, done: make(chan struct{}), changed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the streaming endpoint, ws://…/v1/listen.
func (s *Server) URL() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/v1/listen" }

// Close stops the server and ends stalled connections.
func (s *Server) Close() {
	close(s.done)
	s.srv.Close()
}

// Stats returns a snapshot.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() Stats {
	st := s.stats
	st.Sessions = make([]Session, len(s.sessions))
	for i, ss := range s.sessions {
		c := *ss
		c.Sent = append([]string(nil), ss.Sent...)
		c.Finals = append([]string(nil), ss.Finals...)
		c.Errors = append([]string(nil), ss.Errors...)
		st.Sessions[i] = c
	}
	return st
}

// Wait returns the first snapshot for which cond holds, or ctx's error with the last snapshot.
func (s *Server) Wait(ctx context.Context, cond func(Stats) bool) (Stats, error) {
	for {
		s.mu.Lock()
		st := s.snapshotLocked()
		ch := s.changed
		s.mu.Unlock()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
}

// update applies f under the lock and signals the change.
func (s *Server) update(f func()) {
	s.mu.Lock()
	f()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"err_code":   code,
		"err_msg":    msg,
		"request_id": newID(),
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/listen" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Token "+s.opts.APIKey {
		s.update(func() { s.stats.Rejected++; s.stats.Unauthorized++ })
		httpError(w, http.StatusUnauthorized, "INVALID_AUTH", "Invalid credentials.")
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("encoding") != "mulaw":
		s.update(func() { s.stats.Rejected++ })
		httpError(w, http.StatusBadRequest, "Bad Request", "this fake only accepts encoding=mulaw")
		return
	case q.Get("sample_rate") != "8000":
		s.update(func() { s.stats.Rejected++ })
		httpError(w, http.StatusBadRequest, "Bad Request", "sample_rate must be 8000 for mulaw here")
		return
	case q.Has("channels") && q.Get("channels") != "1":
		s.update(func() { s.stats.Rejected++ })
		httpError(w, http.StatusBadRequest, "Bad Request", "channels must be 1")
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	sess := &Session{Query: q}
	s.update(func() { s.sessions = append(s.sessions, sess) })
	st := &stream{
		s:         s,
		conn:      conn,
		sess:      sess,
		dec:       sandbox.NewToneDecoder(s.opts.Register),
		requestID: newID(),
		model:     q.Get("model"),
		interim:   q.Get("interim_results") == "true",
		vad:       q.Get("vad_events") == "true",
		sum:       sha256.New(),
	}
	st.run()
	s.update(func() { sess.Ended = true })
}

// stream is the server's side of one connection; one goroutine reads and writes.
type stream struct {
	s         *Server
	conn      *websocket.Conn
	sess      *Session
	dec       *sandbox.ToneDecoder
	requestID string
	model     string
	interim   bool
	vad       bool
	sum       hash.Hash // of the audio received

	samples     int64 // audio received, in samples (= bytes)
	started     bool  // the utterance being received has been noticed
	from        int64 // where it was noticed, in samples
	lastInterim string
	pcm         []int16
}

func (st *stream) run() {
	defer st.conn.CloseNow()
	ctx := context.Background()
	for {
		typ, data, err := st.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			if !st.audio(data) {
				return
			}
			continue
		}
		var m struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(data, &m) != nil {
			st.violation("text message is not JSON")
			continue
		}
		switch m.Type {
		case "KeepAlive":
			st.s.update(func() { st.sess.KeepAlives++ })
		case "Finalize":
			st.s.update(func() { st.sess.Finalizes++ })
			st.flush()
		case "CloseStream":
			st.s.update(func() { st.sess.CloseStream = true })
			st.flush()
			if st.send("Metadata", map[string]any{
				"type":            "Metadata",
				"transaction_key": "deprecated",
				"request_id":      st.requestID,
				"sha256":          hex.EncodeToString(st.sum.Sum(nil)),
				"created":         time.Now().UTC().Format(time.RFC3339Nano),
				"duration":        secs(st.samples),
				"channels":        1,
			}) {
				_ = st.conn.Close(websocket.StatusNormalClosure, "")
			}
			return
		default:
			st.violation("unknown message type " + m.Type)
		}
	}
}

func (st *stream) violation(msg string) {
	st.s.update(func() { st.sess.Errors = append(st.sess.Errors, msg) })
}

// audio processes one binary message; it reports false when the connection must end.
func (st *stream) audio(data []byte) bool {
	_, _ = st.sum.Write(data)
	st.samples += int64(len(data))
	var total int64
	st.s.update(func() { st.sess.AudioBytes += int64(len(data)); total = st.sess.AudioBytes })
	if n := len(data); cap(st.pcm) < n {
		st.pcm = make([]int16, n)
	}
	pcm := st.pcm[:len(data)]
	media.DecodeMulaw(pcm, data)
	st.dec.Write(pcm)
	if !st.results() {
		return false
	}
	if d := st.s.opts.DropAfterBytes; d > 0 && total >= d {
		st.s.update(func() { st.sess.Dropped = true })
		return false // run's deferred CloseNow drops the TCP connection without a close frame
	}
	if d := st.s.opts.StallAfterBytes; d > 0 && total >= d {
		st.s.update(func() { st.sess.Stalled = true })
		<-st.s.done
		return false
	}
	return true
}

// flush finishes the audio received so far, as if followed by silence, and sends its results.
func (st *stream) flush() {
	silence := make([]int16, media.SampleRate/2)
	st.dec.Write(silence)
	st.results()
}

// results sends SpeechStarted, interim and final Results for what the decoder has heard.
func (st *stream) results() bool {
	for {
		u, ok := st.dec.Next()
		if !ok {
			break
		}
		if !st.finals(u) {
			return false
		}
		st.started, st.lastInterim = false, ""
	}
	if !st.dec.Receiving() {
		st.started, st.lastInterim = false, ""
		return true
	}
	if !st.started {
		st.started, st.from = true, st.samples
		if st.vad && !st.send("SpeechStarted", map[string]any{
			"type":      "SpeechStarted",
			"channel":   []int{0, 1},
			"timestamp": secs(st.samples),
		}) {
			return false
		}
	}
	if st.interim {
		p := strings.TrimSpace(strings.ToValidUTF8(string(st.dec.Partial()), ""))
		if p != "" && p != st.lastInterim {
			st.lastInterim = p
			return st.send("Results", st.result(p, st.from, st.samples, false, false))
		}
	}
	return true
}

// finals sends the final Results of one utterance: one piece, or two with SplitFinals.
func (st *stream) finals(u sandbox.ToneUtterance) bool {
	pieces := []string{u.Text}
	if st.s.opts.SplitFinals {
		if i := strings.IndexByte(u.Text[len(u.Text)/2:], ' '); i >= 0 {
			i += len(u.Text) / 2
			pieces = []string{u.Text[:i], u.Text[i+1:]}
		} else if i := strings.LastIndexByte(u.Text, ' '); i >= 0 {
			pieces = []string{u.Text[:i], u.Text[i+1:]}
		}
	}
	start := u.Start
	for k, p := range pieces {
		end := u.End
		if k < len(pieces)-1 {
			end = u.Start + (u.End-u.Start)*int64(len(pieces[0]))/int64(len(u.Text))
		}
		last := k == len(pieces)-1
		if !st.send("Results", st.result(p, start, end, true, last)) {
			return false
		}
		st.s.update(func() { st.sess.Finals = append(st.sess.Finals, p) })
		start = end
	}
	return true
}

// result builds a Results message for text spoken between samples from and to.
func (st *stream) result(text string, from, to int64, final, speechFinal bool) map[string]any {
	words := strings.Fields(text)
	ws := make([]map[string]any, len(words))
	for i, w := range words {
		a := from + (to-from)*int64(i)/int64(len(words))
		b := from + (to-from)*int64(i+1)/int64(len(words))
		ws[i] = map[string]any{
			"word": strings.ToLower(w), "punctuated_word": w,
			"start": secs(a), "end": secs(b), "confidence": 1.0,
		}
	}
	return map[string]any{
		"type":          "Results",
		"channel_index": []int{0, 1},
		"start":         secs(from),
		"duration":      secs(to - from),
		"is_final":      final,
		"speech_final":  speechFinal,
		"from_finalize": false,
		"channel": map[string]any{
			"alternatives": []map[string]any{{
				"transcript": text,
				"confidence": 1.0,
				"words":      ws,
			}},
		},
		"metadata": map[string]any{
			"request_id": st.requestID,
			"model_info": map[string]string{"name": st.model, "version": "fake", "arch": "sandbox-tones"},
			"model_uuid": "00000000-0000-0000-0000-000000000000",
		},
	}
}

func (st *stream) send(typ string, msg map[string]any) bool {
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if st.conn.Write(ctx, websocket.MessageText, b) != nil {
		return false
	}
	st.s.update(func() { st.sess.Sent = append(st.sess.Sent, typ) })
	return true
}

func secs(samples int64) float64 { return float64(samples) / media.SampleRate }

var idMu sync.Mutex
var idN uint64

// newID returns a request ID shaped like a UUID, unique within the process.
func newID() string {
	idMu.Lock()
	idN++
	n := idN
	idMu.Unlock()
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
}
