package session

import (
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/speech/deepgram/deepgramtest"
	"github.com/dialtonehq/dialtone/internal/speech/elevenlabs/elevenlabstest"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech/openaitest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// The keys the fakes of these tests accept.
const (
	elevenKey   = "el-test-key-0123456789"
	openAIKey   = "sk-test-key-0123456789"
	deepgramKey = "dg-test-key-0123456789"
	elevenVoice = "el-voice-low"
)

// speechFakes are the providers' fakes of one test, speaking and hearing sandbox tones.
type speechFakes struct {
	eleven  *elevenlabstest.Server
	openai  *openaitest.Server
	dg      *deepgramtest.Server
	whisper *openaitest.Transcriber
}

func startFakes(t *testing.T, dg deepgramtest.Options) *speechFakes {
	t.Helper()
	dg.APIKey, dg.Register = deepgramKey, sandbox.RegisterHigh
	f := &speechFakes{
		eleven:  elevenlabstest.NewServer(elevenKey, map[string]sandbox.ToneRegister{elevenVoice: sandbox.RegisterLow}),
		openai:  openaitest.NewServer(openAIKey),
		dg:      deepgramtest.NewServer(dg),
		whisper: openaitest.NewTranscriber(openaitest.TranscriberOptions{APIKey: openAIKey, Register: sandbox.RegisterHigh}),
	}
	t.Cleanup(func() { f.eleven.Close(); f.openai.Close(); f.dg.Close(); f.whisper.Close() })
	return f
}

// startSpeechTest runs a conversation of agent (with speech settings and keys) over leg, with
// the providers' fakes as their endpoints, to its end. The whisper fake serves OpenAI
// speech-to-text, the openai fake OpenAI text-to-speech (entries name them by base_url).
func startSpeechTest(t *testing.T, f *speechFakes, agent dialtone.Agent, keys dialtone.SpeechKeys, leg *testLeg) speechCall {
	t.Helper()
	agent.Voice, agent.Language = "sandbox-en-us-low", "en-US"
	s, ctl := runTest(t, Config{SpeechURLs: SpeechURLs{Deepgram: f.dg.URL(), OpenAI: f.openai.URL, ElevenLabs: f.eleven.URL}},
		dialtone.ConversationStart{Agent: agent, SpeechKeys: keys, Leg: leg})
	return speechCall{s.Result(), ctl}
}

// speechCall is what a conversation of these tests left.
type speechCall struct {
	r   dialtone.ConversationResult
	ctl *testControl
}

// wantWholeCall checks that a call of openingHours agent a went to its end, heard and answered
// as if no provider had failed, with one provider switch: fallback.
func (c speechCall) wantWholeCall(t *testing.T, a dialtone.Agent, fallback string) {
	t.Helper()
	wantTranscript(t, c.r, "agent: "+a.Greeting, "caller: What time do you open?", "agent: We open at nine.",
		"caller: Thanks, bye", "agent: Goodbye.")
	if c.r.EndedReason != dialtone.EndedAgentHangup {
		t.Errorf("ended %q", c.r.EndedReason)
	}
	if got := fallbacks(c.ctl); !slices.Equal(got, []string{fallback}) {
		t.Errorf("fallback events %q, want %q", got, fallback)
	}
}

// fallbacks returns the call.speech_fallback events published, as "kind: from -> to".
func fallbacks(ctl *testControl) []string {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	var out []string
	for _, ev := range ctl.events {
		if ev.Object == dialtone.EventCallSpeechFallback && ev.Fallback != nil {
			out = append(out, ev.Fallback.Kind+": "+ev.Fallback.From+" -> "+ev.Fallback.To)
		}
	}
	return out
}

func openingHours() dialtone.Agent {
	return scriptedAgent("Hello, this is Ada from the Dialtone test line.",
		dialtone.ScriptRule{Match: "open", Say: "We open at nine."},
		dialtone.ScriptRule{Match: "bye", Say: "Goodbye.", Action: dialtone.ActionEndCall})
}

func wantTranscript(t *testing.T, r dialtone.ConversationResult, want ...string) {
	t.Helper()
	if got := texts(r.Transcript); !slices.Equal(got, want) {
		t.Fatalf("transcript %q, want %q", got, want)
	}
}

func TestTTSFallsBackMidReply(t *testing.T) {
	f := startFakes(t, deepgramtest.Options{})
	f.eleven.SetMode(ttsstreamtest.CutMidway)
	// The first half of the audio in one piece, then the cut: the far end's tone decoder then
	// resynchronises on the next voice (with smaller pieces it sometimes does not, which says
	// nothing about the engine).
	f.eleven.SetChunkBytes(1 << 20)
	// The second voice's audio in one piece too: a stream that arrives slower than it plays
	// (a loaded machine) leaves gaps of silence inside its words, which tone speech cannot
	// bridge.
	f.openai.SetChunkBytes(1 << 20)
	a := openingHours()
	a.Speech = &dialtone.Speech{TTS: []dialtone.SpeechProvider{
		{Provider: dialtone.SpeechElevenLabs, Voice: elevenVoice}, {Provider: dialtone.SpeechOpenAI}}}
	leg := newTestLeg("What time do you open?", "Thanks, bye")
	// The caller waits for the end of the greeting, however long the switch of voice takes.
	leg.cues = []string{"test line."}
	c := startSpeechTest(t, f, a, dialtone.SpeechKeys{TTS: []string{elevenKey, openAIKey}}, leg)
	c.wantWholeCall(t, a, "tts: tts[0] elevenlabs -> tts[1] openai")
	// ElevenLabs was asked once, for the greeting; OpenAI said the rest of the greeting (what
	// the caller had not heard yet) and everything after.
	if n := f.eleven.Accepted(); n != 1 {
		t.Errorf("elevenlabs accepted %d requests, want 1", n)
	}
	reqs := f.openai.Requests()
	if len(reqs) != 3 {
		t.Fatalf("openai requests %+v, want 3", reqs)
	}
	// How much of the cut audio counts as heard is an estimate (speech.Timeline): the rest is
	// the greeting's end, or all of it when no whole word was confirmed.
	rest := reqs[0].Input
	if rest == "" || (rest != a.Greeting && !strings.HasSuffix(a.Greeting, " "+rest)) {
		t.Errorf("openai was asked for %q, want the end of %q", rest, a.Greeting)
	}
	// The caller heard the rest of the greeting in the second voice.
	leg.mu.Lock()
	heard := slices.Clone(leg.heard)
	leg.mu.Unlock()
	if !slices.Contains(heard, rest) {
		t.Errorf("the caller did not hear %q; heard %q", rest, heard)
	}
}

func TestEveryTTSFailingApologisesAndEnds(t *testing.T) {
	f := startFakes(t, deepgramtest.Options{})
	f.eleven.SetMode(ttsstreamtest.Fail500)
	f.openai.SetMode(ttsstreamtest.CutMidway)
	a := openingHours()
	a.Speech = &dialtone.Speech{TTS: []dialtone.SpeechProvider{
		{Provider: dialtone.SpeechElevenLabs, Voice: elevenVoice}, {Provider: dialtone.SpeechOpenAI}}}
	leg := newTestLeg("What time do you open?")
	c := startSpeechTest(t, f, a, dialtone.SpeechKeys{TTS: []string{elevenKey, openAIKey}}, leg)
	r, ctl := c.r, c.ctl
	if r.EndedReason != dialtone.EndedProviderError {
		t.Errorf("ended %q, want provider_error", r.EndedReason)
	}
	// The greeting's words heard before the voices failed, then the apology, in one turn.
	got := texts(r.Transcript)
	if len(got) != 1 || !strings.HasPrefix(got[0], "agent: Hello") || !strings.HasSuffix(got[0], " "+dialtone.SpeechApology) {
		t.Fatalf("transcript %q: want the start of the greeting and the apology, and no answer", got)
	}
	if fb := fallbacks(ctl); !slices.Equal(fb, []string{"tts: tts[0] elevenlabs -> tts[1] openai", "tts: tts[1] openai -> "}) {
		t.Errorf("fallback events %q", fb)
	}
	leg.mu.Lock()
	defer leg.mu.Unlock()
	if !slices.Contains(leg.heard, dialtone.SpeechApology) {
		t.Errorf("the caller did not hear the apology; heard %q", leg.heard)
	}
}

func TestSTTFallsBackWhenDeepgramDrops(t *testing.T) {
	f := startFakes(t, deepgramtest.Options{DropAfterBytes: 4000})
	a := openingHours()
	a.Speech = &dialtone.Speech{STT: []dialtone.SpeechProvider{
		{Provider: dialtone.SpeechDeepgram}, {Provider: dialtone.SpeechOpenAI, BaseURL: f.whisper.URL}}}
	leg := newTestLeg("What time do you open?", "Thanks, bye")
	startSpeechTest(t, f, a, dialtone.SpeechKeys{STT: []string{deepgramKey, openAIKey}}, leg).
		wantWholeCall(t, a, "stt: stt[0] deepgram -> stt[1] openai")
	st := f.dg.Stats()
	if len(st.Sessions) != 1 || !st.Sessions[0].Dropped {
		t.Errorf("deepgram sessions %+v: want one, dropped", st.Sessions)
	}
	var heard []string
	for _, tr := range f.whisper.Requests() {
		if tr.Text != "" {
			heard = append(heard, tr.Text)
		}
	}
	if !slices.Equal(heard, []string{"What time do you open?", "Thanks, bye"}) {
		t.Errorf("the OpenAI transcriber heard %q", heard)
	}
}

func TestEverySTTFailingApologisesAndEnds(t *testing.T) {
	f := startFakes(t, deepgramtest.Options{DropAfterBytes: 4000})
	a := openingHours()
	a.Speech = &dialtone.Speech{STT: []dialtone.SpeechProvider{{Provider: dialtone.SpeechDeepgram}}}
	leg := newTestLeg("What time do you open?")
	c := startSpeechTest(t, f, a, dialtone.SpeechKeys{STT: []string{deepgramKey}}, leg)
	r, ctl := c.r, c.ctl
	if r.EndedReason != dialtone.EndedProviderError {
		t.Errorf("ended %q, want provider_error", r.EndedReason)
	}
	if got := texts(r.Transcript); len(got) == 0 || got[len(got)-1] != "agent: "+dialtone.SpeechApology {
		t.Fatalf("transcript %q: want the apology last", got)
	}
	if got := fallbacks(ctl); !slices.Equal(got, []string{"stt: stt[0] deepgram -> "}) {
		t.Errorf("fallback events %q", got)
	}
}
