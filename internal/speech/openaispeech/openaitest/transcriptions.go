package openaitest

// The fake of OpenAI's transcription endpoint, POST /v1/audio/transcriptions: Transcriber.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// maxUploadBytes is the API's limit on the uploaded file (25 MB).
const maxUploadBytes = 25 << 20

// TranscriberOptions configures NewTranscriber.
type TranscriberOptions struct {
	// APIKey, when set, is the only key accepted: a request without "Authorization: Bearer
	// <APIKey>" is refused with 401. Empty accepts every request, with or without a key, as a
	// self-hosted server without authentication does.
	APIKey string
	// Register is the sandbox tone register recognised.
	Register sandbox.ToneRegister
	// EchoKey makes a 401's message quote the key the client sent in full (OpenAI masks all
	// but its start and end), as a careless server might: for testing that clients redact it.
	EchoKey bool
}

// Transcription is one request the fake received on /v1/audio/transcriptions, whatever it
// answered.
type Transcription struct {
	Auth           string // the Authorization header, "" when absent
	Model          string
	Language       string
	Prompt         string
	ResponseFormat string
	Filename       string
	SampleRate     int // of the WAV file; 0 when it could not be read
	Channels       int
	Samples        int    // sample frames in the WAV file
	Status         int    // the HTTP status answered
	Text           string // the transcript answered
}

// Transcriber is a fake OpenAI transcription server. It decodes the uploaded WAV and
// "recognizes" sandbox tone speech in it (ttsstreamtest.Decode, a sandbox Recognizer of the
// configured register), so transcripts are exact; it is not a speech recogniser for human
// speech. Its methods are safe for concurrent use.
//
// As OpenAI does, it requires a multipart/form-data body with the fields file and model
// (400 "invalid_request_error" otherwise), accepts response_format json (the default), text
// and verbose_json, answers 400 for a file it cannot read (only 16-bit PCM WAV is understood
// here), and 401 with code "invalid_api_key" for a wrong key. Errors have OpenAI's shape,
// {"error": {"message", "type", "param", "code"}}.
type Transcriber struct {
	// URL is the API base, ending in /v1: give it as BaseURL to openaispeech.
	URL string

	opts TranscriberOptions
	srv  *httptest.Server
	quit chan struct{}

	mu       sync.Mutex
	failN    int
	failCode int
	delays   []time.Duration
	holds    []chan struct{}
	requests []Transcription
	received chan struct{} // one value per request whose form was read
	gone     chan struct{} // one value per held or delayed request whose client went away
}

// NewTranscriber starts a fake transcription server; Close it when done.
func NewTranscriber(opts TranscriberOptions) *Transcriber {
	t := &Transcriber{
		opts:     opts,
		quit:     make(chan struct{}),
		received: make(chan struct{}, 64),
		gone:     make(chan struct{}, 64),
	}
	t.srv = httptest.NewServer(http.HandlerFunc(t.handle))
	t.URL = t.srv.URL + "/v1"
	return t
}

// Close stops the server, first releasing held and delayed requests.
func (t *Transcriber) Close() {
	close(t.quit)
	t.srv.CloseClientConnections()
	t.srv.Close()
}

// FailNext makes the next n valid requests fail with HTTP status (an OpenAI error body:
// "rate_limit_exceeded" for 429, "server_error" otherwise).
func (t *Transcriber) FailNext(n, status int) {
	t.mu.Lock()
	t.failN, t.failCode = n, status
	t.mu.Unlock()
}

// DelayNext delays the answers of the next len(ds) valid requests, in the order they arrive,
// by ds[0], ds[1], …
func (t *Transcriber) DelayNext(ds ...time.Duration) {
	t.mu.Lock()
	t.delays = append(t.delays, ds...)
	t.mu.Unlock()
}

// Hold makes the next valid request to arrive (after those already held) wait before it is
// answered until release is called, the client goes away or the server is closed. It is the
// deterministic way to make answers arrive in a chosen order.
func (t *Transcriber) Hold() (release func()) {
	ch := make(chan struct{})
	t.mu.Lock()
	t.holds = append(t.holds, ch)
	t.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// Received receives a value each time a request has been read, before it is answered.
// Values beyond the channel's capacity (64) are dropped.
func (t *Transcriber) Received() <-chan struct{} { return t.received }

// ClientGone receives a value each time the client of a held or delayed request went away
// before the answer. Values beyond the channel's capacity (64) are dropped.
func (t *Transcriber) ClientGone() <-chan struct{} { return t.gone }

// Requests returns the requests received so far, oldest first.
func (t *Transcriber) Requests() []Transcription {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Transcription(nil), t.requests...)
}

// record appends tr and returns its index.
func (t *Transcriber) record(tr Transcription) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = append(t.requests, tr)
	return len(t.requests) - 1
}

func (t *Transcriber) answered(i, status int, text string) {
	t.mu.Lock()
	t.requests[i].Status, t.requests[i].Text = status, text
	t.mu.Unlock()
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (t *Transcriber) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/audio/transcriptions" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	tr := Transcription{Auth: r.Header.Get("Authorization")}
	idx := -1
	status, text := t.serve(w, r, &tr, &idx)
	if idx < 0 {
		tr.Status = status
		t.record(tr)
		return
	}
	t.answered(idx, status, text)
}

// serve answers one request and returns the status and text it answered (status 0 when the
// client went away first). A request whose file was read is recorded at once, its index put
// in *idx.
func (t *Transcriber) serve(w http.ResponseWriter, r *http.Request, tr *Transcription, idx *int) (int, string) {
	fail := func(status int, typ, code, msg string) (int, string) {
		writeError(w, status, typ, code, msg)
		return status, ""
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "invalid_request_error", "", fmt.Sprintf("Invalid method for URL (%s %s)", r.Method, r.URL.Path))
	}
	if t.opts.APIKey != "" {
		key, ok := strings.CutPrefix(tr.Auth, "Bearer ")
		switch {
		case tr.Auth == "":
			return fail(http.StatusUnauthorized, "invalid_request_error", "",
				"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
		case !ok || key != t.opts.APIKey:
			shown := maskKey(key)
			if t.opts.EchoKey {
				shown = key
			}
			return fail(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
				"Incorrect API key provided: "+shown+". You can find your API key at https://platform.openai.com/account/api-keys.")
		}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Content-Type must be multipart/form-data")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Could not parse multipart form: "+err.Error())
	}
	form := r.MultipartForm
	value := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	tr.Model, tr.Language, tr.Prompt = value("model"), value("language"), value("prompt")
	tr.ResponseFormat = value("response_format")
	files := form.File["file"]
	if len(files) == 0 {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'file'.")
	}
	if tr.Model == "" {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'model'.")
	}
	format := tr.ResponseFormat
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "text" && format != "verbose_json" {
		return fail(http.StatusBadRequest, "invalid_request_error", "",
			fmt.Sprintf("the fake supports response_format json, text and verbose_json only, not %q", format))
	}
	tr.Filename = files[0].Filename
	f, err := files[0].Open()
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Could not read the file.")
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_request_error", "", "Could not read the file.")
	}
	pcm, wf, err := DecodeWAV(data)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid_request_error", "",
			"Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']")
	}
	tr.SampleRate, tr.Channels, tr.Samples = wf.SampleRate, wf.Channels, wf.Samples
	*idx = t.record(*tr)

	t.mu.Lock()
	var hold chan struct{}
	if len(t.holds) > 0 {
		hold, t.holds = t.holds[0], t.holds[1:]
	}
	var delay time.Duration
	if len(t.delays) > 0 {
		delay, t.delays = t.delays[0], t.delays[1:]
	}
	failCode := 0
	if t.failN > 0 {
		t.failN--
		failCode = t.failCode
	}
	t.mu.Unlock()
	signal(t.received) // after taking the hold: holds go to requests in the order received
	if !t.wait(r, hold, delay) {
		return 0, ""
	}
	if failCode != 0 {
		if failCode == http.StatusTooManyRequests {
			return fail(failCode, "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.")
		}
		return fail(failCode, "server_error", "", "The server had an error while processing your request. Sorry about that!")
	}

	text := strings.Join(ttsstreamtest.Decode(t.opts.Register, pcm), " ")
	switch format {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, text+"\n")
	case "verbose_json":
		writeJSON(w, map[string]any{
			"task":     "transcribe",
			"language": "english",
			"duration": float64(wf.Samples) / float64(wf.SampleRate),
			"text":     text,
			"segments": []any{},
		})
	default:
		writeJSON(w, map[string]any{"text": text})
	}
	return http.StatusOK, text
}

// wait blocks for hold (if any) and then delay; it reports false if the client went away or
// the server closed first.
func (t *Transcriber) wait(r *http.Request, hold chan struct{}, delay time.Duration) bool {
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			signal(t.gone)
			return false
		case <-t.quit:
			return false
		}
	}
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			signal(t.gone)
			return false
		case <-t.quit:
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// WAVInfo describes a WAV file DecodeWAV read.
type WAVInfo struct {
	SampleRate int
	Channels   int
	Samples    int // sample frames
}

// maxChannels is the most channels DecodeWAV accepts.
const maxChannels = 8

// errNoSamples is DecodeWAV's error for a WAV file whose data chunk is empty.
var errNoSamples = errors.New("openaitest: WAV file has no samples")

// DecodeWAV reads a 16-bit PCM WAV file of at most 8 channels (with media.WAVReader) and
// returns its first channel at 8 kHz (resampled with espeak.Resampler when the file has
// another rate), with its format. Data cut short of the size its header states is an error.
func DecodeWAV(data []byte) ([]int16, WAVInfo, error) {
	wr, err := media.NewWAVReader(bytes.NewReader(data))
	if err != nil {
		return nil, WAVInfo{}, err
	}
	info := WAVInfo{SampleRate: wr.Format.SampleRate, Channels: wr.Format.Channels}
	if info.Channels > maxChannels {
		return nil, info, fmt.Errorf("openaitest: WAV file has %d channels", info.Channels)
	}
	all := make([]int16, 0, len(data)/2)
	buf := make([]int16, 4096*info.Channels)
	for {
		n, err := wr.ReadSamples(buf)
		all = append(all, buf[:n]...)
		if err == io.EOF || (err == nil && n < len(buf)) {
			break
		}
		if err != nil {
			return nil, info, err
		}
	}
	mono := make([]int16, 0, len(all)/info.Channels)
	for i := 0; i+info.Channels <= len(all); i += info.Channels {
		mono = append(mono, all[i])
	}
	info.Samples = len(mono)
	if info.Samples == 0 {
		return nil, info, errNoSamples
	}
	if info.SampleRate == media.SampleRate {
		return mono, info, nil
	}
	rs, err := espeak.NewResampler(info.SampleRate, media.SampleRate)
	if err != nil {
		return nil, info, err
	}
	return rs.Flush(rs.Append(nil, mono)), info, nil
}
