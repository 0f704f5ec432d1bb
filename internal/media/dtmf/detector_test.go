package dtmf

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWindowPowerMatchesDFT checks the block-combining Goertzel against a direct DFT of the
// whole 160-sample window.
func TestWindowPowerMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := noise(rng, windowLen, -10)
	d := NewDetector()
	d.filter(x[:blockLen])
	d.endBlock()
	d.filter(x[blockLen:])
	// Redo what endBlock computes for the second block without resetting state.
	for k, f := range toneFreqs {
		re := d.s1[k] - d.cos[k]*d.s2[k]
		im := d.sin[k] * d.s2[k]
		wr := d.prevRe[k] + d.rotRe[k]*re - d.rotIm[k]*im
		wi := d.prevIm[k] + d.rotRe[k]*im + d.rotIm[k]*re
		var dft complex128
		for n, v := range x {
			dft += complex(float64(v), 0) * cmplx.Exp(complex(0, -2*math.Pi*f*float64(n)/SampleRate))
		}
		want := real(dft)*real(dft) + imag(dft)*imag(dft)
		if got := wr*wr + wi*wi; math.Abs(got-want) > 1e-9*want {
			t.Errorf("%v Hz: power %g, DFT %g", f, got, want)
		}
		if h, want := d.harmonicPowerAt(x, k), dftPower(x, 2*f); math.Abs(h-want) > 1e-9*want+1e-6 {
			t.Errorf("%v Hz harmonic: power %g, DFT %g", 2*f, h, want)
		}
	}
}

// harmonicPowerAt loads x as the recent window and returns the harmonic power at frequency k.
func (d *Detector) harmonicPowerAt(x []int16, k int) float64 {
	copy(d.recent[:], x)
	d.pos = 0
	p, _ := d.harmonicPowers(k, k)
	return p
}

func dftPower(x []int16, f float64) float64 {
	var dft complex128
	for n, v := range x {
		dft += complex(float64(v), 0) * cmplx.Exp(complex(0, -2*math.Pi*f*float64(n)/SampleRate))
	}
	return real(dft)*real(dft) + imag(dft)*imag(dft)
}

func TestEveryDigit(t *testing.T) {
	for i := range len(Digits) {
		want := Digits[i : i+1]
		if got := detect(generate(t, want, 100*time.Millisecond, 0)); got != want {
			t.Errorf("digit %s: detected %q", want, got)
		}
	}
	if got := detect(generate(t, "abcd", 60*time.Millisecond, 60*time.Millisecond)); got != "ABCD" {
		t.Errorf("lower-case abcd: detected %q", got)
	}
}

func TestSequencesWithShortGaps(t *testing.T) {
	for _, tc := range []struct {
		digits    string
		tone, gap time.Duration
		want      string
	}{
		{"1234567890*#ABCD", 40 * time.Millisecond, 40 * time.Millisecond, "1234567890*#ABCD"},
		{"1111", 40 * time.Millisecond, 40 * time.Millisecond, "1111"},
		{"5550199", 50 * time.Millisecond, 45 * time.Millisecond, "5550199"},
		{"123", 60 * time.Millisecond, 0, "123"},                  // digits back to back
		{"##", 80 * time.Millisecond, 10 * time.Millisecond, "#"}, // a 10 ms dropout is one press
	} {
		pcm := generate(t, tc.digits, tc.tone, tc.gap)
		if got := detect(pcm); got != tc.want {
			t.Errorf("%q tone %v gap %v: detected %q, want %q", tc.digits, tc.tone, tc.gap, got, tc.want)
		}
	}
}

// TestArbitraryOffsetsAndChunks shifts a sequence by every offset within a frame and feeds it
// in chunks of several sizes: the digits found never change.
func TestArbitraryOffsetsAndChunks(t *testing.T) {
	const digits = "9#0*7"
	seq := generate(t, digits, 45*time.Millisecond, 40*time.Millisecond)
	for offset := range FrameSize {
		pcm := join(silence(offset), seq)
		for _, chunk := range []int{FrameSize, 1, 79, 80, 81, 333} {
			if got := detectChunks(pcm, chunk); got != digits {
				t.Fatalf("offset %d chunk %d: detected %q, want %q", offset, chunk, got, digits)
			}
		}
	}
}

// TestMinimumDuration: every tone of 40 ms is reported whatever its alignment with the
// analysis blocks; tones of 20 ms never are.
func TestMinimumDuration(t *testing.T) {
	for i := range len(Digits) {
		digit := Digits[i : i+1]
		long := generate(t, digit, 40*time.Millisecond, 0)
		short := generate(t, digit, 20*time.Millisecond, 0)
		for offset := range blockLen {
			if got := detect(join(silence(offset), long)); got != digit {
				t.Fatalf("40 ms %s at offset %d: detected %q", digit, offset, got)
			}
			if got := detect(join(silence(offset), short)); got != "" {
				t.Fatalf("20 ms %s at offset %d: detected %q", digit, offset, got)
			}
		}
	}
}

func TestMuLawQuantisation(t *testing.T) {
	for _, level := range []float64{-3.5, -10, -20, -28} {
		cfg := GeneratorConfig{Tone: 50 * time.Millisecond, Gap: 50 * time.Millisecond, LowLevel: level, HighLevel: level}
		pcm := muLaw(generateCfg(t, Digits, cfg))
		if got := detect(pcm); got != Digits {
			t.Errorf("µ-law at %v dBm0: detected %q, want %q", level, got, Digits)
		}
	}
}

func TestLevelAndTwistLimits(t *testing.T) {
	for _, tc := range []struct {
		low, high float64
		want      bool
	}{
		{-8, -6, true},
		{-30, -30, true},   // weak but above −33 dBm0
		{-38, -38, false},  // below the minimum level
		{-6, -12, true},    // row 6 dB stronger (normal twist)
		{-4, -16, false},   // row 12 dB stronger
		{-10, -7, true},    // column 3 dB stronger (reverse twist)
		{-16, -8, false},   // column 8 dB stronger
		{-30, -100, false}, // a row tone alone
		{-100, -30, false}, // a column tone alone
	} {
		cfg := GeneratorConfig{Tone: 100 * time.Millisecond, Gap: 0, LowLevel: tc.low, HighLevel: tc.high}
		for i := range len(Digits) {
			got := detect(generateCfg(t, Digits[i:i+1], cfg))
			if (got != "") != tc.want {
				t.Errorf("%s at row %v, column %v dBm0: detected %q, want detection %v", Digits[i:i+1], tc.low, tc.high, got, tc.want)
			}
		}
	}
}

func TestDigitsInNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seq := generate(t, "159#", 60*time.Millisecond, 60*time.Millisecond)
	// Noise 20 dB below the tones.
	if got := detect(mix(seq, noise(rng, len(seq), -27))); got != "159#" {
		t.Errorf("detected %q in noise, want 159#", got)
	}
}

func TestNoFalseDetections(t *testing.T) {
	const n = 10 * SampleRate // 10 s of each
	rng := rand.New(rand.NewPCG(7, 8))
	cases := map[string][]int16{"silence": silence(n)}
	for _, level := range []float64{-50, -30, -10, 0} {
		cases["white noise "+dbm(level)] = noise(rng, n, level)
	}
	for _, f := range append(toneFreqs[:], 350, 440, 1000, 2000, 2600) {
		cases["single tone "+hz(f)] = sine(n, f, -8)
	}
	// Call-progress tones: dial (350+440), ringback (440+480), busy (480+620).
	for _, pair := range [][2]float64{{350, 440}, {440, 480}, {480, 620}} {
		cases["tones "+hz(pair[0])+"+"+hz(pair[1])] = mix(sine(n, pair[0], -13), sine(n, pair[1], -13))
	}
	cases["speech-like"] = speechLike(rng, 30*SampleRate)
	for name, pcm := range cases {
		if got := detect(pcm); got != "" {
			t.Errorf("%s: detected %q", name, got)
		}
		if got := detect(muLaw(pcm)); got != "" {
			t.Errorf("%s through µ-law: detected %q", name, got)
		}
	}
}

// speechLike returns voiced, vowel-like sound: a harmonic series whose fundamental glides
// between 80 and 400 Hz, shaped by three formants that move from one vowel to the next every
// 150 ms, at about −15 dBm0, with short unvoiced noise bursts.
func speechLike(rng *rand.Rand, n int) []int16 {
	out := make([]int16, n)
	var phase float64
	formants := [3]float64{700, 1200, 2500}
	for i := 0; i < n; {
		segment := min(1200, n-i)
		if rng.IntN(5) == 0 { // a fricative: noise
			copy(out[i:], noise(rng, segment, -25))
			i += segment
			continue
		}
		f0a, f0b := 80+320*rng.Float64(), 80+320*rng.Float64()
		next := [3]float64{250 + 650*rng.Float64(), 800 + 1500*rng.Float64(), 2000 + 1200*rng.Float64()}
		for j := range segment {
			frac := float64(j) / float64(segment)
			f0 := f0a + (f0b-f0a)*frac
			phase += 2 * math.Pi * f0 / SampleRate
			var v float64
			for h := 1; float64(h)*f0 < 3800; h++ {
				fh := float64(h) * f0
				gain := 0.0
				for k := range 3 {
					fk := formants[k] + (next[k]-formants[k])*frac
					gain += 1 / (1 + math.Pow((fh-fk)/(80+0.1*fk), 2))
				}
				v += gain / math.Sqrt(float64(h)) * math.Sin(float64(h)*phase)
			}
			out[i+j] = saturate(v * amplitude(-15) / 3)
		}
		formants = next
		i += segment
	}
	return out
}

func dbm(l float64) string { return strconv.FormatFloat(l, 'g', -1, 64) + " dBm0" }
func hz(f float64) string  { return strconv.FormatFloat(f, 'g', -1, 64) + " Hz" }

func TestResetForgetsState(t *testing.T) {
	pcm := generate(t, "7", 100*time.Millisecond, 0)
	d := NewDetector()
	d.Process(nil, pcm[:200]) // the start of the tone: not yet reported
	d.Reset()
	if got := string(d.Process(nil, join(pcm, silence(800)))); got != "7" {
		t.Fatalf("after Reset detected %q, want 7", got)
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	frames := [][]int16{
		noise(rng, FrameSize, -20),
		generate(t, "5", 20*time.Millisecond, 0),
		silence(FrameSize),
	}
	d := NewDetector()
	buf := make([]byte, 0, 16)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		buf = d.Process(buf[:0], frames[i%len(frames)])
		i++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

// BenchmarkDetector reports the cost of one 160-sample frame of noise (the common case) and
// of a frame inside a DTMF tone (which adds the harmonic check).
func BenchmarkDetector(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	for name, pcm := range map[string][]int16{
		"noise": noise(rng, 50*FrameSize, -20),
		"dtmf":  generate(b, strings.Repeat("5", 1), 50*20*time.Millisecond, 0),
	} {
		b.Run(name, func(b *testing.B) {
			d := NewDetector()
			buf := make([]byte, 0, 16)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				buf = d.Process(buf[:0], pcm[i:i+FrameSize])
				if i += FrameSize; i == len(pcm) {
					i = 0
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
		})
	}
}
