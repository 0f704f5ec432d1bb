// Package elevenlabs is a text-to-speech provider for ElevenLabs' streaming endpoint,
// POST {base}/v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000.
//
// It asks for G.711 µ-law at 8 kHz, the telephone's own format, so nothing is resampled: each
// byte of the response body is one sample, decoded to linear PCM as it arrives and handed out
// in 20 ms frames as soon as each frame is complete.
//
// Failures are reported so that the engine can fall back to another provider: a refused
// request (bad key, unknown voice, quota, server error) is an *APIError from Synthesize; a
// stream that breaks off is Err on the Utterance. The API key is sent only in the xi-api-key
// header and never appears in an error.
package elevenlabs

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// Defaults and fixed parameters.
const (
	DefaultBaseURL = "https://api.elevenlabs.io"
	// OutputFormat is the output_format this provider requests: µ-law, 8 kHz.
	OutputFormat = "ulaw_8000"
)

// VoiceSettings overrides the voice's stored settings for a request. Nil fields are left out,
// so the voice's own values apply.
type VoiceSettings struct {
	Stability       *float64 `json:"stability,omitempty"`
	SimilarityBoost *float64 `json:"similarity_boost,omitempty"`
	Style           *float64 `json:"style,omitempty"`
	UseSpeakerBoost *bool    `json:"use_speaker_boost,omitempty"`
	Speed           *float64 `json:"speed,omitempty"`
}

// Config configures a Synthesizer.
type Config struct {
	// BaseURL is the API root, without the version. Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent in the xi-api-key header. Required.
	APIKey string
	// VoiceID is the voice, as listed by ElevenLabs' GET /v1/voices. Required.
	VoiceID string
	// ModelID is the model, such as "eleven_flash_v2_5". Empty leaves it out of the request,
	// so ElevenLabs uses its default model.
	ModelID string
	// VoiceSettings, if not nil, is sent as voice_settings.
	VoiceSettings *VoiceSettings
	// HTTPClient sends the requests; default http.DefaultClient. It should not have an
	// overall Timeout shorter than the longest speech, since the body streams for as long as
	// the audio lasts; bound the work with the context given to Synthesize instead.
	HTTPClient *http.Client
}

// Synthesizer speaks text with one ElevenLabs voice. It is safe for concurrent use.
type Synthesizer struct {
	api      ttsstream.Request // all but the Body
	model    string
	settings *VoiceSettings
}

var _ speech.Synthesizer = (*Synthesizer)(nil)

// NewSynthesizer checks cfg and fills in its defaults. It sends nothing.
func NewSynthesizer(cfg Config) (*Synthesizer, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("elevenlabs: an API key is required")
	}
	if cfg.VoiceID == "" {
		return nil, errors.New("elevenlabs: a voice ID is required")
	}
	api, err := ttsstream.Request{
		Provider: "elevenlabs", Client: cfg.HTTPClient, Header: http.Header{"Xi-Api-Key": {cfg.APIKey}}, Key: cfg.APIKey,
		ParseError: parseError,
	}.At(cfg.BaseURL, DefaultBaseURL, "/v1/text-to-speech/"+url.PathEscape(cfg.VoiceID)+"/stream?output_format="+OutputFormat)
	if err != nil {
		return nil, err
	}
	return &Synthesizer{api: api, model: cfg.ModelID, settings: cfg.VoiceSettings}, nil
}

// ttsRequest is the JSON body of the streaming request.
type ttsRequest struct {
	Text          string         `json:"text"`
	ModelID       string         `json:"model_id,omitempty"`
	VoiceSettings *VoiceSettings `json:"voice_settings,omitempty"`
}

// Synthesize sends the request and returns once the server has answered with its status and
// headers; the audio then streams into the Utterance. An error means nothing will be spoken:
// a request that could not be sent or got no answer, ctx ending first, or a refusal (an
// *APIError, with the status and ElevenLabs' detail). Text that is empty or only white space
// gives an Utterance with no audio and sends nothing. The length limit depends on the model
// and is left to ElevenLabs to enforce (its refusal is an *APIError).
//
// ctx bounds the request: when it ends the stream is cut and NextFrame reports false with
// Err set to ctx's error. The caller must Close the Utterance.
func (s *Synthesizer) Synthesize(ctx context.Context, text string) (speech.Utterance, error) {
	r := s.api
	r.Body = ttsRequest{Text: text, ModelID: s.model, VoiceSettings: s.settings}
	return ttsstream.Start(ctx, r, mulawDecoder{}, text)
}

// mulawDecoder decodes µ-law bytes, one sample each.
type mulawDecoder struct{}

func (mulawDecoder) Decode(dst []int16, p []byte) []int16 {
	for _, b := range p {
		dst = append(dst, media.MulawToLinear(b))
	}
	return dst
}

func (mulawDecoder) Flush(dst []int16) ([]int16, error) { return dst, nil }
