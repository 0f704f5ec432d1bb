package twiliotest

// Twilio's side of a bidirectional Media Stream (<Connect><Stream>), for tests and
// benchmarks. It speaks the protocol on its own (it does not use the adapter's types), as
// documented at https://www.twilio.com/docs/voice/media-streams/websocket-messages:
// connected, start, media, dtmf, mark, stop to the server; it accepts media, mark and clear.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone"
)

// StreamOptions configures DialStream. Empty SIDs are generated.
type StreamOptions struct {
	AccountSID       string // AC + 32 hex
	CallSID          string // CA + 32 hex
	StreamSID        string // MZ + 32 hex
	CustomParameters map[string]string
	// Header is sent with the WebSocket upgrade (for instance X-Twilio-Signature, which the
	// caller computes).
	Header     http.Header
	HTTPClient *http.Client
	// Continuous makes the caller's side send a media message every 20 ms for the whole
	// stream, as Twilio does: SendAudio's frames when it has some, silence otherwise. By
	// default only what SendAudio and SendMedia send is sent.
	Continuous bool
	// ManualPlayout stops the real-time player: audio received is only "played" when Play is
	// called, which makes mark and clear tests exact. By default one 160-byte frame plays
	// every 20 ms.
	ManualPlayout bool
}

// StreamState is a snapshot of what the fake Twilio saw and played.
type StreamState struct {
	Heard       []dialtone.AudioFrame // agent audio played to the "caller", in order
	Buffered    int                   // bytes of agent audio received and not played yet
	MediaIn     int                   // media messages received
	MarksIn     []string              // marks received, in order
	MarksEchoed []string              // marks echoed back, in order
	Clears      int                   // clear messages received
	Errors      []string              // protocol violations by the server
	Closed      bool                  // the socket is closed
}

// Stream is one fake Twilio Media Stream connected to a server.
type Stream struct {
	conn      *websocket.Conn
	streamSID string
	callSID   string
	account   string
	cancel    context.CancelFunc
	readDone  chan struct{}
	playDone  chan struct{}
	talkDone  chan struct{}
	talking   bool // Continuous: the talker sends SendAudio's frames, from said

	wmu   sync.Mutex // orders writes with their sequence numbers
	seq   int
	chunk int

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of state
	state   StreamState
	pending []byte                // agent audio not played yet
	said    []dialtone.AudioFrame // Continuous: caller frames the talker has yet to send
	saidOut chan struct{}         // closed and replaced whenever said empties
	marks   []pendingMark
	played  int64 // bytes played so far
	recvd   int64 // bytes received so far
}

type pendingMark struct {
	name string
	at   int64 // played position at which it is echoed
}

// DialStream connects to wsURL as Twilio does and sends connected and start.
func DialStream(ctx context.Context, wsURL string, opts StreamOptions) (*Stream, error) {
	if opts.AccountSID == "" {
		opts.AccountSID = NewSID("AC")
	}
	if opts.CallSID == "" {
		opts.CallSID = NewSID("CA")
	}
	if opts.StreamSID == "" {
		opts.StreamSID = NewSID("MZ")
	}
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: opts.Header, HTTPClient: opts.HTTPClient})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Stream{
		conn:      conn,
		streamSID: opts.StreamSID,
		callSID:   opts.CallSID,
		account:   opts.AccountSID,
		cancel:    cancel,
		readDone:  make(chan struct{}),
		playDone:  make(chan struct{}),
		talkDone:  make(chan struct{}),
		changed:   make(chan struct{}),
	}
	params := opts.CustomParameters
	if params == nil {
		params = map[string]string{}
	}
	if err := s.send(ctx, map[string]any{"event": "connected", "protocol": "Call", "version": "1.0.0"}, false); err != nil {
		conn.CloseNow()
		cancel()
		return nil, err
	}
	start := map[string]any{
		"event": "start",
		"start": map[string]any{
			"streamSid":        s.streamSID,
			"accountSid":       s.account,
			"callSid":          s.callSID,
			"tracks":           []string{"inbound"},
			"customParameters": params,
			"mediaFormat":      map[string]any{"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
		},
		"streamSid": s.streamSID,
	}
	if err := s.send(ctx, start, true); err != nil {
		conn.CloseNow()
		cancel()
		return nil, err
	}
	go s.read()
	if opts.Continuous {
		s.talking, s.saidOut = true, make(chan struct{})
		go s.talker(sctx)
	} else {
		close(s.talkDone)
	}
	if opts.ManualPlayout {
		close(s.playDone)
	} else {
		go s.playout(sctx)
	}
	return s, nil
}

// NewSID returns prefix followed by 32 random lowercase hex digits, the shape of Twilio SIDs.
func NewSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// StreamSID returns the stream SID sent in start.
func (s *Stream) StreamSID() string { return s.streamSID }

// CallSID returns the call SID sent in start.
func (s *Stream) CallSID() string { return s.callSID }

// AccountSID returns the account SID sent in start.
func (s *Stream) AccountSID() string { return s.account }

// send writes msg; with seq it first sets its sequenceNumber (a string, counting from "1").
func (s *Stream) send(ctx context.Context, msg map[string]any, seq bool) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if seq {
		s.seq++
		msg["sequenceNumber"] = strconv.Itoa(s.seq)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// SendMedia sends one media message carrying payload (raw µ-law, any length) at once.
func (s *Stream) SendMedia(ctx context.Context, payload []byte) error {
	s.wmu.Lock()
	s.chunk++
	chunk := s.chunk
	s.wmu.Unlock()
	return s.send(ctx, map[string]any{
		"event": "media",
		"media": map[string]any{
			"track":     "inbound",
			"chunk":     strconv.Itoa(chunk),
			"timestamp": strconv.Itoa((chunk - 1) * 20),
			"payload":   base64.StdEncoding.EncodeToString(payload),
		},
		"streamSid": s.streamSID,
	}, true)
}

// silentFrame is 20 ms of µ-law silence.
var silentFrame = func() (f dialtone.AudioFrame) {
	for i := range f {
		f[i] = 0xFF
	}
	return f
}()

// talker sends a media message every 20 ms until ctx ends: the next frame SendAudio queued,
// or silence.
func (s *Stream) talker(ctx context.Context) {
	defer close(s.talkDone)
	everyFrame(ctx, func() bool {
		f := silentFrame
		s.mu.Lock()
		if len(s.said) > 0 {
			f, s.said = s.said[0], s.said[1:]
			if len(s.said) == 0 {
				close(s.saidOut)
				s.saidOut = make(chan struct{})
			}
		}
		s.mu.Unlock()
		return s.SendMedia(ctx, f[:]) == nil
	})
}

// everyFrame calls tick every 20 ms until ctx ends or tick reports false.
func everyFrame(ctx context.Context, tick func() bool) {
	t := time.NewTicker(dialtone.FrameDuration)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !tick() {
				return
			}
		}
	}
}

// SendAudio sends frames as the caller's audio, one media message every 20 ms, as Twilio
// does (with Continuous, in place of the silence, without a gap). It returns when the last
// is sent or ctx ends.
func (s *Stream) SendAudio(ctx context.Context, frames []dialtone.AudioFrame) error {
	if s.talking {
		if len(frames) == 0 {
			return nil
		}
		s.mu.Lock()
		s.said = append(s.said, frames...)
		out := s.saidOut
		s.mu.Unlock()
		select {
		case <-out:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-s.talkDone:
			return errors.New("twiliotest: the stream is closed")
		}
	}
	t := time.NewTicker(dialtone.FrameDuration)
	defer t.Stop()
	for i := range frames {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
		if err := s.SendMedia(ctx, frames[i][:]); err != nil {
			return err
		}
	}
	return nil
}

// SendDTMF sends a key the caller pressed.
func (s *Stream) SendDTMF(ctx context.Context, digit string) error {
	return s.send(ctx, map[string]any{
		"event":     "dtmf",
		"streamSid": s.streamSID,
		"dtmf":      map[string]any{"track": "inbound_track", "digit": digit},
	}, true)
}

// SendRaw sends data as one text message, as is (for malformed-message tests).
func (s *Stream) SendRaw(ctx context.Context, data []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.Write(ctx, websocket.MessageText, data)
}

// Stop sends stop (the call ended) and closes the socket normally.
func (s *Stream) Stop(ctx context.Context) error {
	err := s.send(ctx, map[string]any{
		"event":     "stop",
		"streamSid": s.streamSID,
		"stop":      map[string]any{"accountSid": s.account, "callSid": s.callSID},
	}, true)
	s.Close()
	return err
}

// Close closes the socket (normal closure) without stop and stops the player.
func (s *Stream) Close() {
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
	s.cancel()
	<-s.readDone
	<-s.playDone
	<-s.talkDone
}

// State returns a snapshot of what the stream saw and played.
func (s *Stream) State() StreamState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.Heard = append([]dialtone.AudioFrame(nil), st.Heard...)
	st.MarksIn = append([]string(nil), st.MarksIn...)
	st.MarksEchoed = append([]string(nil), st.MarksEchoed...)
	st.Errors = append([]string(nil), st.Errors...)
	st.Buffered = len(s.pending)
	return st
}

// Wait blocks until cond holds for the state, or ctx ends.
func (s *Stream) Wait(ctx context.Context, cond func(StreamState) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		st := s.State()
		if cond(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("twiliotest: waiting: %w (state: heard %d, buffered %d, media in %d, marks in %v, echoed %v, clears %d, errors %v, closed %v)",
				ctx.Err(), len(st.Heard), st.Buffered, st.MediaIn, st.MarksIn, st.MarksEchoed, st.Clears, st.Errors, st.Closed)
		case <-ch:
		}
	}
}

// Play plays up to n frames of buffered agent audio (ManualPlayout), echoing the marks
// reached; it returns how many frames played.
func (s *Stream) Play(ctx context.Context, n int) int {
	played := 0
	for ; played < n; played++ {
		if !s.playFrame(ctx) {
			break
		}
	}
	return played
}

// notifyLocked wakes Wait callers; s.mu is held.
func (s *Stream) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// playFrame plays one frame (a short tail is padded with µ-law silence) and echoes the marks
// it reaches; it reports false when nothing was buffered.
func (s *Stream) playFrame(ctx context.Context) bool {
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return false
	}
	var f dialtone.AudioFrame
	for i := range f {
		f[i] = 0xFF
	}
	n := copy(f[:], s.pending)
	s.pending = s.pending[n:]
	s.played += int64(n)
	s.state.Heard = append(s.state.Heard, f)
	due := s.dueMarksLocked()
	s.notifyLocked()
	s.mu.Unlock()
	s.echo(ctx, due)
	return true
}

// dueMarksLocked removes and returns the marks whose audio has all played.
func (s *Stream) dueMarksLocked() []string {
	var due []string
	for len(s.marks) > 0 && s.marks[0].at <= s.played {
		due = append(due, s.marks[0].name)
		s.marks = s.marks[1:]
	}
	return due
}

// echo sends the marks back as Twilio does, recording them after they are written.
func (s *Stream) echo(ctx context.Context, names []string) {
	for _, name := range names {
		err := s.send(ctx, map[string]any{"event": "mark", "streamSid": s.streamSID, "mark": map[string]any{"name": name}}, true)
		s.mu.Lock()
		if err == nil {
			s.state.MarksEchoed = append(s.state.MarksEchoed, name)
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// playout plays one frame of the agent's audio every 20 ms until ctx ends.
func (s *Stream) playout(ctx context.Context) {
	defer close(s.playDone)
	everyFrame(ctx, func() bool { s.playFrame(ctx); return true })
}

func (s *Stream) protocolError(format string, args ...any) {
	s.mu.Lock()
	s.state.Errors = append(s.state.Errors, fmt.Sprintf(format, args...))
	s.notifyLocked()
	s.mu.Unlock()
}

// outMessage is what a server may send on a bidirectional stream.
type outMessage struct {
	Event     string `json:"event"`
	StreamSID string `json:"streamSid"`
	Media     *struct {
		Payload string `json:"payload"`
	} `json:"media"`
	Mark *struct {
		Name string `json:"name"`
	} `json:"mark"`
}

func (s *Stream) read() {
	defer close(s.readDone)
	ctx := context.Background()
	defer func() {
		s.mu.Lock()
		s.state.Closed = true
		s.notifyLocked()
		s.mu.Unlock()
	}()
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			s.protocolError("binary message")
			continue
		}
		var m outMessage
		if err := json.Unmarshal(data, &m); err != nil {
			s.protocolError("invalid JSON: %v", err)
			continue
		}
		if m.StreamSID != s.streamSID {
			s.protocolError("%s with streamSid %q, want %q", m.Event, m.StreamSID, s.streamSID)
			continue
		}
		switch m.Event {
		case "media":
			if m.Media == nil {
				s.protocolError("media without a media object")
				continue
			}
			audio, err := base64.StdEncoding.DecodeString(m.Media.Payload)
			if err != nil || len(audio) == 0 {
				s.protocolError("media payload %q is not base64 audio", m.Media.Payload)
				continue
			}
			s.mu.Lock()
			s.pending = append(s.pending, audio...)
			s.recvd += int64(len(audio))
			s.state.MediaIn++
			s.notifyLocked()
			s.mu.Unlock()
		case "mark":
			if m.Mark == nil || m.Mark.Name == "" {
				s.protocolError("mark without a name")
				continue
			}
			s.mu.Lock()
			s.state.MarksIn = append(s.state.MarksIn, m.Mark.Name)
			// Echoed once everything received before it has played; at once if nothing is.
			s.marks = append(s.marks, pendingMark{name: m.Mark.Name, at: s.recvd})
			due := s.dueMarksLocked()
			s.notifyLocked()
			s.mu.Unlock()
			s.echo(ctx, due)
		case "clear":
			// "This empties all buffered audio and causes any mark messages to be sent
			// back to your WebSocket server."
			s.mu.Lock()
			s.state.Clears++
			s.played += int64(len(s.pending))
			s.pending = nil
			due := make([]string, 0, len(s.marks))
			for _, pm := range s.marks {
				due = append(due, pm.name)
			}
			s.marks = nil
			s.notifyLocked()
			s.mu.Unlock()
			s.echo(ctx, due)
		default:
			s.protocolError("unexpected event %q", m.Event)
		}
	}
}
