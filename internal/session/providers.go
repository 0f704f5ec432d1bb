package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/deepgram"
	"github.com/dialtonehq/dialtone/internal/speech/elevenlabs"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech"
)

// SpeechURLs are the API roots of the cloud speech providers. Zero fields are the providers'
// real endpoints; tests point them at fakes.
type SpeechURLs struct {
	Deepgram   string // the live streaming endpoint; default deepgram.DefaultURL
	OpenAI     string // default openaispeech.DefaultBaseURL; an agent entry's base_url wins
	ElevenLabs string // default elevenlabs.DefaultBaseURL
}

// synthesizer is one text-to-speech provider of a call, named for the logs and events.
type synthesizer struct {
	name string
	speech.Synthesizer
}

// recognizerSource opens one speech-to-text provider of a call.
type recognizerSource struct {
	name string
	open func(ctx context.Context) (speech.Recognizer, error)
}

// errNoVoice is what speaking returns once every text-to-speech provider of the call failed:
// the apology was queued instead and the call ends.
var errNoVoice = errors.New("session: every text-to-speech provider failed")

// synthesizers returns the text-to-speech providers of a call, in the order they are tried:
// the agent's configured ones (those that cannot be set up are logged and skipped, so there
// may be none), else def alone.
func (e *Engine) synthesizers(st dialtone.ConversationStart, def speech.Synthesizer) []synthesizer {
	if st.Agent.Speech == nil || len(st.Agent.Speech.TTS) == 0 {
		return []synthesizer{{name: "default", Synthesizer: def}}
	}
	var out []synthesizer
	for i, p := range st.Agent.Speech.TTS {
		key := keyAt(st.SpeechKeys.TTS, i)
		var syn speech.Synthesizer
		var err error
		switch p.Provider {
		case dialtone.SpeechOpenAI:
			syn, err = openaispeech.NewSynthesizer(openaispeech.Config{BaseURL: cmp.Or(p.BaseURL, e.cfg.SpeechURLs.OpenAI),
				APIKey: key, Model: p.Model, Voice: p.Voice, HTTPClient: e.cfg.HTTPClient})
		case dialtone.SpeechElevenLabs:
			syn, err = elevenlabs.NewSynthesizer(elevenlabs.Config{BaseURL: e.cfg.SpeechURLs.ElevenLabs, APIKey: key,
				VoiceID: p.Voice, ModelID: p.Model, HTTPClient: e.cfg.HTTPClient})
		default:
			err = fmt.Errorf("%q does not speak", p.Provider)
		}
		name := fmt.Sprintf("tts[%d] %s", i, p.Provider)
		if err != nil {
			e.log.Error("speech provider cannot be set up; skipped", "call_id", st.Call.ID, "provider", name, "error", err)
			continue
		}
		out = append(out, synthesizer{name: name, Synthesizer: syn})
	}
	return out
}

// recognizers returns the speech-to-text providers of a call, in the order they are tried:
// the agent's configured ones, else the sandbox recogniser alone.
func (e *Engine) recognizers(st dialtone.ConversationStart) []recognizerSource {
	if st.Agent.Speech == nil || len(st.Agent.Speech.STT) == 0 {
		rec := e.cfg.Recognizer(st.Agent.Voice)
		return []recognizerSource{{name: "default", open: func(context.Context) (speech.Recognizer, error) { return rec, nil }}}
	}
	lang := st.Agent.Language
	var out []recognizerSource
	for i, p := range st.Agent.Speech.STT {
		key, name := keyAt(st.SpeechKeys.STT, i), fmt.Sprintf("stt[%d] %s", i, p.Provider)
		var open func(ctx context.Context) (speech.Recognizer, error)
		switch p.Provider {
		case dialtone.SpeechDeepgram:
			cfg := deepgram.Config{URL: e.cfg.SpeechURLs.Deepgram, APIKey: key, Model: p.Model, Language: cmp.Or(p.Language, lang),
				HTTPClient: e.cfg.HTTPClient}
			open = func(ctx context.Context) (speech.Recognizer, error) { return deepgram.New(ctx, cfg) }
		case dialtone.SpeechOpenAI:
			language := p.Language
			if language == "" && len(lang) >= 2 {
				language = strings.ToLower(lang[:2]) // ISO 639-1 from the agent's BCP-47 language
			}
			cfg := openaispeech.RecognizerConfig{BaseURL: cmp.Or(p.BaseURL, e.cfg.SpeechURLs.OpenAI), APIKey: key, Model: p.Model,
				Language: language, HTTPClient: e.cfg.HTTPClient}
			open = func(context.Context) (speech.Recognizer, error) { return openaispeech.NewRecognizer(cfg) }
		default:
			open = func(context.Context) (speech.Recognizer, error) {
				return nil, fmt.Errorf("%q does not listen", p.Provider)
			}
		}
		out = append(out, recognizerSource{name: name, open: open})
	}
	return out
}

func keyAt(keys []string, i int) string {
	if i < len(keys) {
		return keys[i]
	}
	return ""
}

// failing is a recognizer that can fail (the cloud ones); the sandbox recognizer cannot.
type failing interface{ Err() error }

// closer is a recognizer holding a connection or requests to release.
type closer interface{ Close() error }

// openRecognizer opens the first recognizer from position from on that opens, and returns it
// with its position; nil and len(sources) when none does (each failure is logged).
func (s *session) openRecognizer(ctx context.Context, from int) (speech.Recognizer, int) {
	for i := from; i < len(s.sttSources); i++ {
		r, err := s.sttSources[i].open(ctx)
		if err == nil {
			return r, i
		}
		s.eng.log.Error("speech-to-text provider cannot start", "call_id", s.st.Call.ID, "provider", s.sttSources[i].name, "error", err)
	}
	return nil, len(s.sttSources)
}

// checkRecognizer switches to the next speech-to-text provider when the one in use failed
// (Err is not nil); with none left the agent apologises and the call ends.
func (s *session) checkRecognizer() {
	f, ok := s.stt.(failing)
	if !ok || s.noVoice.Load() {
		return
	}
	err := f.Err()
	if err == nil {
		return
	}
	from := s.sttSources[s.sttAt].name
	s.closeRecognizer()
	next, at := s.openRecognizer(s.ctx, s.sttAt+1)
	s.sttAt = at
	to := ""
	if next != nil {
		to = s.sttSources[at].name
	}
	s.eng.log.Warn("speech-to-text provider failed; switching", "call_id", s.st.Call.ID, "from", from, "to", to, "error", err)
	s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallSpeechFallback,
		Fallback: &dialtone.SpeechFallback{Kind: "stt", From: from, To: to}})
	if next == nil {
		s.stt = silentRecognizer{}
		s.apologize()
		return
	}
	s.stt = next
}

// publishFallbacks publishes the text-to-speech switches the reply goroutines made.
func (s *session) publishFallbacks() {
	s.fallbackMu.Lock()
	fbs := s.fallbacks
	s.fallbacks = nil
	s.fallbackMu.Unlock()
	for i := range fbs {
		s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallSpeechFallback, Fallback: &fbs[i]})
	}
}

// closeRecognizer releases the recognizer in use, without waiting for it.
func (s *session) closeRecognizer() {
	if c, ok := s.stt.(closer); ok {
		go func() { _ = c.Close() }()
	}
}

// silentRecognizer hears nothing: the recognizer of a call whose every speech-to-text provider
// failed, while it apologises and ends.
type silentRecognizer struct{}

func (silentRecognizer) Write([]int16)                   {}
func (silentRecognizer) Next() (speech.Transcript, bool) { return speech.Transcript{}, false }
func (silentRecognizer) Active() bool                    { return false }

// apology is SpeechApology spoken ahead of time, at the start of the call, by the voice that
// cannot fail.
type apology struct {
	frames []dialtone.AudioFrame
	heard  func(samples int) string
}

// renderApology speaks dialtone.SpeechApology with def into memory.
func renderApology(ctx context.Context, def speech.Synthesizer) (apology, error) {
	u, err := def.Synthesize(ctx, dialtone.SpeechApology)
	if err != nil {
		return apology{}, err
	}
	defer u.Close()
	var a apology
	var pcm media.PCMFrame
	var f dialtone.AudioFrame
	for u.NextFrame(&pcm) {
		media.EncodeFrame((*media.Frame)(&f), &pcm)
		a.frames = append(a.frames, f)
	}
	if err := u.Err(); err != nil {
		return apology{}, err
	}
	total := len(a.frames) * media.FrameSamples
	a.heard = func(samples int) string {
		if samples >= total {
			return dialtone.SpeechApology
		}
		return ""
	}
	return a, nil
}

// apologize interrupts the agent and has it say the apology, after which the call ends with
// provider_error: every provider of one kind failed.
func (s *session) apologize() {
	s.noVoice.Store(true)
	if s.reply != nil {
		s.interrupt()
	}
	r := s.newReply(kindApology)
	go func() {
		defer close(r.exited)
		s.queueApology(r)
	}()
}

// queueApology queues the apology's frames as an utterance of r and makes r end the call. It
// runs on r's goroutine; it returns errNoVoice (or the error that stopped r).
func (s *session) queueApology(r *reply) error {
	s.noVoice.Store(true)
	id := s.nextUtt.Add(1)
	r.mu.Lock()
	r.utts = append(r.utts, spoken{id: id, text: dialtone.SpeechApology, heard: s.apology.heard})
	if r.firstID == 0 {
		r.firstID = id
		s.out.watchUtterance(id)
	}
	r.action = dialtone.BrainOutput{}
	r.providerError = true
	r.mu.Unlock()
	for i := range s.apology.frames {
		samples := int32((i + 1) * media.FrameSamples)
		if !s.out.push(&s.apology.frames[i], frameTag{utterance: id, samples: samples}, r.ctx.Done()) {
			return r.ctx.Err()
		}
	}
	return errNoVoice
}

// speakWith synthesises text with the provider in use and queues its frames, switching to the
// next provider when one fails: the rest of the text (what the failed one did not get to say)
// is spoken by the next. With none left the apology is queued and errNoVoice returned.
func (s *session) speakWith(r *reply, text string) error {
	if !s.cloudTTS { // the agent's own voice: no fallback, as before cloud providers
		_, err := s.speakOnce(r, s.tts[0], text)
		return err
	}
	for {
		at := int(s.ttsAt.Load())
		if at >= len(s.tts) || s.noVoice.Load() {
			return s.queueApology(r)
		}
		syn := s.tts[at]
		heard, err := s.speakOnce(r, syn, text)
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		if err == nil {
			return nil
		}
		to := ""
		if at+1 < len(s.tts) {
			to = s.tts[at+1].name
		}
		if s.ttsAt.CompareAndSwap(int32(at), int32(at+1)) {
			s.eng.log.Warn("text-to-speech provider failed; switching", "call_id", s.st.Call.ID, "from", syn.name, "to", to, "error", err)
			s.fallbackMu.Lock()
			s.fallbacks = append(s.fallbacks, dialtone.SpeechFallback{Kind: "tts", From: syn.name, To: to})
			s.fallbackMu.Unlock()
		}
		text = strings.TrimSpace(strings.TrimPrefix(text, heard))
		if text == "" {
			return nil
		}
	}
}
