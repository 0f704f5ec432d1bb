// Package openaispeech is a text-to-speech provider for OpenAI's speech endpoint,
// POST {base}/audio/speech, and for any server that implements the same API (self-hosted
// OpenAI-compatible speech servers).
//
// Each Synthesize sends one request for raw PCM (response_format "pcm": 16-bit signed
// little-endian mono, 24 kHz on OpenAI), reads the response body as it streams in, resamples
// it to 8 kHz (with the espeak provider's exported PCMDecoder, which low-passes) and hands it out in
// 20 ms frames as soon as each frame is complete.
//
// Failures are reported so that the engine can fall back to another provider: a refused
// request (bad key, bad model, rate limit, server error) is an *APIError from Synthesize; a
// stream that breaks off is Err on the Utterance. The API key is sent only in the
// Authorization header and never appears in an error.
package openaispeech

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// Defaults of Config.
const (
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultModel      = "tts-1"
	DefaultVoice      = "alloy"
	DefaultSampleRate = 24000 // the rate of OpenAI's "pcm" response format
	// MaxInputChars is the longest input the API accepts, in characters.
	MaxInputChars = 4096
)

// ErrTextTooLong is returned by Synthesize for text longer than MaxInputChars.
var ErrTextTooLong = errors.New("openaispeech: text too long")

// Config configures a Synthesizer.
type Config struct {
	// BaseURL is the API root, up to and including the version: Synthesize posts to
	// BaseURL + "/audio/speech". Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>". It may be empty for a self-hosted
	// server without authentication, in which case no Authorization header is sent.
	APIKey string
	// Model is the speech model, default "tts-1".
	Model string
	// Voice is the voice name, default "alloy".
	Voice string
	// SampleRate is the rate of the server's raw "pcm" output: 24000 (the default) for
	// OpenAI. Set it only for a compatible server that produces another rate.
	SampleRate int
	// HTTPClient sends the requests; default http.DefaultClient. It should not have an
	// overall Timeout shorter than the longest speech, since the body streams for as long as
	// the audio lasts; bound the work with the context given to Synthesize instead.
	HTTPClient *http.Client
}

// Synthesizer speaks text with one voice of an OpenAI-compatible speech API. It is safe for
// concurrent use.
type Synthesizer struct {
	api   ttsstream.Request // all but the Body
	model string
	voice string
	rate  int
}

var _ speech.Synthesizer = (*Synthesizer)(nil)

// NewSynthesizer checks cfg and fills in its defaults. It sends nothing.
func NewSynthesizer(cfg Config) (*Synthesizer, error) {
	header := http.Header{}
	if cfg.APIKey != "" {
		header.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	api, err := ttsstream.Request{
		Provider: "openaispeech", Client: cfg.HTTPClient, Header: header, Key: cfg.APIKey, ParseError: parseError,
	}.At(cfg.BaseURL, DefaultBaseURL, "/audio/speech")
	if err != nil {
		return nil, err
	}
	cfg.Model = cmp.Or(cfg.Model, DefaultModel)
	cfg.Voice = cmp.Or(cfg.Voice, DefaultVoice)
	cfg.SampleRate = cmp.Or(cfg.SampleRate, DefaultSampleRate)
	if _, err := espeak.NewPCMDecoder(cfg.SampleRate, 1); err != nil {
		return nil, fmt.Errorf("openaispeech: sample rate %d: %w", cfg.SampleRate, err)
	}
	return &Synthesizer{api: api, model: cfg.Model, voice: cfg.Voice, rate: cfg.SampleRate}, nil
}

// speechRequest is the JSON body of POST /audio/speech.
type speechRequest struct {
	Model          string `json:"model"`
	Input          string `json:"input"`
	Voice          string `json:"voice"`
	ResponseFormat string `json:"response_format"`
}

// Synthesize sends the request and returns once the server has answered with its status and
// headers; the audio then streams into the Utterance. An error means nothing will be spoken:
// text longer than MaxInputChars (ErrTextTooLong), a request that could not be sent or got
// no answer, ctx ending first, or a refusal (an *APIError, with the status and the server's
// message). Text that is empty or only white space gives an Utterance with no audio
// and sends nothing.
//
// ctx bounds the request: when it ends the stream is cut and NextFrame reports false with
// Err set to ctx's error. The caller must Close the Utterance.
func (s *Synthesizer) Synthesize(ctx context.Context, text string) (speech.Utterance, error) {
	if n := utf8.RuneCountInString(text); n > MaxInputChars {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrTextTooLong, n, MaxInputChars)
	}
	dec, err := espeak.NewPCMDecoder(s.rate, 1)
	if err != nil { // checked by NewSynthesizer
		return nil, fmt.Errorf("openaispeech: %w", err)
	}
	r := s.api
	r.Body = speechRequest{Model: s.model, Input: text, Voice: s.voice, ResponseFormat: "pcm"}
	return ttsstream.Start(ctx, r, dec, text)
}
