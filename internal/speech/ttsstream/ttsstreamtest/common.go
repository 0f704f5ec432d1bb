package ttsstreamtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// hangGuard bounds waits that only a bug would make long; it is not a performance threshold.
const hangGuard = 30 * time.Second

// The API keys of the common tests.
const (
	// GoodKey is the key a provider's fake must accept.
	GoodKey = "test-good-0123456789abcdef0123"
	// BadKey is a key the fake must refuse.
	BadKey = "test-bad-fedcba98765432100123"
)

// Fake is what the common tests need of a provider's fake server (a FakeServer embedded in
// it gives all but Accepted).
type Fake interface {
	SetMode(Mode)
	SetChunkBytes(int)
	Stalled() <-chan struct{}
	ClientGone() <-chan struct{}
	Client() *http.Client
	Close()
	// Accepted is how many requests the fake has accepted: authenticated and well-formed.
	Accepted() int
}

// Provider describes a streaming text-to-speech provider to RunCommon.
type Provider struct {
	// WrongKeyMessage is part of the message the fake refuses BadKey with.
	WrongKeyMessage string
	// ServerErrorCode is the Code of the *ttsstream.APIError the fake's Fail500 gives.
	ServerErrorCode string
	// Voice is a voice the fake speaks in sandbox.RegisterLow.
	Voice string
	// New returns a synthesizer of voice using the API at baseURL, sending key, with client
	// (nil: the provider's default).
	New func(baseURL, key, voice string, client *http.Client) (speech.Synthesizer, error)
	// NewFake starts the provider's fake, accepting GoodKey and refusing BadKey, and returns it with its API base
	// URL (what New takes).
	NewFake func() (f Fake, baseURL string)
	// EchoKey answers a request with status 403 and an error body, in the provider's shape,
	// whose message is "key <the key the request sent> is blocked" and whose code is the key.
	EchoKey http.HandlerFunc
}

// Synth returns p.New(baseURL, key, voice, client), failing t on an error.
func (p Provider) Synth(t testing.TB, baseURL, key, voice string, client *http.Client) speech.Synthesizer {
	t.Helper()
	s, err := p.New(baseURL, key, voice, client)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Case is a text a fake speaks in CheckCases.
type Case struct {
	Voice string
	Reg   sandbox.ToneRegister // the register Voice speaks in
	Text  string
	Chunk int // the size of the pieces the fake sends the audio in
}

// CheckCases runs a subtest per case: a fresh fake speaks c.Text in c.Voice, in pieces of
// c.Chunk bytes, the utterance is checked with CheckSpeaks, and then checkRequest checks
// what the fake received.
func (p Provider) CheckCases(t *testing.T, cases []Case, checkRequest func(t *testing.T, f Fake, c Case)) {
	for _, c := range cases {
		t.Run(c.Voice, func(t *testing.T) {
			f, base := p.NewFake()
			Cleanup(t, f)
			f.SetChunkBytes(c.Chunk)
			CheckSpeaks(t, p.Synth(t, base, GoodKey, c.Voice, f.Client()), c.Reg, c.Text)
			checkRequest(t, f, c)
		})
	}
}

// Cleanup closes f when t ends, and returns f.
func Cleanup[F interface{ Close() }](t testing.TB, f F) F {
	t.Cleanup(f.Close)
	return f
}

// fake starts p's fake, closed when t ends, and returns it with a function making
// synthesizers of p.Voice on it that send a given key.
func (p Provider) fake(t testing.TB) (Fake, func(key string) speech.Synthesizer) {
	f, base := p.NewFake()
	Cleanup(t, f)
	return f, func(key string) speech.Synthesizer { return p.Synth(t, base, key, p.Voice, f.Client()) }
}

// RunCommon runs, as subtests of t, the tests every streaming provider must pass: refusals
// become *ttsstream.APIError without the key, an unreachable server is an error, a stream cut
// midway sets Err, and Close or the context's end stop a stalled stream at once and close
// the connection.
func RunCommon(t *testing.T, p Provider) {
	t.Run("WrongKey", p.testWrongKey)
	t.Run("KeyEchoedByServerIsRedacted", p.testKeyEchoed)
	t.Run("ServerError", p.testServerError)
	t.Run("Unreachable", p.testUnreachable)
	t.Run("EmptyText", p.testEmptyText)
	t.Run("StreamCutMidway", p.testCutMidway)
	t.Run("CloseStopsStream", p.testCloseStops)
	t.Run("ContextCancelStopsStream", p.testCancelStops)
}

func (p Provider) testWrongKey(t *testing.T) {
	f, synth := p.fake(t)
	u, err := synth(BadKey).Synthesize(context.Background(), "Hello there.")
	if err == nil {
		u.Close()
		t.Fatal("Synthesize succeeded with a wrong key")
	}
	var ae *ttsstream.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || ae.Code != "invalid_api_key" {
		t.Fatalf("error %v (%#v), want a 401 invalid_api_key APIError", err, ae)
	}
	for _, k := range []string{BadKey, GoodKey} {
		if strings.Contains(err.Error(), k) {
			t.Errorf("error contains a key: %v", err)
		}
	}
	if !strings.Contains(err.Error(), p.WrongKeyMessage) {
		t.Errorf("error does not quote the server: %v", err)
	}
	if n := f.Accepted(); n != 0 {
		t.Errorf("fake accepted %d requests", n)
	}
}

func (p Provider) testKeyEchoed(t *testing.T) {
	srv := httptest.NewServer(p.EchoKey)
	defer srv.Close()
	_, err := p.Synth(t, srv.URL, GoodKey, p.Voice, nil).Synthesize(context.Background(), "Hi.")
	var ae *ttsstream.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
		t.Fatalf("error %v, want a 403 APIError", err)
	}
	if strings.Contains(err.Error(), GoodKey) || strings.Contains(ae.Code, GoodKey) || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("error %v (%#v): want the server's message without the key", err, ae)
	}
}

func (p Provider) testServerError(t *testing.T) {
	f, synth := p.fake(t)
	f.SetMode(Fail500)
	_, err := synth(GoodKey).Synthesize(context.Background(), "Hello.")
	var ae *ttsstream.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || ae.Code != p.ServerErrorCode || ae.Message == "" {
		t.Fatalf("error %v, want a 500 %s APIError with the message", err, p.ServerErrorCode)
	}
}

func (p Provider) testUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := p.Synth(t, url, GoodKey, p.Voice, nil).Synthesize(context.Background(), "Hello.")
	if err == nil || strings.Contains(err.Error(), GoodKey) {
		t.Fatalf("error %v", err)
	}
}

func (p Provider) testEmptyText(t *testing.T) {
	f, synth := p.fake(t)
	CheckEmptyText(t, synth(GoodKey))
	if n := f.Accepted(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func (p Provider) testCutMidway(t *testing.T) {
	f, synth := p.fake(t)
	f.SetMode(CutMidway)
	const text = "This sentence will be cut off half way through."
	u, err := synth(GoodKey).Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	out := ReadAll(t, u)
	err = u.Err()
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("Err = %v, want a broken-stream error", err)
	}
	if full := ToneSamples(t, sandbox.RegisterLow, text); len(out) >= full {
		t.Errorf("%d samples of %d arrived from a cut stream", len(out), full)
	}
	if got := Decode(sandbox.RegisterLow, out); len(got) != 0 {
		t.Errorf("a cut stream decoded to %q", got)
	}
	if got := u.HeardText(len(out)); got == text {
		t.Errorf("HeardText of a cut stream is the whole text")
	}
}

func (p Provider) testCloseStops(t *testing.T) {
	f, synth := p.fake(t)
	f.SetMode(Stall)
	u, err := synth(GoodKey).Synthesize(context.Background(), strings.Repeat("Close me before I finish. ", 10))
	if err != nil {
		t.Fatal(err)
	}
	var fr media.PCMFrame
	if !u.NextFrame(&fr) {
		t.Fatalf("no first frame: %v", u.Err())
	}
	u.Close()
	u.Close()
	waitClientGone(t, f)
	if u.NextFrame(&fr) || u.Err() != nil {
		t.Errorf("after Close: NextFrame true or Err %v", u.Err())
	}
}

func (p Provider) testCancelStops(t *testing.T) {
	f, synth := p.fake(t)
	f.SetMode(Stall)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const text = "Cancel me before I finish, please."
	u, err := synth(GoodKey).Synthesize(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	go func() {
		<-f.Stalled()
		cancel()
	}()
	// Only the cancel can end this: the server sends half the audio and then waits.
	out := ReadAll(t, u)
	if !errors.Is(u.Err(), context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", u.Err())
	}
	if full := ToneSamples(t, sandbox.RegisterLow, text); len(out) >= full {
		t.Errorf("%d samples of %d", len(out), full)
	}
	waitClientGone(t, f)
}

// waitClientGone fails t unless f sees a client go away within hangGuard.
func waitClientGone(t *testing.T, f Fake) {
	t.Helper()
	select {
	case <-f.ClientGone():
	case <-time.After(hangGuard):
		t.Fatal("the server never saw the client go away")
	}
}
