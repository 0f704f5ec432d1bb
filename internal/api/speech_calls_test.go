package api_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/session"
	"github.com/dialtonehq/dialtone/internal/speech/elevenlabs/elevenlabstest"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech/openaitest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// TestCallSpeechProvidersFallBack runs sandbox calls of an agent whose text-to-speech is
// ElevenLabs (the organization's key) then OpenAI (the agent's own key), against the
// providers' fakes, which accept only those keys: the keys reach the providers, the refused
// primary hands over to the fallback, and with both failing the call ends with provider_error.
func TestCallSpeechProvidersFallBack(t *testing.T) {
	eleven := elevenlabstest.NewServer(testElevenLabsKey, map[string]sandbox.ToneRegister{"el-voice": sandbox.RegisterLow})
	defer eleven.Close()
	openai := openaitest.NewServer(testAgentTTSKey)
	defer openai.Close()
	logs := &apitest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := convScale
	opts.Logger = log
	opts.Engine = session.Config{SpeechURLs: session.SpeechURLs{ElevenLabs: eleven.URL, OpenAI: openai.URL}, Logger: log}
	env := apitest.Start(t, "sqlite", opts)
	mustStatus(t, call(t, env, "PUT", "/v1/speech-providers", env.Admin, fmt.Sprintf(`{"elevenlabs":{"api_key":%q}}`, testElevenLabsKey)), 200)
	speech := fmt.Sprintf(`,"speech":{"tts":[{"provider":"elevenlabs","voice":"el-voice"},{"provider":"openai","api_key":%q}]}`, testAgentTTSKey)

	eleven.SetMode(ttsstreamtest.Fail500)
	c := converse(t, env, receptionist+speech, `{"steps":[{"say":"What time do you open?"},{"say":"Thanks, bye"}]}`)
	wantEnded(t, c, dialtone.EndedAgentHangup)
	wantLines(t, c, "agent: Hello, this is Ada.", "caller: What time do you open?",
		"agent: We open at nine. See you soon.", "caller: Thanks, bye", "agent: Goodbye.")
	if n, m := eleven.Accepted(), openai.Accepted(); n != 1 || m != 4 {
		t.Errorf("elevenlabs accepted %d requests (want 1: then it was dropped), openai %d (want 4: a request a sentence)", n, m)
	}
	if types := eventTypes(t, env, env.OrgID, c.ID); !slices.Contains(types, dialtone.EventCallSpeechFallback) {
		t.Errorf("no %s event among %q", dialtone.EventCallSpeechFallback, types)
	}

	openai.SetMode(ttsstreamtest.Fail500)
	c = converse(t, env, receptionist+speech, `{"steps":[{"say":"What time do you open?"}]}`)
	wantEnded(t, c, dialtone.EndedProviderError)
	wantLines(t, c, "agent: "+dialtone.SpeechApology)

	// The failures were logged, and neither key is in the log or in any answer.
	out := logs.String()
	if !strings.Contains(out, "switching") {
		t.Errorf("no provider switch in the log:\n%s", out)
	}
	for _, path := range []string{"/v1/agents", "/v1/calls/" + c.ID, "/v1/calls/" + c.ID + "/events", "/v1/speech-providers", "/v1/events?limit=100"} {
		r := call(t, env, "GET", path, env.Admin, "")
		mustStatus(t, r, 200)
		out += string(r.Raw)
	}
	for _, key := range []string{testElevenLabsKey, testAgentTTSKey} {
		if strings.Contains(out, key) {
			t.Errorf("the key %q is in a log line or an answer", key)
		}
	}
}
