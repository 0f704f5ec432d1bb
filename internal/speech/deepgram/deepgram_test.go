package deepgram_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/deepgram"
	"github.com/dialtonehq/dialtone/internal/speech/deepgram/deepgramtest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// deadline is a generous bound on waiting for an event; no assertion depends on timing.
const deadline = 20 * time.Second

const testKey = "dg-secret-key-7f3a9c"

func speak(t *testing.T, reg sandbox.ToneRegister, text string) []int16 {
	t.Helper()
	u, err := sandbox.Synthesizer{Register: reg}.Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	var out []int16
	var f media.PCMFrame
	for u.NextFrame(&f) {
		out = append(out, f[:]...)
	}
	return out
}

func silence(ms int) []int16 { return make([]int16, ms*media.SampleRate/1000) }

// feed writes pcm in 20 ms pieces, as the engine does.
func feed(r speech.Recognizer, pcm []int16) {
	for len(pcm) > 0 {
		n := min(len(pcm), media.FrameSamples)
		r.Write(pcm[:n])
		pcm = pcm[n:]
	}
}

func start(t *testing.T, opts deepgramtest.Options, cfg deepgram.Config) (*deepgramtest.Server, *deepgram.Recognizer) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	srv := deepgramtest.NewServer(opts)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Queue == 0 {
		cfg.Queue = time.Minute // the tests write faster than real time; nothing may be dropped
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	r, err := deepgram.New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return srv, r
}

// waitFor polls cond (a recognizer's state changes on its own goroutines) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitStats(t *testing.T, srv *deepgramtest.Server, what string, cond func(deepgramtest.Stats) bool) deepgramtest.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	st, err := srv.Wait(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v (stats %+v)", what, err, st)
	}
	return st
}

func nextTranscript(t *testing.T, r *deepgram.Recognizer) speech.Transcript {
	t.Helper()
	var tr speech.Transcript
	waitFor(t, "a transcript", func() bool {
		var ok bool
		tr, ok = r.Next()
		if !ok && r.Err() != nil {
			t.Fatalf("recognizer failed: %v", r.Err())
		}
		return ok
	})
	return tr
}

// endTolerance is how far the reported end may be from the end of the synthesised audio:
// the tone decoder locates ends to within 15 ms and the last frame may be padded.
const endTolerance = 40 * media.SampleRate / 1000

func TestRecognizesUtterance(t *testing.T) {
	srv, r := start(t, deepgramtest.Options{Register: sandbox.RegisterLow},
		deepgram.Config{Model: "nova-2-phonecall", Language: "en-US", EndpointingMS: 250})
	const text = "hello from the sandbox, this is a test"
	lead := silence(200)
	voice := speak(t, sandbox.RegisterLow, text)

	feed(r, lead)
	feed(r, voice[:len(voice)/2])
	waitFor(t, "Active during speech", r.Active)
	if _, ok := r.Next(); ok {
		t.Fatal("a final transcript before the utterance ended")
	}
	feed(r, voice[len(voice)/2:])
	feed(r, silence(600))

	tr := nextTranscript(t, r)
	if tr.Text != text {
		t.Fatalf("transcript %q, want %q", tr.Text, text)
	}
	wantEnd := int64(len(lead) + len(voice))
	if d := tr.EndSample - wantEnd; d < -endTolerance-media.FrameSamples || d > endTolerance {
		t.Fatalf("EndSample %d, want about %d", tr.EndSample, wantEnd)
	}
	if r.Active() {
		t.Fatal("still Active after the final transcript")
	}
	if n := r.Dropped(); n != 0 {
		t.Fatalf("%d chunks dropped", n)
	}
	if _, ok := r.Next(); ok {
		t.Fatal("more than one transcript")
	}

	st := srv.Stats()
	if len(st.Sessions) != 1 {
		t.Fatalf("%d sessions", len(st.Sessions))
	}
	q := st.Sessions[0].Query
	for k, want := range map[string]string{
		"model": "nova-2-phonecall", "language": "en-US", "encoding": "mulaw",
		"sample_rate": "8000", "channels": "1", "interim_results": "true", "endpointing": "250",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("query %s=%q, want %q", k, got, want)
		}
	}
	sent := strings.Join(st.Sessions[0].Sent, ",")
	if !strings.HasPrefix(sent, "SpeechStarted,Results") {
		t.Errorf("server sent %s, want SpeechStarted then interim Results first", sent)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err after clean Close: %v", err)
	}
}

func TestTwoUtterancesInOrderWithSplitFinals(t *testing.T) {
	srv, r := start(t, deepgramtest.Options{Register: sandbox.RegisterHigh, SplitFinals: true}, deepgram.Config{})
	texts := []string{"first of all, one two three", "and then the second utterance"}
	var ends []int64
	pos := int64(0)
	for _, text := range texts {
		v := speak(t, sandbox.RegisterHigh, text)
		feed(r, silence(300))
		feed(r, v)
		pos += int64(len(silence(300)) + len(v))
		ends = append(ends, pos)
	}
	feed(r, silence(600))
	for i, text := range texts {
		tr := nextTranscript(t, r)
		if tr.Text != text {
			t.Fatalf("transcript %d: %q, want %q", i, tr.Text, text)
		}
		if d := tr.EndSample - ends[i]; d < -endTolerance-media.FrameSamples || d > endTolerance {
			t.Fatalf("transcript %d: EndSample %d, want about %d", i, tr.EndSample, ends[i])
		}
	}
	st := srv.Stats()
	if n := len(st.Sessions[0].Finals); n != 4 {
		t.Fatalf("fake sent %d final pieces (%q), want 4: the concatenation was not exercised", n, st.Sessions[0].Finals)
	}
	if _, ok := r.Next(); ok {
		t.Fatal("a third transcript")
	}
}

func TestWrongKeyFailsWithoutLeakingIt(t *testing.T) {
	srv := deepgramtest.NewServer(deepgramtest.Options{APIKey: testKey})
	defer srv.Close()
	const wrong = "dg-wrong-key-0000-leakcheck"
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	r, err := deepgram.New(ctx, deepgram.Config{URL: srv.URL(), APIKey: wrong})
	if err == nil {
		r.Close()
		t.Fatal("New accepted a wrong key")
	}
	if !errors.Is(err, deepgram.ErrUnauthorized) {
		t.Fatalf("error %v does not wrap ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), testKey) {
		t.Fatalf("error leaks a key: %v", err)
	}
	st := srv.Stats()
	if st.Unauthorized != 1 || len(st.Sessions) != 0 {
		t.Fatalf("fake saw %+v, want one unauthorized request and no session", st)
	}
}

func TestDroppedConnectionSetsErr(t *testing.T) {
	srv, r := start(t, deepgramtest.Options{DropAfterBytes: media.SampleRate}, deepgram.Config{})
	feed(r, silence(3000))
	waitFor(t, "Err after the connection dropped", func() bool { return r.Err() != nil })
	if strings.Contains(r.Err().Error(), testKey) {
		t.Fatalf("Err leaks the key: %v", r.Err())
	}
	if st := srv.Stats(); !st.Sessions[0].Dropped {
		t.Fatal("the fake did not drop the connection")
	}
	// A failed recognizer ignores audio and Close does not hang.
	feed(r, silence(100))
	_ = r.Close()
	if r.Err() == nil {
		t.Fatal("Close cleared Err")
	}
}

func TestCloseSendsCloseStreamAndGetsLastResults(t *testing.T) {
	srv, r := start(t, deepgramtest.Options{}, deepgram.Config{})
	const text = "goodbye"
	feed(r, silence(100))
	feed(r, speak(t, sandbox.RegisterLow, text)) // no trailing silence: not finished yet
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := srv.Stats()
	s := st.Sessions[0]
	if !s.CloseStream {
		t.Fatal("the fake did not receive CloseStream")
	}
	if len(s.Sent) == 0 || s.Sent[len(s.Sent)-1] != "Metadata" {
		t.Fatalf("fake sent %v, want Metadata last", s.Sent)
	}
	if len(s.Errors) != 0 {
		t.Fatalf("protocol violations: %v", s.Errors)
	}
	tr, ok := r.Next()
	if !ok || tr.Text != text {
		t.Fatalf("after Close: %+v %v, want the last utterance %q", tr, ok, text)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err after clean Close: %v", err)
	}
	if err := r.Close(); !errors.Is(err, deepgram.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func TestKeepAliveWhenIdle(t *testing.T) {
	srv, _ := start(t, deepgramtest.Options{}, deepgram.Config{KeepAliveInterval: 10 * time.Millisecond})
	st := waitStats(t, srv, "three KeepAlives", func(s deepgramtest.Stats) bool {
		return len(s.Sessions) == 1 && s.Sessions[0].KeepAlives >= 3
	})
	if s := st.Sessions[0]; s.AudioBytes != 0 || len(s.Errors) != 0 {
		t.Fatalf("idle session: %+v", s)
	}
}

func TestStalledProviderDropsAudioAndFails(t *testing.T) {
	srv, r := start(t, deepgramtest.Options{StallAfterBytes: 1600},
		deepgram.Config{WriteTimeout: 200 * time.Millisecond, Queue: 200 * time.Millisecond})
	frame := silence(20)
	end := time.Now().Add(deadline)
	for i := 0; r.Err() == nil || r.Dropped() == 0; i++ {
		if time.Now().After(end) {
			t.Fatalf("no failure: Err %v, Dropped %d", r.Err(), r.Dropped())
		}
		r.Write(frame) // never blocks, however stalled the provider
		if i%256 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if !srv.Stats().Sessions[0].Stalled {
		t.Fatal("the fake did not stall")
	}
	if strings.Contains(r.Err().Error(), testKey) {
		t.Fatalf("Err leaks the key: %v", r.Err())
	}
}

// The fake refuses a stream whose parameters it cannot honour, so the tests above prove that
// the recognizer asks for µ-law at 8 kHz.
func TestFakeChecksAudioParameters(t *testing.T) {
	srv := deepgramtest.NewServer(deepgramtest.Options{APIKey: testKey})
	defer srv.Close()
	h := http.Header{"Authorization": {"Token " + testKey}}
	for _, q := range []string{"?sample_rate=8000", "?encoding=linear16&sample_rate=8000", "?encoding=mulaw&sample_rate=16000", "?encoding=mulaw&sample_rate=8000&channels=2"} {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		c, resp, err := websocket.Dial(ctx, srv.URL()+q, &websocket.DialOptions{HTTPHeader: h})
		cancel()
		if err == nil {
			c.CloseNow()
			t.Fatalf("%s: accepted", q)
		}
		if resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %v, want HTTP 400", q, err)
		}
	}
	if st := srv.Stats(); st.Rejected != 4 || st.Unauthorized != 0 || len(st.Sessions) != 0 {
		t.Fatalf("stats %+v", st)
	}
}
