// Package session is the conversation engine (DESIGN §8): one session per answered call
// turns the caller's 20 ms µ-law frames into turns for the agent's brain and the brain's
// replies back into paced audio, with turn detection, barge-in, DTMF, voicemail, silence
// handling, a two-channel recording, a transcript and per-stage latency.
//
// Threads. Each session has one goroutine (run) that owns everything about the call's
// state: it reads the leg's inbound frames, runs voice activity detection, DTMF detection
// and speech recognition on them, decides turns and barge-ins, and writes the recording.
// Replies are produced by a reply goroutine per agent turn (brain, sentence splitting,
// speech synthesis), which queues frames in the call's outQueue; the shared send clock
// (pacer) takes one frame per tick from every call's queue. The session counts time in
// frames of the caller's audio, so its behaviour does not depend on the wall clock.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/openai"
	"github.com/dialtonehq/dialtone/internal/brain/scripted"
	"github.com/dialtonehq/dialtone/internal/brain/webhook"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// DefaultFallbackText is what the agent says when its brain fails and it has no fallback.
const DefaultFallbackText = "Sorry, I didn't catch that. Could you say it again?"

// Config configures an Engine. Pacer is required; the rest has defaults.
type Config struct {
	// Pacer is the shared send clock.
	Pacer *pacer.Pacer
	// RecordingsDir is where call recordings are written (<call id>.wav); "" records nothing.
	RecordingsDir string
	// HTTPClient is used by the openai and webhook brains; default http.DefaultClient.
	HTTPClient *http.Client
	// Version is the server's version, sent to webhook brains.
	Version string
	// Synthesizer returns the text-to-speech of a voice; default: espeak-ng for its voices
	// (espeak-*), sandbox tone speech for every other.
	Synthesizer func(voice string) (speech.Synthesizer, error)
	// Recognizer returns the speech-to-text for a call whose agent speaks with voice;
	// default: sandbox tone speech in the register the agent does not use.
	Recognizer func(voice string) speech.Recognizer
	// SpeechURLs are the API roots of the cloud speech providers agents may configure;
	// zero fields are the real endpoints.
	SpeechURLs SpeechURLs
	// Logger receives what goes wrong; default slog.Default().
	Logger *slog.Logger
}

// Engine starts the conversations of answered calls.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	live atomic.Int64 // conversations started and not yet finished
}

// Live returns how many conversations are going on.
func (e *Engine) Live() int { return int(e.live.Load()) }

var _ dialtone.ConversationEngine = (*Engine)(nil)

// New returns an engine; it fails when cfg.Pacer is nil or the recordings directory cannot
// be created.
func New(cfg Config) (*Engine, error) {
	if cfg.Pacer == nil {
		return nil, errors.New("session: a pacer is required")
	}
	if cfg.RecordingsDir != "" {
		if err := os.MkdirAll(cfg.RecordingsDir, 0o700); err != nil {
			return nil, fmt.Errorf("session: recordings directory: %w", err)
		}
	}
	cfg.HTTPClient = cmp.Or(cfg.HTTPClient, http.DefaultClient)
	if cfg.Synthesizer == nil {
		cfg.Synthesizer = defaultSynthesizer
	}
	if cfg.Recognizer == nil {
		cfg.Recognizer = sandboxRecognizer
	}
	return &Engine{cfg: cfg, log: cmp.Or(cfg.Logger, slog.Default())}, nil
}

// RecordingPath returns where the recording named name (ConversationResult.Recording) is, or
// "" when the engine records nothing or name is not a recording's name.
func (e *Engine) RecordingPath(name string) string {
	if e.cfg.RecordingsDir == "" || name == "" || filepath.Base(name) != name || filepath.Ext(name) != ".wav" {
		return ""
	}
	return filepath.Join(e.cfg.RecordingsDir, name)
}

// Start begins the conversation of an answered call. It fails when the agent's brain or
// voice cannot be set up (the call should then end) or the pacer stopped.
//
// An agent with cloud speech providers (Agent.Speech, keys in st.SpeechKeys) uses them in
// order: when the one in use fails during the call, the next takes over (the rest of an
// interrupted reply is spoken again by the next voice). When none of a kind is left, the
// agent says dialtone.SpeechApology in its own voice (sandbox tones or espeak-ng, rendered
// here, before it can be needed) and the call ends with provider_error.
func (e *Engine) Start(ctx context.Context, st dialtone.ConversationStart) (dialtone.Conversation, error) {
	brain, err := e.Responder(st.Agent, st.Secret)
	if err != nil {
		return nil, err
	}
	def, err := e.cfg.Synthesizer(st.Agent.Voice)
	if err != nil {
		return nil, err
	}
	tts := e.synthesizers(st, def)
	s := newSession(e, st, brain, tts, e.recognizers(st))
	if sp := st.Agent.Speech; sp != nil && (len(sp.STT) > 0 || len(sp.TTS) > 0) {
		s.cloudTTS = len(sp.TTS) > 0
		if s.apology, err = renderApology(ctx, def); err != nil {
			return nil, fmt.Errorf("session: the apology: %w", err)
		}
	}
	e.live.Add(1)
	if err := s.start(ctx); err != nil {
		e.live.Add(-1)
		return nil, err
	}
	return s, nil
}

// Responder returns the brain of agent a, of its brain type, with its opened secret: what
// answers the agent's calls, and its text messages.
func (e *Engine) Responder(a dialtone.Agent, secret string) (dialtone.Responder, error) {
	switch a.Brain.Type {
	case dialtone.BrainOpenAI:
		return openai.New(a, secret, e.cfg.HTTPClient)
	case dialtone.BrainWebhook:
		return webhook.New(a, secret, e.cfg.Version, e.cfg.HTTPClient)
	default:
		return scripted.New(a)
	}
}

// defaultSynthesizer speaks espeak-ng voices with espeak-ng (an error when it is not
// installed) and every other voice in sandbox tone speech.
func defaultSynthesizer(voice string) (speech.Synthesizer, error) {
	if cfg, ok := espeak.VoiceConfig(voice); ok {
		return espeak.New(cfg)
	}
	r, _ := sandbox.RegisterForVoice(voice)
	return sandbox.Synthesizer{Register: r}, nil
}

// sandboxRecognizer hears the register the agent does not speak in: the sandbox's simulated
// people answer in the other one.
func sandboxRecognizer(voice string) speech.Recognizer {
	r, _ := sandbox.RegisterForVoice(voice)
	if r == sandbox.RegisterHigh {
		return sandbox.NewRecognizer(sandbox.RegisterLow)
	}
	return sandbox.NewRecognizer(sandbox.RegisterHigh)
}
