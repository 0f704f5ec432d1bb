package espeak

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

const skipMsg = "espeak-ng is not installed: apt-get install espeak-ng"

func newSynth(t testing.TB) *Synthesizer {
	t.Helper()
	if !Available() {
		t.Skip(skipMsg)
	}
	s, err := New(Config{Voice: "en-us"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSynthesize(t *testing.T) {
	s := newSynth(t)
	const text = "Hello, this is a test."
	u, err := s.Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	out := ttsstreamtest.ReadAll(t, u)
	if err := u.Err(); err != nil {
		t.Fatal(err)
	}
	dur := time.Duration(len(out)) * time.Second / media.SampleRate
	if dur < 500*time.Millisecond || dur > 4*time.Second {
		t.Errorf("duration %v, want 0.5–4 s", dur)
	}
	var peak int
	loud := 0 // samples above -30 dBFS
	for _, v := range out {
		a := int(math.Abs(float64(v)))
		peak = max(peak, a)
		if a > 1000 {
			loud++
		}
	}
	if peak < 3000 || peak > 32767 {
		t.Errorf("peak amplitude %d", peak)
	}
	if ms := loud * 1000 / media.SampleRate; ms < 200 {
		t.Errorf("only %d ms of audio above -30 dBFS", ms)
	}
	t.Logf("%v of audio, peak %d", dur, peak)

	ttsstreamtest.CheckHeard(t, u, text, len(out))
	u.Close()
	var f media.PCMFrame
	if u.NextFrame(&f) {
		t.Error("NextFrame after Close reported true")
	}
}

func TestCancel(t *testing.T) {
	s := newSynth(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	text := strings.Repeat("This sentence is spoken again and again. ", 40)
	su, err := s.Synthesize(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	u := su.(*utterance)
	var f media.PCMFrame
	for range 5 {
		if !u.NextFrame(&f) {
			t.Fatalf("ended early: %v", u.Err())
		}
	}
	cancel()
	if u.NextFrame(&f) {
		t.Error("NextFrame reported true after cancel")
	}
	if !errors.Is(u.Err(), context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", u.Err())
	}
	u.Close()
	if u.proc.cmd.ProcessState == nil {
		t.Error("process not waited for")
	}
	if err := syscall.Kill(u.proc.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists: %v", u.proc.cmd.Process.Pid, err)
	}
}

func TestCloseMidway(t *testing.T) {
	s := newSynth(t)
	su, err := s.Synthesize(context.Background(), strings.Repeat("Close me before I finish. ", 40))
	if err != nil {
		t.Fatal(err)
	}
	u := su.(*utterance)
	var f media.PCMFrame
	u.NextFrame(&f)
	u.Close()
	u.Close()
	if u.proc.cmd.ProcessState == nil {
		t.Error("process not waited for")
	}
	if u.NextFrame(&f) || u.Err() != nil {
		t.Errorf("after Close: NextFrame true or Err %v", u.Err())
	}
}

func TestUnknownVoice(t *testing.T) {
	if !Available() {
		t.Skip(skipMsg)
	}
	s, err := New(Config{Voice: "zzqq"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Synthesize(context.Background(), "Hello.")
	if err == nil {
		u.Close()
		t.Fatal("Synthesize succeeded")
	}
	if !strings.Contains(err.Error(), "voice does not exist") {
		t.Errorf("error does not quote espeak-ng: %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	_, err := New(Config{Binary: filepath.Join(t.TempDir(), "no-espeak-ng")})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("New = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt-get install espeak-ng") {
		t.Errorf("error lacks the install hint: %v", err)
	}
}

func TestConfigAndTextLimits(t *testing.T) {
	for _, cfg := range []Config{{WordsPerMinute: 10}, {WordsPerMinute: 1000}, {Voice: "-x"}, {Voice: "en us"}} {
		if _, err := New(cfg); err == nil || errors.Is(err, ErrNotInstalled) {
			t.Errorf("New(%+v) = %v, want a config error", cfg, err)
		}
	}
	// These need no process, so a synthesizer with any binary will do.
	s := &Synthesizer{binary: "/nonexistent", voice: DefaultVoice, wpm: DefaultWPM}
	if _, err := s.Synthesize(context.Background(), strings.Repeat("a", MaxTextBytes+1)); !errors.Is(err, ErrTextTooLong) {
		t.Errorf("long text: %v", err)
	}
	ttsstreamtest.CheckEmptyText(t, s)
}

// BenchmarkFirstFrame measures the time from Synthesize to the first 20 ms frame.
func BenchmarkFirstFrame(b *testing.B) {
	s := newSynth(b)
	var f media.PCMFrame
	for b.Loop() {
		u, err := s.Synthesize(context.Background(), "Hello, how can I help you today?")
		if err != nil {
			b.Fatal(err)
		}
		if !u.NextFrame(&f) {
			b.Fatal(u.Err())
		}
		u.Close()
	}
}
