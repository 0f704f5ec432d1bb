package elevenlabs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/elevenlabs"
	"github.com/dialtonehq/dialtone/internal/speech/elevenlabs/elevenlabstest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// Voices of the fake.
const (
	lowVoice  = "JBFqnCBsd6RMkjVDRZzb"
	highVoice = "21m00Tcm4TlvDq8ikWAM"
)

// startFake starts a fake that knows lowVoice and highVoice.
func startFake() *elevenlabstest.Server {
	return elevenlabstest.NewServer(ttsstreamtest.GoodKey, map[string]sandbox.ToneRegister{lowVoice: sandbox.RegisterLow, highVoice: sandbox.RegisterHigh})
}

// provider describes elevenlabs to the common tests.
func provider() ttsstreamtest.Provider {
	return ttsstreamtest.Provider{
		WrongKeyMessage: "Invalid API key",
		ServerErrorCode: "internal_server_error",
		Voice:           lowVoice,
		New: func(baseURL, key, voice string, client *http.Client) (speech.Synthesizer, error) {
			return elevenlabs.NewSynthesizer(elevenlabs.Config{BaseURL: baseURL, APIKey: key, VoiceID: voice, ModelID: "eleven_flash_v2_5", HTTPClient: client})
		},
		NewFake: func() (ttsstreamtest.Fake, string) {
			f := startFake()
			return f, f.URL
		},
		EchoKey: func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get("xi-api-key")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"detail":{"status":%q,"message":"key %s is blocked"}}`, key, key)
		},
	}
}

func TestCommon(t *testing.T) { ttsstreamtest.RunCommon(t, provider()) }

func TestSynthesizeDecodesToTheText(t *testing.T) {
	provider().CheckCases(t, []ttsstreamtest.Case{
		{Voice: lowVoice, Reg: sandbox.RegisterLow, Text: "Hello, this is a test.", Chunk: elevenlabstest.DefaultChunkBytes},
		{Voice: highVoice, Reg: sandbox.RegisterHigh, Text: "Your appointment is on Tuesday at 3:45 PM. Bring ID #42!", Chunk: 97},
		{Voice: lowVoice, Reg: sandbox.RegisterLow, Text: "Ünïcode wörds, ok?", Chunk: 1},
	}, func(t *testing.T, f ttsstreamtest.Fake, c ttsstreamtest.Case) {
		reqs := f.(*elevenlabstest.Server).Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		r := reqs[0]
		if r.VoiceID != c.Voice || r.OutputFormat != "ulaw_8000" || r.Body.Text != c.Text ||
			r.Body.ModelID != "eleven_flash_v2_5" || r.Body.VoiceSettings != nil {
			t.Errorf("request %+v", r)
		}
	})
}

func TestUnknownVoice(t *testing.T) {
	f := ttsstreamtest.Cleanup(t, startFake())
	_, err := provider().Synth(t, f.URL, ttsstreamtest.GoodKey, "no-such-voice", f.Client()).Synthesize(context.Background(), "Hello.")
	var ae *elevenlabs.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Code != "voice_not_found" {
		t.Fatalf("error %v, want a 404 voice_not_found APIError", err)
	}
}

func TestValidationErrorList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}`)
	}))
	defer srv.Close()
	_, err := provider().Synth(t, srv.URL, ttsstreamtest.GoodKey, lowVoice, nil).Synthesize(context.Background(), "Hi.")
	var ae *elevenlabs.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 422 || ae.Message != "body.text: field required" {
		t.Fatalf("error %v (%#v)", err, ae)
	}
}

func TestVoiceSettingsSent(t *testing.T) {
	f := ttsstreamtest.Cleanup(t, startFake())
	stab, boost := 0.25, true
	s, err := elevenlabs.NewSynthesizer(elevenlabs.Config{BaseURL: f.URL, APIKey: ttsstreamtest.GoodKey, VoiceID: lowVoice, HTTPClient: f.Client(),
		VoiceSettings: &elevenlabs.VoiceSettings{Stability: &stab, UseSpeakerBoost: &boost}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Synthesize(context.Background(), "Hi.")
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	reqs := f.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	vs := reqs[0].Body.VoiceSettings
	if len(vs) != 2 || vs["stability"] != 0.25 || vs["use_speaker_boost"] != true || reqs[0].Body.ModelID != "" {
		t.Errorf("request %+v", reqs[0].Body)
	}
}

func TestConfig(t *testing.T) {
	ok := elevenlabs.Config{APIKey: ttsstreamtest.GoodKey, VoiceID: lowVoice}
	for _, mod := range []func(*elevenlabs.Config){
		func(c *elevenlabs.Config) { c.BaseURL = "ftp://x" },
		func(c *elevenlabs.Config) { c.BaseURL = "not a url" },
		func(c *elevenlabs.Config) { c.APIKey = "" },
		func(c *elevenlabs.Config) { c.APIKey = "a\nb" },
		func(c *elevenlabs.Config) { c.VoiceID = "" },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := elevenlabs.NewSynthesizer(cfg); err == nil {
			t.Errorf("NewSynthesizer(%+v) succeeded", cfg)
		}
	}
	if _, err := elevenlabs.NewSynthesizer(ok); err != nil {
		t.Errorf("minimal Config: %v", err)
	}
}
