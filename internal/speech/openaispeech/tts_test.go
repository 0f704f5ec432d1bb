package openaispeech_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech/openaitest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// provider describes openaispeech to the common tests.
func provider() ttsstreamtest.Provider {
	return ttsstreamtest.Provider{
		WrongKeyMessage: "Incorrect API key",
		ServerErrorCode: "server_error",
		Voice:           "alloy",
		New: func(baseURL, key, voice string, client *http.Client) (speech.Synthesizer, error) {
			return openaispeech.NewSynthesizer(openaispeech.Config{BaseURL: baseURL, APIKey: key, Voice: voice, HTTPClient: client})
		},
		NewFake: func() (ttsstreamtest.Fake, string) {
			f := openaitest.NewServer(ttsstreamtest.GoodKey)
			return f, f.URL
		},
		EchoKey: func(w http.ResponseWriter, r *http.Request) {
			key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"message":"key %s is blocked","type":"invalid_request_error","code":%q}}`, key, key)
		},
	}
}

func TestCommon(t *testing.T) { ttsstreamtest.RunCommon(t, provider()) }

func TestSynthesizeDecodesToTheText(t *testing.T) {
	// The tones' length survives 8→24→8 kHz.
	provider().CheckCases(t, []ttsstreamtest.Case{
		{Voice: "alloy", Reg: sandbox.RegisterLow, Text: "Hello, this is a test.", Chunk: openaitest.DefaultChunkBytes},
		{Voice: "sandbox-en-us-high", Reg: sandbox.RegisterHigh, Text: "Your appointment is on Tuesday at 3:45 PM. Bring ID #42!", Chunk: 333},
		{Voice: "nova", Reg: sandbox.RegisterLow, Text: "Ünïcode wörds, ok?", Chunk: 7},
	}, func(t *testing.T, f ttsstreamtest.Fake, c ttsstreamtest.Case) {
		reqs := f.(*openaitest.Server).Requests()
		want := openaitest.Request{Model: "tts-1", Input: c.Text, Voice: c.Voice, ResponseFormat: "pcm"}
		if len(reqs) != 1 || reqs[0] != want {
			t.Errorf("requests %+v, want one: %+v", reqs, want)
		}
	})
}

func TestTooLongText(t *testing.T) {
	f := ttsstreamtest.Cleanup(t, openaitest.NewServer(ttsstreamtest.GoodKey))
	s := provider().Synth(t, f.URL, ttsstreamtest.GoodKey, "alloy", f.Client())
	if _, err := s.Synthesize(context.Background(), strings.Repeat("é", openaispeech.MaxInputChars+1)); !errors.Is(err, openaispeech.ErrTextTooLong) {
		t.Errorf("long text: %v", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []openaispeech.Config{{BaseURL: "ftp://x"}, {BaseURL: "not a url"}, {SampleRate: 7}, {APIKey: "a\nb"}} {
		if _, err := openaispeech.NewSynthesizer(cfg); err == nil {
			t.Errorf("NewSynthesizer(%+v) succeeded", cfg)
		}
	}
	if _, err := openaispeech.NewSynthesizer(openaispeech.Config{}); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestBodyEndingInsideASample(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 2*24000+1)) // a second of silence and half a sample
	}))
	defer srv.Close()
	s, err := openaispeech.NewSynthesizer(openaispeech.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Synthesize(context.Background(), "Hi there.")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	ttsstreamtest.ReadAll(t, u)
	if u.Err() == nil {
		t.Error("no error for a body of an odd number of bytes")
	}
}
