// Package openaitest is an in-repo fake of OpenAI's text-to-speech endpoint,
// POST /v1/audio/speech, for tests. It checks the Bearer key and the request JSON as the real
// API does and answers with sandbox tone speech of the input text, so a test can decode
// exactly what was synthesized with sandbox.NewRecognizer in the server's register.
//
// Audio: response_format "pcm" gives raw 16-bit signed little-endian mono at 24 kHz (the
// 8 kHz tones resampled up); "wav" gives the same samples behind a WAV header whose sizes are
// unknown (0xFFFFFFFF), as a streaming server writes it. Other formats are refused with 400,
// since the fake has no mp3/opus/aac/flac encoder. The body is sent with chunked transfer
// encoding in pieces of ChunkBytes, flushed one by one; ChunkBytes is odd by default so that
// samples straddle chunks.
//
// Errors use OpenAI's shape, {"error": {"message", "type", "param", "code"}}: 401 with code
// "invalid_api_key" for a missing or wrong key, 400 for a bad body, 404 for other paths, and
// 500 when told to fail. SetMode (a ttsstreamtest.Mode) makes later responses fail, break off
// half-way or stall half-way until the client goes away; see ttsstreamtest.FakeServer.
package openaitest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// SampleRate is the rate of the "pcm" audio the fake sends, like OpenAI's.
const SampleRate = 24000

// DefaultChunkBytes is the default size of the pieces the body is sent in: about 100 ms of
// 24 kHz audio, plus one byte so that samples are split between pieces.
const DefaultChunkBytes = 4801

// maxInputChars is the API's limit on input, in characters.
const maxInputChars = 4096

// Request is one request the fake accepted (authenticated, well-formed JSON).
type Request struct {
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	ResponseFormat string  `json:"response_format"`
	Speed          float64 `json:"speed"`
	Instructions   string  `json:"instructions"`
	StreamFormat   string  `json:"stream_format"`
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base, ending in /v1: give it as BaseURL to openaispeech.
	URL string
	*ttsstreamtest.FakeServer

	apiKey string

	mu       sync.Mutex
	register sandbox.ToneRegister
	requests []Request
}

// NewServer starts a fake that accepts apiKey.
func NewServer(apiKey string) *Server {
	s := &Server{apiKey: apiKey}
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.handle)
	s.FakeServer = ttsstreamtest.StartFake(mux, DefaultChunkBytes)
	s.URL = s.ServerURL() + "/v1"
	return s
}

// SetRegister sets the tone register of the audio (default sandbox.RegisterLow). A voice that
// is a sandbox voice ID, such as "sandbox-en-us-high", speaks in its own register instead.
func (s *Server) SetRegister(r sandbox.ToneRegister) { s.mu.Lock(); s.register = r; s.mu.Unlock() }

// Requests returns the requests accepted so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Accepted is how many requests have been accepted so far.
func (s *Server) Accepted() int { return len(s.Requests()) }

// apiError is OpenAI's error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	var e apiError
	e.Error.Message, e.Error.Type = msg, typ
	if code != "" {
		e.Error.Code = &code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

// maskKey shows a key the way OpenAI's 401 message does: the start and the last four
// characters, the rest as asterisks.
func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:3] + strings.Repeat("*", len(k)-7) + k[len(k)-4:]
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/audio/speech" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "", fmt.Sprintf("Invalid method for URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	switch {
	case auth == "":
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "",
			"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
		return
	case !ok || key != s.apiKey:
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			"Incorrect API key provided: "+maskKey(key)+". You can find your API key at https://platform.openai.com/account/api-keys.")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Content-Type must be application/json")
		return
	}
	var req Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+err.Error())
		return
	}
	for _, f := range []struct{ name, v string }{{"model", req.Model}, {"input", req.Input}, {"voice", req.Voice}} {
		if f.v == "" {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("Missing required parameter: '%s'.", f.name))
			return
		}
	}
	if n := utf8.RuneCountInString(req.Input); n > maxInputChars {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "string_above_max_length",
			fmt.Sprintf("Invalid 'input': string too long. Expected a string with maximum length %d, but got a string with length %d instead.", maxInputChars, n))
		return
	}
	format := req.ResponseFormat
	if format == "" {
		format = "mp3" // the API's default
	}
	if format != "pcm" && format != "wav" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "",
			fmt.Sprintf("the fake supports response_format pcm and wav only, not %q", format))
		return
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	reg := s.register
	s.mu.Unlock()
	if vr, ok := sandbox.RegisterForVoice(req.Voice); ok {
		reg = vr
	}
	if s.Mode() == ttsstreamtest.Fail500 {
		writeError(w, http.StatusInternalServerError, "server_error", "",
			"The server had an error while processing your request. Sorry about that!")
		return
	}
	audio, err := Audio(reg, req.Input)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	if format == "wav" {
		s.SendAudio(w, r, "audio/wav", append(wavHeader(), audio...))
	} else {
		s.SendAudio(w, r, "audio/pcm", audio)
	}
}

// Audio returns what the fake sends for input in register r as "pcm": sandbox tone speech of
// input, resampled from 8 kHz to 24 kHz, as 16-bit little-endian bytes.
func Audio(r sandbox.ToneRegister, input string) ([]byte, error) {
	tones, err := ttsstreamtest.Tones(r, input)
	if err != nil {
		return nil, err
	}
	rs, err := espeak.NewResampler(sandbox.ToneSampleRate, SampleRate)
	if err != nil {
		return nil, err
	}
	up := rs.Flush(rs.Append(nil, tones))
	out := make([]byte, 2*len(up))
	for i, v := range up {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out, nil
}

// wavHeader is a 44-byte header for 24 kHz 16-bit mono PCM of unknown length.
func wavHeader() []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 0xFFFFFFFF)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], 0xFFFFFFFF)
	return h
}
