// Package elevenlabstest is an in-repo fake of ElevenLabs' streaming text-to-speech endpoint,
// POST /v1/text-to-speech/{voice_id}/stream, for tests. It checks the xi-api-key header and
// the request as the real API does and answers with sandbox tone speech of the text, so a
// test can decode exactly what was synthesized with sandbox.NewRecognizer in the server's
// register.
//
// Audio: output_format "ulaw_8000" gives raw G.711 µ-law bytes at 8 kHz, one per sample, sent
// with chunked transfer encoding in pieces of ChunkBytes, flushed one by one. Other formats
// are refused with 400, since the fake has no mp3/pcm-at-other-rates encoder.
//
// Errors use ElevenLabs' shapes: {"detail": {"status", "message"}} (401 "invalid_api_key" for
// a missing or wrong key, 404 "voice_not_found", 400 for a bad output format, 500 when told to
// fail) and, for a malformed body, 422 {"detail": [{"loc", "msg", "type"}]}. SetMode (a
// ttsstreamtest.Mode) makes later responses fail, break off half-way or stall half-way until
// the client goes away; see ttsstreamtest.FakeServer.
package elevenlabstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// DefaultChunkBytes is the default size of the pieces the body is sent in: 100 ms of audio,
// plus a few bytes so that pieces do not line up with 20 ms frames.
const DefaultChunkBytes = 803

// Request is one request the fake accepted (authenticated, known voice, valid body).
type Request struct {
	VoiceID      string
	OutputFormat string
	Body         Body
}

// Body is the JSON body of a request, the fields the fake knows.
type Body struct {
	Text          string         `json:"text"`
	ModelID       string         `json:"model_id,omitempty"`
	VoiceSettings map[string]any `json:"voice_settings,omitempty"`
	LanguageCode  string         `json:"language_code,omitempty"`
	Seed          *int           `json:"seed,omitempty"`
	PreviousText  string         `json:"previous_text,omitempty"`
	NextText      string         `json:"next_text,omitempty"`
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API root: give it as BaseURL to elevenlabs.
	URL string
	*ttsstreamtest.FakeServer

	apiKey string

	mu       sync.Mutex
	voices   map[string]sandbox.ToneRegister
	requests []Request
}

// NewServer starts a fake that accepts apiKey and knows the voices given (voice ID → the
// register it speaks in).
func NewServer(apiKey string, voices map[string]sandbox.ToneRegister) *Server {
	s := &Server{apiKey: apiKey, voices: maps.Clone(voices)}
	if s.voices == nil {
		s.voices = map[string]sandbox.ToneRegister{}
	}
	s.FakeServer = ttsstreamtest.StartFake(http.HandlerFunc(s.handle), DefaultChunkBytes)
	s.URL = s.ServerURL()
	return s
}

// Requests returns the requests accepted so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Accepted is how many requests have been accepted so far.
func (s *Server) Accepted() int { return len(s.Requests()) }

func writeDetail(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"detail": map[string]string{"status": status, "message": msg}})
}

func writeValidation(w http.ResponseWriter, field, msg, typ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	_ = json.NewEncoder(w).Encode(map[string]any{"detail": []map[string]any{
		{"loc": []string{"body", field}, "msg": msg, "type": typ},
	}})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/text-to-speech/")
	voiceID, ok2 := strings.CutSuffix(rest, "/stream")
	if !ok || !ok2 || voiceID == "" || strings.Contains(voiceID, "/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"detail":"Not Found"}`))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"detail":"Method Not Allowed"}`))
		return
	}
	if r.Header.Get("xi-api-key") != s.apiKey {
		writeDetail(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key")
		return
	}
	format := r.URL.Query().Get("output_format")
	if format == "" {
		format = "mp3_44100_128" // the API's default
	}
	if format != "ulaw_8000" {
		writeDetail(w, http.StatusBadRequest, "invalid_output_format",
			fmt.Sprintf("the fake supports output_format ulaw_8000 only, not %q", format))
		return
	}
	var body Body
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeValidation(w, "", "Invalid JSON: "+err.Error(), "value_error.jsondecode")
		return
	}
	if body.Text == "" {
		writeValidation(w, "text", "field required", "value_error.missing")
		return
	}
	s.mu.Lock()
	reg, known := s.voices[voiceID]
	if known {
		s.requests = append(s.requests, Request{VoiceID: voiceID, OutputFormat: format, Body: body})
	}
	s.mu.Unlock()
	if !known {
		writeDetail(w, http.StatusNotFound, "voice_not_found",
			fmt.Sprintf("A voice with the voice_id %s was not found.", voiceID))
		return
	}
	if s.Mode() == ttsstreamtest.Fail500 {
		writeDetail(w, http.StatusInternalServerError, "internal_server_error", "An internal server error occurred.")
		return
	}
	audio, err := Audio(reg, body.Text)
	if err != nil {
		writeDetail(w, http.StatusBadRequest, "text_too_long", err.Error())
		return
	}
	s.SendAudio(w, r, "audio/basic", audio)
}

// Audio returns what the fake sends for text in register r: sandbox tone speech of text,
// µ-law encoded, 8 kHz.
func Audio(r sandbox.ToneRegister, text string) ([]byte, error) {
	tones, err := ttsstreamtest.Tones(r, text)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(tones))
	media.EncodeMulaw(out, tones)
	return out, nil
}
