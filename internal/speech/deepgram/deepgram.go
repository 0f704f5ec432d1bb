// Package deepgram is a speech.Recognizer backed by Deepgram's live streaming speech-to-text
// API (a WebSocket at wss://api.deepgram.com/v1/listen). Caller audio is sent as it arrives
// on the telephone, 8 kHz G.711 µ-law, with no resampling.
//
// The protocol, as documented by Deepgram:
//   - the client opens the WebSocket with the options in the query string (model, language,
//     encoding=mulaw, sample_rate=8000, channels=1, interim_results, endpointing, vad_events,
//     punctuate) and authenticates with the header "Authorization: Token <key>"
//     (https://developers.deepgram.com/docs/encoding, https://developers.deepgram.com/docs/sample-rate);
//     a failed handshake (a rejected key: 401) is an HTTP 4xx/5xx answer instead of the upgrade,
//     and an error later ends the stream with a WebSocket close frame carrying a status and a
//     reason such as NET-0001
//     (https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors);
//   - audio travels in binary messages; the client also sends the text messages
//     {"type":"KeepAlive"} (every 3–5 s when no audio is sent, or the server closes the stream
//     after 10 s, https://developers.deepgram.com/docs/audio-keep-alive) and
//     {"type":"CloseStream"} (the server then finishes the audio it has, sends a Metadata
//     message and closes, https://developers.deepgram.com/docs/close-stream);
//   - the server sends JSON text messages: "Results" (channel.alternatives[0].transcript,
//     start and duration in seconds, is_final, speech_final), "SpeechStarted" (with
//     vad_events=true), "UtteranceEnd" (with utterance_end_ms) and "Metadata". A final
//     utterance may come as several is_final pieces, the last with speech_final; they are
//     concatenated (https://developers.deepgram.com/docs/understand-endpointing-interim-results,
//     https://developers.deepgram.com/docs/endpointing).
//
// The API key is sent only in the Authorization header; it never appears in an error.
package deepgram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// DefaultURL is Deepgram's live streaming endpoint.
const DefaultURL = "wss://api.deepgram.com/v1/listen"

// Defaults of Config.
const (
	DefaultModel             = "nova-3"
	DefaultEndpointingMS     = 300
	DefaultChunk             = 40 * time.Millisecond
	DefaultQueue             = 2 * time.Second
	DefaultKeepAliveInterval = 4 * time.Second
	DefaultWriteTimeout      = 5 * time.Second
	DefaultCloseTimeout      = 3 * time.Second
)

// ErrUnauthorized is returned by New when Deepgram refuses the API key (HTTP 401 or 403).
var ErrUnauthorized = errors.New("deepgram: API key rejected")

// ErrClosed is returned by Close when it is called again.
var ErrClosed = errors.New("deepgram: recognizer closed")

// Config configures New. Only APIKey is required.
type Config struct {
	URL      string // default DefaultURL
	APIKey   string
	Model    string // default DefaultModel
	Language string // BCP-47, such as "en-US"; empty leaves Deepgram's default
	// EndpointingMS is the silence, in milliseconds, after which Deepgram ends an utterance
	// with speech_final (default DefaultEndpointingMS; negative sends endpointing=false).
	EndpointingMS int
	// UtteranceEndMS, when positive, asks for UtteranceEnd messages after that much silence
	// following the last final word; a pending utterance is then delivered even if no
	// speech_final came.
	UtteranceEndMS int
	Punctuate      bool
	// Extra query parameters, added as they are (for instance keyterm).
	Extra url.Values

	// HTTPClient performs the WebSocket handshake (default http.DefaultClient).
	HTTPClient *http.Client

	// Chunk is how much audio goes in one binary message (default DefaultChunk, at least one
	// 20 ms frame). Queue is how much audio may wait for the connection before new audio is
	// dropped (default DefaultQueue).
	Chunk, Queue time.Duration
	// KeepAliveInterval is how long the stream may go without audio before a KeepAlive is
	// sent (default DefaultKeepAliveInterval).
	KeepAliveInterval time.Duration
	// WriteTimeout bounds one message to the provider; a provider that accepts nothing for
	// that long has stalled and the recognizer fails (default DefaultWriteTimeout).
	WriteTimeout time.Duration
	// CloseTimeout bounds how long Close waits for Deepgram to finish and close (default
	// DefaultCloseTimeout).
	CloseTimeout time.Duration
}

// Recognizer is a streaming Deepgram recognizer for one caller. Write, Next, Active and Close
// are used by one goroutine at a time; Err, Dropped and Active may be called from any.
type Recognizer struct {
	conn *websocket.Conn
	cfg  Config
	key  string

	chunkBytes int
	pending    []byte // µ-law not yet queued; owned by the writing goroutine
	audio      chan []byte
	closing    chan struct{}
	closeOnce  sync.Once
	closed     atomic.Bool

	writerDone chan struct{}
	readerDone chan struct{}

	queued  int64 // samples queued for Deepgram; owned by the writing goroutine
	dropped atomic.Uint64
	active  atomic.Bool

	mu          sync.Mutex
	transcripts []speech.Transcript
	parts       []string // is_final pieces of the utterance in progress
	partsEnd    int64
	gaps        []gap // audio dropped, in order
	err         error
}

// gap is audio dropped before it reached Deepgram: samples samples, after at samples sent.
type gap struct{ at, samples int64 }

var _ speech.Recognizer = (*Recognizer)(nil)

// New opens a Deepgram live stream. ctx bounds the handshake only. The returned error never
// contains the API key; a refused key gives an error wrapping ErrUnauthorized.
func New(ctx context.Context, cfg Config) (*Recognizer, error) {
	cfg = withDefaults(cfg)
	if cfg.APIKey == "" {
		return nil, errors.New("deepgram: no API key")
	}
	u, err := streamURL(cfg)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Authorization", "Token "+cfg.APIKey)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: cfg.HTTPClient,
		HTTPHeader: h,
	})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return nil, fmt.Errorf("%w (HTTP %d)", ErrUnauthorized, resp.StatusCode)
		}
		if resp != nil && resp.StatusCode >= 400 {
			return nil, redact(fmt.Errorf("deepgram: stream refused (HTTP %d%s)", resp.StatusCode, bodyError(resp)), cfg.APIKey)
		}
		return nil, redact(fmt.Errorf("deepgram: connecting: %w", err), cfg.APIKey)
	}
	conn.SetReadLimit(1 << 20)
	chunk := int(cfg.Chunk / media.FrameDuration * media.FrameSamples)
	queue := max(1, int(cfg.Queue/cfg.Chunk))
	r := &Recognizer{
		conn:       conn,
		cfg:        cfg,
		key:        cfg.APIKey,
		chunkBytes: chunk,
		pending:    make([]byte, 0, chunk),
		audio:      make(chan []byte, queue),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	go r.write()
	go r.read()
	return r, nil
}

func withDefaults(c Config) Config {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.EndpointingMS == 0 {
		c.EndpointingMS = DefaultEndpointingMS
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.Chunk <= 0 {
		c.Chunk = DefaultChunk
	}
	c.Chunk = max(media.FrameDuration, c.Chunk/media.FrameDuration*media.FrameDuration)
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.KeepAliveInterval <= 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	return c
}

func streamURL(c Config) (string, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") {
		return "", errors.New("deepgram: invalid URL")
	}
	q := u.Query()
	for k, vs := range c.Extra {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("model", c.Model)
	if c.Language != "" {
		q.Set("language", c.Language)
	}
	q.Set("encoding", "mulaw")
	q.Set("sample_rate", strconv.Itoa(media.SampleRate))
	q.Set("channels", "1")
	q.Set("interim_results", "true")
	q.Set("vad_events", "true")
	if c.EndpointingMS < 0 {
		q.Set("endpointing", "false")
	} else {
		q.Set("endpointing", strconv.Itoa(c.EndpointingMS))
	}
	if c.UtteranceEndMS > 0 {
		q.Set("utterance_end_ms", strconv.Itoa(c.UtteranceEndMS))
	}
	if c.Punctuate {
		q.Set("punctuate", "true")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// bodyError returns ": <err_code>: <err_msg>" from Deepgram's JSON error body, or "".
func bodyError(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	var e struct {
		Code string `json:"err_code"`
		Msg  string `json:"err_msg"`
	}
	if json.NewDecoder(resp.Body).Decode(&e) != nil || (e.Code == "" && e.Msg == "") {
		return ""
	}
	return ": " + e.Code + ": " + e.Msg
}

// redact returns err with every occurrence of the key replaced.
func redact(err error, key string) error {
	if err == nil || key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), key, "[redacted]"))
}

// Write encodes pcm (8 kHz linear) to µ-law and queues it for Deepgram in Chunk-sized
// messages. It never blocks: when the queue is full (the provider is not keeping up) the
// chunk is dropped and counted (see Dropped), and later EndSample values still count it.
// After a failure or Close it does nothing.
func (r *Recognizer) Write(pcm []int16) {
	if r.closed.Load() || r.Err() != nil {
		return
	}
	for len(pcm) > 0 {
		n := min(len(pcm), r.chunkBytes-len(r.pending))
		start := len(r.pending)
		r.pending = r.pending[:start+n]
		media.EncodeMulaw(r.pending[start:], pcm[:n])
		pcm = pcm[n:]
		if len(r.pending) == r.chunkBytes {
			r.queue()
		}
	}
}

// queue hands the pending bytes to the writer, or drops them.
func (r *Recognizer) queue() {
	if len(r.pending) == 0 {
		return
	}
	select {
	case r.audio <- r.pending:
		r.queued += int64(len(r.pending))
	default:
		r.dropped.Add(1)
		// Deepgram's clock skips the dropped audio: remember where, to map its times back.
		r.mu.Lock()
		if n := len(r.gaps); n > 0 && r.gaps[n-1].at == r.queued {
			r.gaps[n-1].samples += int64(len(r.pending))
		} else {
			r.gaps = append(r.gaps, gap{at: r.queued, samples: int64(len(r.pending))})
		}
		r.mu.Unlock()
	}
	r.pending = make([]byte, 0, r.chunkBytes)
}

// Dropped returns how many chunks of audio were dropped because the provider did not keep up.
func (r *Recognizer) Dropped() uint64 { return r.dropped.Load() }

// Next returns the oldest final transcript not yet returned.
func (r *Recognizer) Next() (speech.Transcript, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.transcripts) == 0 {
		return speech.Transcript{}, false
	}
	t := r.transcripts[0]
	r.transcripts = r.transcripts[1:]
	return t, true
}

// Active reports whether Deepgram has heard speech (SpeechStarted or a non-empty interim
// result) that it has not finalised yet.
func (r *Recognizer) Active() bool { return r.active.Load() }

// Err returns why the stream failed (connection lost or refused mid-call, provider stalled),
// or nil. A failed recognizer hears nothing more; the engine may fall back to another
// provider. Err stays nil after a clean Close.
func (r *Recognizer) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Recognizer) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = redact(err, r.key)
	}
	r.mu.Unlock()
	r.active.Store(false)
}

// Close flushes the audio written so far, sends CloseStream, and waits (at most CloseTimeout)
// for Deepgram to deliver its last results and close. Transcripts delivered meanwhile are
// still returned by Next. It returns an error if Deepgram did not close in time.
func (r *Recognizer) Close() error {
	if r.closed.Swap(true) {
		return ErrClosed
	}
	r.queue()
	r.closeOnce.Do(func() { close(r.closing) })
	timer := time.NewTimer(r.cfg.CloseTimeout)
	defer timer.Stop()
	var err error
	select {
	case <-r.readerDone:
	case <-timer.C:
		err = errors.New("deepgram: stream did not close in time")
	}
	r.conn.CloseNow()
	<-r.readerDone
	<-r.writerDone
	return err
}

var (
	keepAliveMsg   = []byte(`{"type":"KeepAlive"}`)
	closeStreamMsg = []byte(`{"type":"CloseStream"}`)
)

// write sends queued audio, KeepAlive when idle, and CloseStream on Close.
func (r *Recognizer) write() {
	defer close(r.writerDone)
	ka := time.NewTicker(r.cfg.KeepAliveInterval)
	defer ka.Stop()
	lastSent := time.Now()
	send := func(typ websocket.MessageType, b []byte) bool {
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.WriteTimeout)
		err := r.conn.Write(ctx, typ, b)
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			if r.closed.Load() && !timedOut {
				return false
			}
			if timedOut {
				r.fail(errors.New("deepgram: provider stalled (audio not accepted in time)"))
			} else {
				r.fail(fmt.Errorf("deepgram: sending: %w", err))
			}
			r.conn.CloseNow()
			return false
		}
		lastSent = time.Now()
		return true
	}
	for {
		select {
		case b := <-r.audio:
			if !send(websocket.MessageBinary, b) {
				return
			}
		case <-ka.C:
			if time.Since(lastSent) >= r.cfg.KeepAliveInterval {
				if !send(websocket.MessageText, keepAliveMsg) {
					return
				}
			}
		case <-r.closing:
		drain:
			for {
				select {
				case b := <-r.audio:
					if !send(websocket.MessageBinary, b) {
						return
					}
				default:
					break drain
				}
			}
			send(websocket.MessageText, closeStreamMsg)
			return
		case <-r.readerDone:
			return
		}
	}
}

// message is the union of the server messages used.
type message struct {
	Type        string  `json:"type"`
	Start       float64 `json:"start"`
	Duration    float64 `json:"duration"`
	IsFinal     bool    `json:"is_final"`
	SpeechFinal bool    `json:"speech_final"`
	Channel     struct {
		Alternatives []struct {
			Transcript string `json:"transcript"`
		} `json:"alternatives"`
	} `json:"channel"`
}

// read turns the server's messages into transcripts until the connection ends.
func (r *Recognizer) read() {
	defer close(r.readerDone)
	for {
		typ, data, err := r.conn.Read(context.Background())
		if err != nil {
			r.ended(err)
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var m message
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		r.handle(&m)
	}
}

func (r *Recognizer) ended(err error) {
	if r.closed.Load() {
		r.mu.Lock()
		r.flushLocked()
		r.mu.Unlock()
		r.active.Store(false)
		return
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		r.fail(fmt.Errorf("deepgram: stream closed by provider (status %d: %s)", int(ce.Code), ce.Reason))
		return
	}
	r.fail(fmt.Errorf("deepgram: connection lost: %w", err))
}

func (r *Recognizer) handle(m *message) {
	switch m.Type {
	case "Results":
		text := ""
		if len(m.Channel.Alternatives) > 0 {
			text = strings.TrimSpace(m.Channel.Alternatives[0].Transcript)
		}
		if !m.IsFinal {
			if text != "" {
				r.active.Store(true)
			}
			return
		}
		r.mu.Lock()
		if text != "" {
			r.parts = append(r.parts, text)
			r.partsEnd = r.localLocked(seconds(m.Start + m.Duration))
		}
		if m.SpeechFinal {
			r.flushLocked()
			r.active.Store(false)
		} else if text != "" {
			r.active.Store(true)
		}
		r.mu.Unlock()
	case "UtteranceEnd":
		r.mu.Lock()
		r.flushLocked()
		r.mu.Unlock()
		r.active.Store(false)
	case "SpeechStarted":
		r.active.Store(true)
	}
}

// flushLocked delivers the utterance in progress, if any. r.mu is held.
func (r *Recognizer) flushLocked() {
	if len(r.parts) == 0 {
		return
	}
	r.transcripts = append(r.transcripts, speech.Transcript{
		Text:      strings.Join(r.parts, " "),
		EndSample: r.partsEnd,
	})
	r.parts = r.parts[:0]
}

// localLocked maps a position in the audio Deepgram received to the same position in the
// audio written, adding back the audio dropped before it. r.mu is held.
func (r *Recognizer) localLocked(pos int64) int64 {
	out := pos
	for _, g := range r.gaps {
		if g.at >= pos {
			break
		}
		out += g.samples
	}
	return out
}

// seconds converts a Deepgram time in seconds to a sample position at 8 kHz.
func seconds(s float64) int64 {
	return int64(math.Round(s * media.SampleRate))
}
