package sandbox

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone/internal/media"
)

func TestSynthesizerRoundTripsThroughRecognizer(t *testing.T) {
	u, err := Synthesizer{Register: RegisterHigh}.Synthesize(context.Background(), "Good morning, how are you?")
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecognizer(RegisterHigh)
	var f media.PCMFrame
	frames := 0
	for u.NextFrame(&f) {
		r.Write(f[:])
		frames++
	}
	r.Write(make([]int16, 800)) // let the terminator's last hop through
	got, ok := r.Next()
	if !ok || got.Text != "Good morning, how are you?" {
		t.Fatalf("heard %q (%v) after %d frames", got.Text, ok, frames)
	}
	if r.Active() {
		t.Error("still active after the utterance")
	}
}

func TestHeardTextIsWholeWordsSpokenSoFar(t *testing.T) {
	text := "Hello there, Sam"
	u, _ := Synthesizer{}.Synthesize(context.Background(), text)
	head := preambleSamples + gapSamples + checksumSymbols*slotSamples
	cases := []struct {
		samples int
		want    string
	}{
		{0, ""},
		{head, ""},
		{head + 5*slotSamples, ""},              // "Hell": capital H takes two slots, so a partial word
		{head + 6*slotSamples, "Hello"},         // the word, not yet the space
		{head + 7*slotSamples, "Hello"},         // and the space
		{head + 12*slotSamples, "Hello"},        // "there" without its comma
		{head + 13*slotSamples, "Hello there,"}, // "there," complete
		{1 << 30, text},
	}
	for _, c := range cases {
		if got := u.HeardText(c.samples); got != c.want {
			t.Errorf("HeardText(%d) = %q, want %q", c.samples, got, c.want)
		}
	}
}
