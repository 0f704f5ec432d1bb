package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/apitest"
)

// The keys of these tests: none may ever appear in a response.
const (
	testDeepgramKey   = "dg-secret-0123456789abcdef"
	testOpenAIKey     = "sk-openai-secret-0123456789"
	testElevenLabsKey = "el-secret-0123456789abcdef"
	testAgentTTSKey   = "agent-tts-secret-0123456789"
)

// noKeys fails t when a response body carries any of the test keys.
func noKeys(t *testing.T, r resp) {
	t.Helper()
	for _, k := range []string{testDeepgramKey, testOpenAIKey, testElevenLabsKey, testAgentTTSKey} {
		if strings.Contains(string(r.Raw), k) {
			t.Fatalf("a response shows the key %q: %s", k, r.Raw)
		}
	}
}

func TestSpeechProviderKeys(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		g := call(t, env, "GET", "/v1/speech-providers", env.Admin, "")
		mustStatus(t, g, 200)
		if g.JSON["object"] != "speech_providers" || g.JSON["deepgram"] != nil || g.JSON["openai"] != nil || g.JSON["updated_at"] != nil {
			t.Fatalf("before any key: %s", g.Raw)
		}
		p := call(t, env, "PUT", "/v1/speech-providers", env.Admin, fmt.Sprintf(
			`{"deepgram":{"api_key":%q},"openai":{"api_key":%q,"base_url":"http://whisper.internal:8000/v1"},"elevenlabs":{"api_key":%q}}`,
			testDeepgramKey, testOpenAIKey, testElevenLabsKey))
		mustStatus(t, p, 200)
		noKeys(t, p)
		if fmt.Sprint(p.JSON["deepgram"]) != "map[api_key_set:true]" || fmt.Sprint(p.JSON["elevenlabs"]) != "map[api_key_set:true]" ||
			fmt.Sprint(p.JSON["openai"]) != "map[api_key_set:true base_url:http://whisper.internal:8000/v1]" || p.JSON["updated_at"] == nil {
			t.Fatalf("after put: %s", p.Raw)
		}
		g = call(t, env, "GET", "/v1/speech-providers", env.Admin, "")
		noKeys(t, g)
		if string(g.Raw) != string(p.Raw) {
			t.Fatalf("get differs from put:\n%s\n%s", g.Raw, p.Raw)
		}

		// Absent providers stay; null removes one.
		p = call(t, env, "PUT", "/v1/speech-providers", env.Admin, `{"elevenlabs":null}`)
		mustStatus(t, p, 200)
		if p.JSON["elevenlabs"] != nil || p.JSON["deepgram"] == nil || p.JSON["openai"] == nil {
			t.Fatalf("after removing elevenlabs: %s", p.Raw)
		}

		// Bad input lists every invalid field and changes nothing.
		bad := call(t, env, "PUT", "/v1/speech-providers", env.Admin,
			`{"deepgram":{"api_key":"","base_url":"https://x.example"},"openai":{"api_key":"has space"},"elevenlabs":{}}`)
		e := wantError(t, env, bad, "invalid_value", "deepgram.base_url")
		want := []string{"deepgram.base_url:invalid_value", "deepgram.api_key:field_required", "openai.api_key:invalid_value", "elevenlabs.api_key:field_required"}
		if got := fields(e); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("fields %v, want %v", got, want)
		}
		if again := call(t, env, "GET", "/v1/speech-providers", env.Admin, ""); string(again.Raw) != string(p.Raw) {
			t.Fatalf("a refused put changed the keys: %s", again.Raw)
		}
		// A self-hosted OpenAI-compatible server needs no key.
		mustStatus(t, call(t, env, "PUT", "/v1/speech-providers", env.Admin, `{"openai":{"base_url":"http://127.0.0.1:9000/v1"}}`), 200)
		k := call(t, env, "POST", "/v1/keys", env.Admin, `{"name":"ro","role":"read"}`)
		mustStatus(t, k, 201)
		wantError(t, env, call(t, env, "PUT", "/v1/speech-providers", k.JSON["credential"].(string), `{"deepgram":null}`), "insufficient_permissions", "")
	})
}

func TestAgentSpeechSettings(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		// Without an organization key, an entry needs its own.
		body := `{"name":"Speechy","speech":{"stt":[{"provider":"deepgram","model":"nova-3"}],"tts":[{"provider":"elevenlabs","voice":"v1"}]}}`
		e := wantError(t, env, call(t, env, "POST", "/v1/agents", env.Admin, body), "field_required", "speech.stt[0].api_key")
		if got := fields(e); fmt.Sprint(got) != "[speech.stt[0].api_key:field_required speech.tts[0].api_key:field_required]" {
			t.Fatalf("fields %v", got)
		}
		if !strings.Contains(e.Message+fmt.Sprint(e.Details), "/v1/speech-providers") {
			t.Errorf("the error does not say how to set an organization key: %+v", e)
		}

		mustStatus(t, call(t, env, "PUT", "/v1/speech-providers", env.Admin, fmt.Sprintf(`{"deepgram":{"api_key":%q}}`, testDeepgramKey)), 200)
		r := call(t, env, "POST", "/v1/agents", env.Admin, fmt.Sprintf(
			`{"name":"Speechy","speech":{"stt":[{"provider":"deepgram","language":"en-US"},{"provider":"openai","base_url":"http://127.0.0.1:9000/v1"}],
			  "tts":[{"provider":"elevenlabs","voice":"v1","model":"eleven_flash_v2_5","api_key":%q},{"provider":"openai","voice":"alloy","api_key":%q}]}}`,
			testElevenLabsKey, testAgentTTSKey))
		mustStatus(t, r, 201)
		noKeys(t, r)
		id := r.JSON["id"].(string)
		sp := r.JSON["speech"].(map[string]any)
		stt, tts := sp["stt"].([]any), sp["tts"].([]any)
		if fmt.Sprint(stt[0]) != "map[api_key_set:false language:en-US provider:deepgram]" ||
			fmt.Sprint(stt[1]) != "map[api_key_set:false base_url:http://127.0.0.1:9000/v1 provider:openai]" ||
			fmt.Sprint(tts[0]) != "map[api_key_set:true model:eleven_flash_v2_5 provider:elevenlabs voice:v1]" ||
			fmt.Sprint(tts[1]) != "map[api_key_set:true provider:openai voice:alloy]" {
			t.Fatalf("rendered speech: %s", r.Raw)
		}
		g := call(t, env, "GET", "/v1/agents/"+id, env.Admin, "")
		noKeys(t, g)
		if string(g.Raw) != string(r.Raw) {
			t.Fatalf("get differs from create:\n%s\n%s", g.Raw, r.Raw)
		}
		noKeys(t, call(t, env, "GET", "/v1/agents", env.Admin, ""))

		// An update without api_key keeps the stored key of the same position and provider;
		// null drops it (then the organization's key is needed, and openai has none).
		p := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin,
			`{"speech":{"stt":[{"provider":"deepgram"}],"tts":[{"provider":"elevenlabs","voice":"v2"},{"provider":"openai","voice":"nova"}]}}`)
		mustStatus(t, p, 200)
		noKeys(t, p)
		tts = p.JSON["speech"].(map[string]any)["tts"].([]any)
		if tts[0].(map[string]any)["api_key_set"] != true || tts[1].(map[string]any)["api_key_set"] != true {
			t.Fatalf("keys not kept: %s", p.Raw)
		}
		bad := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin,
			`{"greeting":"changed","speech":{"tts":[{"provider":"openai","api_key":null}]}}`)
		wantError(t, env, bad, "field_required", "speech.tts[0].api_key")
		if again := call(t, env, "GET", "/v1/agents/"+id, env.Admin, ""); string(again.Raw) != string(p.Raw) {
			t.Fatalf("a refused update changed the agent:\n%s\n%s", again.Raw, p.Raw)
		}

		// null removes the settings: the agent speaks with its voice again.
		p = call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"speech":null}`)
		mustStatus(t, p, 200)
		if v, ok := p.JSON["speech"]; !ok || v != nil {
			t.Fatalf("speech after null: %s", p.Raw)
		}
	})
}

func TestAgentSpeechValidationListsEveryField(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"x","speech":{
		"stt":[{"provider":"elevenlabs"},{"provider":"deepgram","voice":"v","base_url":"https://x.example"},{}],
		"tts":[{"provider":"deepgram"},{"provider":"elevenlabs","api_key":""},{"provider":"openai","base_url":"ftp://x"},{"provider":"openai"}]}}`)
	e := wantError(t, env, r, "invalid_value", "speech.stt[0].provider")
	want := []string{"speech.stt[0].provider:invalid_value", "speech.stt[1].voice:invalid_value", "speech.stt[1].base_url:invalid_value",
		"speech.stt[2].provider:field_required", "speech.tts:too_many_items"}
	if got := fields(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	r = call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"x","speech":{
		"tts":[{"provider":"deepgram"},{"provider":"elevenlabs","api_key":""},{"provider":"openai","base_url":"ftp://x"}]}}`)
	e = wantError(t, env, r, "invalid_value", "speech.tts[0].provider")
	want = []string{"speech.tts[0].provider:invalid_value", "speech.tts[1].voice:field_required", "speech.tts[1].api_key:field_required",
		"speech.tts[2].base_url:invalid_value"}
	if got := fields(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if l := call(t, env, "GET", "/v1/agents", env.Admin, ""); len(l.JSON["data"].([]any)) != 0 {
		t.Fatalf("a refused create stored an agent: %s", l.Raw)
	}
}
