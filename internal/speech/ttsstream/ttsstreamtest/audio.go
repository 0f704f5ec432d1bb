// Package ttsstreamtest is what the tests of the text-to-speech providers share: checks of an
// Utterance's audio and heard text, the base of the providers' fake HTTP servers (how they
// stream, cut or stall the audio), and the tests every streaming provider must pass
// (RunCommon). The fakes speak sandbox tone speech, so a test decodes exactly what was
// synthesized.
package ttsstreamtest

import (
	"context"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// maxSamples is more audio than any test utterance has: ten minutes.
const maxSamples = 600 * media.SampleRate

// ReadAll reads frames until NextFrame reports false and returns the samples. It fails t if
// the utterance goes on past ten minutes or the frame after the end is not silence.
func ReadAll(t testing.TB, u speech.Utterance) []int16 {
	t.Helper()
	var out []int16
	var f media.PCMFrame
	for u.NextFrame(&f) {
		out = append(out, f[:]...)
		if len(out) > maxSamples {
			t.Fatal("utterance does not end")
		}
	}
	if f != (media.PCMFrame{}) {
		t.Error("frame after the end is not silence")
	}
	return out
}

// Decode returns every transcript that pcm, sandbox tone speech in register r, decodes to.
func Decode(r sandbox.ToneRegister, pcm []int16) []string {
	rec := sandbox.NewRecognizer(r)
	rec.Write(pcm)
	rec.Write(make([]int16, media.SampleRate)) // a second of silence ends any utterance
	var got []string
	for {
		tr, ok := rec.Next()
		if !ok {
			return got
		}
		got = append(got, tr.Text)
	}
}

// Tones returns the sandbox tone speech of text in register r at 8 kHz, whole frames: what
// the fakes speak.
func Tones(r sandbox.ToneRegister, text string) ([]int16, error) {
	enc, err := sandbox.NewToneEncoder(r, text)
	if err != nil {
		return nil, err
	}
	out := make([]int16, 0, enc.Samples()+sandbox.ToneFrameSamples)
	var f [sandbox.ToneFrameSamples]int16
	for enc.NextFrame(&f) {
		out = append(out, f[:]...)
	}
	return out, nil
}

// ToneSamples is the length in samples of the sandbox tone speech of text in register r,
// rounded up to whole frames.
func ToneSamples(t testing.TB, r sandbox.ToneRegister, text string) int {
	t.Helper()
	enc, err := sandbox.NewToneEncoder(r, text)
	if err != nil {
		t.Fatal(err)
	}
	return (enc.Samples() + media.FrameSamples - 1) / media.FrameSamples * media.FrameSamples
}

// CheckEmptyText checks that s speaks text of only white space as nothing: no error, no
// frame, no heard text.
func CheckEmptyText(t testing.TB, s speech.Synthesizer) {
	t.Helper()
	u, err := s.Synthesize(context.Background(), " \n\t")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	var f media.PCMFrame
	if u.NextFrame(&f) || u.HeardText(1000) != "" || u.Err() != nil {
		t.Error("empty text produced something")
	}
}

// CheckHeard checks u.HeardText over audio of total samples: nothing at 0, the whole
// (trimmed) text at the end, and in between only whole words of the text, never fewer than
// before, and at least one step between nothing and everything when the text has several
// words.
func CheckHeard(t testing.TB, u speech.Utterance, text string, total int) {
	t.Helper()
	if got := u.HeardText(0); got != "" {
		t.Errorf("HeardText(0) = %q", got)
	}
	if got := u.HeardText(total); got != strings.TrimSpace(text) {
		t.Errorf("HeardText(end) = %q, want %q", got, text)
	}
	words := strings.Fields(text)
	prev, distinct := "", 0
	for n := 0; n <= total; n += 40 {
		got := u.HeardText(n)
		g := strings.Fields(got)
		if len(g) > len(words) {
			t.Fatalf("HeardText(%d) = %q: too many words", n, got)
		}
		for i := range g {
			if g[i] != words[i] {
				t.Fatalf("HeardText(%d) = %q: word %d is not %q", n, got, i, words[i])
			}
		}
		if len(got) < len(prev) {
			t.Fatalf("HeardText(%d) = %q, shorter than %q", n, got, prev)
		}
		if got != prev {
			distinct++
		}
		prev = got
	}
	if len(words) > 1 && distinct < 2 {
		t.Errorf("HeardText jumped from nothing to everything")
	}
}

// CheckSpeaks has s speak text and checks the whole utterance: no error, audio that decodes
// to exactly text in register r, as long as the tones of text (whole frames), and its
// HeardText (CheckHeard).
func CheckSpeaks(t testing.TB, s speech.Synthesizer, r sandbox.ToneRegister, text string) {
	t.Helper()
	u, err := s.Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	out := ReadAll(t, u)
	if err := u.Err(); err != nil {
		t.Fatal(err)
	}
	if got := Decode(r, out); len(got) != 1 || got[0] != text {
		t.Errorf("decoded %q, want [%q]", got, text)
	}
	if want := ToneSamples(t, r, text); len(out) != want {
		t.Errorf("%d samples, want %d (the tones' length)", len(out), want)
	}
	CheckHeard(t, u, text, len(out))
}
