package sandbox

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/media"
)

// --- Test helpers -------------------------------------------------------------------------

// mulaw passes pcm through µ-law encoding and decoding, in place.
func mulaw(pcm []int16) []int16 {
	for i, x := range pcm {
		pcm[i] = media.MulawToLinear(media.LinearToMulaw(x))
	}
	return pcm
}

// encode returns the whole utterance, frame-padded, as produced by NextFrame.
func encode(t testing.TB, r ToneRegister, text string) []int16 {
	t.Helper()
	e, err := NewToneEncoder(r, text)
	if err != nil {
		t.Fatalf("NewToneEncoder(%q): %v", text, err)
	}
	var out []int16
	var f [ToneFrameSamples]int16
	for e.NextFrame(&f) {
		out = append(out, f[:]...)
	}
	if len(out) != (e.Samples()+ToneFrameSamples-1)/ToneFrameSamples*ToneFrameSamples {
		t.Fatalf("%d samples for an utterance of %d", len(out), e.Samples())
	}
	return out
}

// decodeAll feeds pcm to a fresh decoder in chunks of the given size, followed by a second
// of silence, and returns every utterance delivered.
func decodeAll(r ToneRegister, pcm []int16, chunk int) ([]ToneUtterance, *ToneDecoder) {
	d := NewToneDecoder(r)
	var got []ToneUtterance
	collect := func() {
		for {
			u, ok := d.Next()
			if !ok {
				return
			}
			got = append(got, u)
		}
	}
	for len(pcm) > 0 {
		n := min(chunk, len(pcm))
		d.Write(pcm[:n])
		pcm = pcm[n:]
		collect()
	}
	d.Write(make([]int16, ToneSampleRate))
	collect()
	return got, d
}

func zeros(n int) []int16 { return make([]int16, n) }

func concat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// addNoise adds white Gaussian noise snrDB below the power of the tone symbols themselves
// (two tones of amplitude 6000: mean square 36e6), clipping to int16.
func addNoise(pcm []int16, snrDB float64, rng *rand.Rand) []int16 {
	sigma := math.Sqrt(2 * toneAmplitude * toneAmplitude / 2 / math.Pow(10, snrDB/10))
	for i, x := range pcm {
		v := float64(x) + sigma*rng.NormFloat64()
		pcm[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return pcm
}

func expectOne(t *testing.T, got []ToneUtterance, want string) {
	t.Helper()
	if len(got) != 1 || got[0].Text != want {
		texts := make([]string, len(got))
		for i, u := range got {
			texts[i] = u.Text
		}
		t.Fatalf("decoded %q, want exactly [%q]", texts, want)
	}
}

var roundTripTexts = []string{
	"",
	" ",
	"a",
	"A",
	"hello",
	"Hello, world!",
	"I'd like to book a table for two at 7:30 tonight, please.",
	"Your order number is 4 8 1 5 1 6 2 3 4 2.",
	"0123456789",
	"abcdefghijklmnopqrstuvwxyz",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	symbolChars,
	"Is that (really) \"it\"? Yes - 100% sure; e-mail me: bob@example.com / 555-0100 & #42 *now* +1 = 2 $3 under_score",
	"  two leading spaces",
	"trailing spaces   ",
	"many     spaces    in   between",
	"line one\nline two\n",
	"tab\tseparated\tvalues",
	"café",
	"北京",
	"Grüße aus Köln — naïve façade, 1½ €.",
	"こんにちは世界 👋🏽",
	"\x00\x01\x7f\x80\xfe\xff", // not UTF-8: still exact
	"aa bb  cc   dd ee ll oo !!",
	"<html> [brackets] {braces} ~tilde` ^caret | pipe \\ backslash",
}

// --- Tests ----------------------------------------------------------------------------------

func TestToneRoundTrip(t *testing.T) {
	for _, r := range []ToneRegister{RegisterLow, RegisterHigh} {
		for _, text := range roundTripTexts {
			got, d := decodeAll(r, encode(t, r, text), ToneFrameSamples)
			expectOne(t, got, text)
			if s := d.Stats(); s != (ToneDecoderStats{Utterances: 1}) {
				t.Errorf("%v %q: stats %+v", r, text, s)
			}
		}
	}
}

func TestToneAllBytes(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 256; i++ {
		b.WriteByte(byte(i))
	}
	text := b.String()
	expectOne(t, first(decodeAll(RegisterHigh, mulaw(encode(t, RegisterHigh, text)), 160)), text)
}

func first[A, B any](a A, _ B) A { return a }

func TestToneMulaw(t *testing.T) {
	for _, r := range []ToneRegister{RegisterLow, RegisterHigh} {
		for _, text := range roundTripTexts {
			expectOne(t, first(decodeAll(r, mulaw(encode(t, r, text)), ToneFrameSamples)), text)
		}
	}
}

// TestToneMisaligned shifts the utterance by 0…159 samples of leading silence, so that
// symbols start anywhere inside a frame, and passes it through µ-law.
func TestToneMisaligned(t *testing.T) {
	text := "Call me at 555-0100, ok?"
	for _, r := range []ToneRegister{RegisterLow, RegisterHigh} {
		pcm := mulaw(encode(t, r, text))
		for off := 0; off < ToneFrameSamples; off++ {
			got, _ := decodeAll(r, concat(zeros(off), pcm), ToneFrameSamples)
			expectOne(t, got, text)
		}
	}
}

func TestToneOddChunks(t *testing.T) {
	text := "Odd chunk sizes: fine."
	pcm := mulaw(encode(t, RegisterLow, text))
	for _, chunk := range []int{1, 7, 39, 41, 80, 159, 161, 333, 4000, len(pcm)} {
		expectOne(t, first(decodeAll(RegisterLow, pcm, chunk)), text)
	}
}

// TestToneNoise adds white Gaussian noise at 10 dB SNR (noise power 10 dB below the power of
// a symbol), then µ-law, at several misalignments.
func TestToneNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, snr := range []float64{20, 10} {
		for _, r := range []ToneRegister{RegisterLow, RegisterHigh} {
			for _, text := range roundTripTexts[4:12] {
				for _, off := range []int{0, 17, 80, 123} {
					pcm := concat(zeros(off+800), encode(t, r, text), zeros(800))
					pcm = mulaw(addNoise(pcm, snr, rng))
					got, _ := decodeAll(r, pcm, ToneFrameSamples)
					if len(got) != 1 || got[0].Text != text {
						t.Fatalf("SNR %v dB, %v, offset %d: got %v, want %q", snr, r, off, got, text)
					}
				}
			}
		}
	}
}

// TestToneNoiseMargin documents the margin: at 4 dB SNR nearly everything still decodes, and
// whatever does not is dropped, never delivered wrong.
func TestToneNoiseMargin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	text := "The quick brown fox jumps over the lazy dog."
	ok := 0
	const runs = 20
	for i := 0; i < runs; i++ {
		pcm := mulaw(addNoise(concat(zeros(i*7), encode(t, RegisterLow, text), zeros(400)), 4, rng))
		got, _ := decodeAll(RegisterLow, pcm, ToneFrameSamples)
		for _, u := range got {
			if u.Text != text {
				t.Fatalf("4 dB SNR delivered %q", u.Text)
			}
			ok++
		}
	}
	t.Logf("4 dB SNR: %d/%d decoded", ok, runs)
	if ok < runs*9/10 {
		t.Errorf("only %d/%d decoded at 4 dB SNR", ok, runs)
	}
}

func TestToneGain(t *testing.T) {
	text := "Quieter, then louder."
	// Nominal level, 20 dB quieter, and 8 dB louder (clipping).
	for _, gain := range []float64{0.1, 0.25, 1, 2.5} {
		pcm := encode(t, RegisterHigh, text)
		for i, x := range pcm {
			pcm[i] = int16(max(-32768, min(32767, math.Round(float64(x)*gain))))
		}
		expectOne(t, first(decodeAll(RegisterHigh, mulaw(pcm), 160)), text)
	}
}

func TestToneBackToBack(t *testing.T) {
	a, b, c := "First utterance.", "second one", "3rd!"
	pcm := mulaw(concat(encode(t, RegisterLow, a), encode(t, RegisterLow, b), zeros(37),
		encode(t, RegisterLow, c)))
	got, d := decodeAll(RegisterLow, pcm, ToneFrameSamples)
	if len(got) != 3 || got[0].Text != a || got[1].Text != b || got[2].Text != c {
		t.Fatalf("got %+v", got)
	}
	if !(got[0].End < got[1].Start && got[1].End < got[2].Start) {
		t.Errorf("utterances overlap: %+v", got)
	}
	if s := d.Stats(); s != (ToneDecoderStats{Utterances: 3}) {
		t.Errorf("stats %+v", s)
	}
}

func TestToneUtteranceBounds(t *testing.T) {
	text := "where is it"
	lead := 1000
	enc, _ := NewToneEncoder(RegisterLow, text)
	pcm := concat(zeros(lead), encode(t, RegisterLow, text))
	got, _ := decodeAll(RegisterLow, pcm, ToneFrameSamples)
	expectOne(t, got, text)
	end := int64(lead + enc.Samples() - gapSamples)
	const tol = 3 * hopSamples
	if d := got[0].Start - int64(lead); d < -tol || d > tol {
		t.Errorf("Start %d, want %d±%d", got[0].Start, lead, tol)
	}
	if d := got[0].End - end; d < -tol || d > tol {
		t.Errorf("End %d, want %d±%d", got[0].End, end, tol)
	}
}

// TestToneCutOff cuts an utterance at many points: nothing may be delivered, and a following
// utterance must still decode, whether it follows after silence or at once.
func TestToneCutOff(t *testing.T) {
	text := "This sentence is interrupted."
	next := "Next."
	full := mulaw(encode(t, RegisterLow, text))
	after := mulaw(encode(t, RegisterLow, next))
	for cut := 0; cut < len(full)-slotSamples; cut += 293 {
		got, d := decodeAll(RegisterLow, full[:cut], ToneFrameSamples)
		if len(got) != 0 {
			t.Fatalf("cut at %d: delivered %+v", cut, got)
		}
		if d.Receiving() {
			t.Fatalf("cut at %d: still receiving after a second of silence", cut)
		}
		if cut > preambleSamples+gapSamples && d.Stats().Abandoned != 1 {
			t.Fatalf("cut at %d: stats %+v", cut, d.Stats())
		}
		for _, gap := range [][]int16{nil, zeros(2400)} {
			got, _ = decodeAll(RegisterLow, concat(full[:cut], gap, after), ToneFrameSamples)
			expectOne(t, got, next)
		}
	}
}

func TestToneCorruptedSymbol(t *testing.T) {
	text := "checksum"
	e, _ := NewToneEncoder(RegisterLow, text)
	for i := 1 + checksumSymbols; i < len(e.syms)-1; i++ {
		e.Reset(RegisterLow, text)
		e.syms[i] = (e.syms[i] + 1) % 26 // another letter
		var pcm []int16
		var f [ToneFrameSamples]int16
		for e.NextFrame(&f) {
			pcm = append(pcm, f[:]...)
		}
		got, d := decodeAll(RegisterLow, pcm, ToneFrameSamples)
		if len(got) != 0 || d.Stats().Rejected != 1 {
			t.Fatalf("symbol %d corrupted: got %+v, stats %+v", i, got, d.Stats())
		}
	}
}

// TestToneRegistersSeparate: a decoder does not hear the other register, even when both speak
// at the same time.
func TestToneRegistersSeparate(t *testing.T) {
	low := encode(t, RegisterLow, "caller speaking")
	high := encode(t, RegisterHigh, "agent speaking")
	if got, d := decodeAll(RegisterLow, high, 160); len(got) != 0 || d.Stats() != (ToneDecoderStats{}) {
		t.Errorf("low decoder heard the high register: %+v %+v", got, d.Stats())
	}
	if got, d := decodeAll(RegisterHigh, low, 160); len(got) != 0 || d.Stats() != (ToneDecoderStats{}) {
		t.Errorf("high decoder heard the low register: %+v %+v", got, d.Stats())
	}
	// Mixed at equal level (half amplitude each, so the sum cannot clip), the agent starting
	// at various delays: each decoder hears its own register only.
	for delay := 0; delay < 3000; delay += 97 {
		hi := concat(zeros(delay), high)
		mix := make([]int16, max(len(low), len(hi)))
		for i := range mix {
			var v int
			if i < len(low) {
				v += int(low[i])
			}
			if i < len(hi) {
				v += int(hi[i])
			}
			mix[i] = int16(v / 2)
		}
		mix = mulaw(mix)
		got, _ := decodeAll(RegisterLow, mix, ToneFrameSamples)
		expectOne(t, got, "caller speaking")
		got, _ = decodeAll(RegisterHigh, mix, ToneFrameSamples)
		expectOne(t, got, "agent speaking")
	}
}

// TestToneDuration checks the documented length and speaking rate by sample counts.
func TestToneDuration(t *testing.T) {
	for _, text := range []string{"", "a", "hello there", "the quick brown fox jumps over the lazy dog"} {
		e, _ := NewToneEncoder(RegisterLow, text)
		if want := 1440 + 600*(4+len(text)); e.Samples() != want {
			t.Errorf("%q: %d samples, want %d", text, e.Samples(), want)
		}
	}
	// A long ordinary sentence: marginal rate, excluding the fixed 480 ms overhead.
	text := "I would like to reschedule my appointment to Tuesday afternoon, if that works for you."
	e, _ := NewToneEncoder(RegisterLow, text)
	rate := float64(len(text)) / (float64(e.Samples()-1440-4*600) / ToneSampleRate)
	overall := float64(len(text)) / (float64(e.Samples()) / ToneSampleRate)
	t.Logf("%d chars: %.2f s, %.2f chars/s (%.2f including preamble and terminator)",
		len(text), float64(e.Samples())/ToneSampleRate, rate, overall)
	if rate < 12 || rate > 15 {
		t.Errorf("speaking rate %.2f chars/s, want 12…15", rate)
	}
	// Duration grows linearly with the text.
	short, _ := NewToneEncoder(RegisterLow, strings.Repeat("word ", 10))
	long, _ := NewToneEncoder(RegisterLow, strings.Repeat("word ", 100))
	if d := long.Samples() - short.Samples(); d != 450*slotSamples {
		t.Errorf("90 extra words took %d samples, want %d", d, 450*slotSamples)
	}
}

func TestToneLevels(t *testing.T) {
	pcm := encode(t, RegisterLow, "Level check, 0123456789.")
	var peak int
	var sum float64
	var n int
	for _, x := range pcm {
		peak = max(peak, int(x), -int(x))
		if x != 0 {
			sum += float64(x) * float64(x)
			n++
		}
	}
	rms := math.Sqrt(sum / float64(n))
	t.Logf("peak %d (%.1f dBFS), RMS while sounding %.0f (%.1f dBFS)", peak,
		20*math.Log10(float64(peak)/32768), rms, 20*math.Log10(rms/32768))
	if peak > 12100 || peak < 11000 || rms < 3000 {
		t.Errorf("peak %d, rms %.0f", peak, rms)
	}
}

func TestToneEncoderEdges(t *testing.T) {
	if _, err := NewToneEncoder(RegisterLow, strings.Repeat("x", MaxToneTextBytes+1)); err != ErrToneTextTooLong {
		t.Errorf("too long: %v", err)
	}
	if _, err := NewToneEncoder(ToneRegister(2), "x"); err != ErrToneRegister {
		t.Errorf("bad register: %v", err)
	}
	e, err := NewToneEncoder(RegisterLow, strings.Repeat("x", MaxToneTextBytes))
	if err != nil {
		t.Fatal(err)
	}
	var f [ToneFrameSamples]int16
	frames := 0
	for e.NextFrame(&f) {
		frames++
	}
	if frames != (e.Samples()+159)/160 || e.Remaining() != 0 {
		t.Errorf("%d frames for %d samples", frames, e.Samples())
	}
	f[3] = 9
	if e.NextFrame(&f) || f != [ToneFrameSamples]int16{} {
		t.Error("NextFrame after the end must report false and give silence")
	}
	if err := e.Reset(RegisterHigh, "again"); err != nil || e.Remaining() != e.Samples() {
		t.Errorf("Reset: %v", err)
	}
}

func TestToneMaxLengthRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, MaxToneTextBytes)
	for i := range b {
		b[i] = symbolChars[rng.IntN(26)]
	}
	text := string(b)
	expectOne(t, first(decodeAll(RegisterHigh, mulaw(encode(t, RegisterHigh, text)), 160)), text)
}

// TestTonePartial watches the transcript grow while an utterance is being received.
func TestTonePartial(t *testing.T) {
	text := "Interim results grow."
	e, _ := NewToneEncoder(RegisterLow, text)
	d := NewToneDecoder(RegisterLow)
	var f [ToneFrameSamples]int16
	var seen []string
	receivingAt := -1
	frames := 0
	for e.NextFrame(&f) {
		d.Write(f[:])
		frames++
		if d.Receiving() && receivingAt < 0 {
			receivingAt = frames
		}
		p := string(d.Partial())
		if !strings.HasPrefix(text, p) {
			t.Fatalf("partial %q is not a prefix of %q", p, text)
		}
		if len(seen) == 0 || seen[len(seen)-1] != p {
			seen = append(seen, p)
		}
	}
	u, ok := d.Next()
	if !ok || u.Text != text || d.Receiving() || d.Partial() != nil {
		t.Fatalf("final %+v %v, receiving %v", u, ok, d.Receiving())
	}
	// Every prefix of the text was seen, except those ending in a single space: that space is
	// a silent slot, known only when the next symbol arrives.
	want := []string{""}
	for i := 1; i <= len(text); i++ {
		if text[i-1] != ' ' {
			want = append(want, text[:i])
		}
	}
	want = append(want, "") // after the terminator
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("partials %q, want %q", seen, want)
	}
	t.Logf("receiving after %d frames (%d ms)", receivingAt, receivingAt*20)
	if receivingAt*ToneFrameSamples > preambleSamples+gapSamples+ToneFrameSamples {
		t.Errorf("Receiving only after %d frames", receivingAt)
	}
}

// TestToneNotSpeech feeds audio that is not sandbox speech: nothing may be delivered.
func TestToneNotSpeech(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 10 * ToneSampleRate
	signals := map[string][]int16{}
	signals["silence"] = zeros(n)
	for _, amp := range []float64{30, 300, 3000, 20000} {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(max(-32768, min(32767, amp*rng.NormFloat64())))
		}
		signals["noise"+strings.Repeat("+", int(math.Log10(amp)))] = s
	}
	// A sweep, a steady tone on a tone frequency, DTMF digits, and a buzzy voice-like signal
	// with a wandering pitch.
	sweep := make([]int16, n)
	ph := 0.0
	for i := range sweep {
		f := 200 + 3300*float64(i)/n
		ph += 2 * math.Pi * f / ToneSampleRate
		sweep[i] = int16(8000 * math.Sin(ph))
	}
	signals["sweep"] = sweep
	steady := make([]int16, n)
	for i := range steady {
		steady[i] = int16(8000*math.Sin(2*math.Pi*950*float64(i)/ToneSampleRate) +
			8000*math.Sin(2*math.Pi*1350*float64(i)/ToneSampleRate))
	}
	signals["steady symbol-like pair"] = steady
	dtmf := make([]int16, 0, n)
	lowF := []float64{697, 770, 852, 941}
	highF := []float64{1209, 1336, 1477, 1633}
	for k := 0; len(dtmf) < n-1200; k++ {
		fl, fh := lowF[k%4], highF[(k/4)%4]
		for i := 0; i < 800; i++ {
			x := 7000*math.Sin(2*math.Pi*fl*float64(i)/ToneSampleRate) +
				7000*math.Sin(2*math.Pi*fh*float64(i)/ToneSampleRate)
			dtmf = append(dtmf, int16(x))
		}
		dtmf = append(dtmf, zeros(400)...)
	}
	signals["dtmf"] = dtmf
	voice := make([]int16, n)
	ph = 0
	for i := range voice {
		f0 := 110 + 40*math.Sin(2*math.Pi*float64(i)/6000)
		ph += 2 * math.Pi * f0 / ToneSampleRate
		var v float64
		for h := 1; h <= 25; h++ {
			v += math.Sin(float64(h)*ph) / float64(h)
		}
		env := 0.5 + 0.5*math.Sin(2*math.Pi*float64(i)/2400)
		voice[i] = int16(5000 * v * env)
	}
	signals["voice-like"] = voice
	for name, s := range signals {
		for _, r := range []ToneRegister{RegisterLow, RegisterHigh} {
			got, d := decodeAll(r, mulaw(append([]int16(nil), s...)), ToneFrameSamples)
			if len(got) != 0 || d.Stats().Utterances != 0 {
				t.Errorf("%s, %v: delivered %+v", name, r, got)
			}
		}
	}
}

// TestToneSpliced glues pieces of different utterances together: a preamble from one and the
// rest from another must fail the checksum, not deliver a wrong text.
func TestToneSpliced(t *testing.T) {
	a := encode(t, RegisterLow, "pay fifty dollars")
	b := encode(t, RegisterLow, "pay fifteen dollars")
	split := preambleSamples + gapSamples + checksumSymbols*slotSamples
	got, d := decodeAll(RegisterLow, concat(a[:split], b[split:]), ToneFrameSamples)
	if len(got) != 0 || d.Stats().Rejected != 1 {
		t.Errorf("spliced: %+v, %+v", got, d.Stats())
	}
}

func TestToneQueueBounded(t *testing.T) {
	d := NewToneDecoder(RegisterLow)
	u := encode(t, RegisterLow, "x")
	for i := 0; i < maxQueued+3; i++ {
		d.Write(u)
	}
	if s := d.Stats(); s.Utterances != maxQueued+3 || s.Dropped != 3 {
		t.Errorf("stats %+v", s)
	}
	n := 0
	for {
		if _, ok := d.Next(); !ok {
			break
		}
		n++
	}
	if n != maxQueued {
		t.Errorf("%d queued", n)
	}
	d.Write(u)
	d.Reset()
	if _, ok := d.Next(); ok || d.Stats() != (ToneDecoderStats{}) {
		t.Error("Reset kept state")
	}
}

func TestToneNoAllocs(t *testing.T) {
	text := strings.Repeat("Steady state, no allocation. ", 20)
	e, _ := NewToneEncoder(RegisterLow, text)
	d := NewToneDecoder(RegisterLow)
	var f [ToneFrameSamples]int16
	if a := testing.AllocsPerRun(500, func() {
		e.NextFrame(&f)
		d.Write(f[:])
	}); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
	if len(d.Partial()) == 0 {
		t.Error("decoder did not progress")
	}
}

func TestRegisterForVoice(t *testing.T) {
	for _, v := range (Voices{}).Voices(context.Background()) {
		r, ok := RegisterForVoice(v.ID)
		if !ok || !strings.HasSuffix(v.ID, "-"+r.String()) {
			t.Errorf("%s: %v %v", v.ID, r, ok)
		}
	}
	for _, id := range []string{"", "sandbox-en-us", "alloy", "sandbox-en-us-medium", "other-en-us-low"} {
		if _, ok := RegisterForVoice(id); ok {
			t.Errorf("%q accepted", id)
		}
	}
	lo, hi := RegisterLow.ToneFrequencies(), RegisterHigh.ToneFrequencies()
	for _, f := range append(lo[:], hi[:]...) {
		if f < 300 || f > 3400 || f%binHz != 0 {
			t.Errorf("tone %d Hz", f)
		}
		for _, g := range lo {
			for _, h := range hi {
				if d := g - h; d > -100 && d < 100 {
					t.Errorf("tones %d and %d too close", g, h)
				}
			}
		}
	}
}

// --- Benchmarks -----------------------------------------------------------------------------

func BenchmarkToneEncodeFrame(b *testing.B) {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)[:MaxToneTextBytes]
	e, _ := NewToneEncoder(RegisterLow, text)
	var f [ToneFrameSamples]int16
	b.ReportAllocs()
	for b.Loop() {
		if !e.NextFrame(&f) {
			e.Reset(RegisterLow, text)
		}
	}
}

func BenchmarkToneDecodeFrame(b *testing.B) {
	pcm := mulaw(encode(b, RegisterLow, "The quick brown fox jumps over the lazy dog, 0123456789."))
	d := NewToneDecoder(RegisterLow)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		d.Write(pcm[i : i+ToneFrameSamples])
		i += ToneFrameSamples
		if i == len(pcm) {
			i = 0
			for {
				if _, ok := d.Next(); !ok {
					break
				}
			}
		}
	}
}
