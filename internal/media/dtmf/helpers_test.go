package dtmf

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// generate returns the PCM of digits with the given tone and gap lengths and default levels.
func generate(t testing.TB, digits string, tone, gap time.Duration) []int16 {
	t.Helper()
	cfg := DefaultGeneratorConfig()
	cfg.Tone, cfg.Gap = tone, gap
	return generateCfg(t, digits, cfg)
}

func generateCfg(t testing.TB, digits string, cfg GeneratorConfig) []int16 {
	t.Helper()
	g, err := NewGenerator(digits, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, g.Len())
	g.Fill(pcm)
	return pcm
}

// silence returns n samples of silence.
func silence(n int) []int16 { return make([]int16, n) }

// join concatenates sample slices.
func join(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// detect feeds pcm to a new Detector in 160-sample frames (the last one padded with 200 ms of
// silence) and returns the digits reported.
func detect(pcm []int16) string {
	return detectChunks(pcm, FrameSize)
}

func detectChunks(pcm []int16, chunk int) string {
	pcm = join(pcm, silence(1600))
	d := NewDetector()
	var got []byte
	for len(pcm) > 0 {
		n := min(chunk, len(pcm))
		got = d.Process(got, pcm[:n])
		pcm = pcm[n:]
	}
	return string(got)
}

// sine returns n samples of a sine wave of frequency f Hz at level dBm0.
func sine(n int, f, level float64) []int16 {
	out := make([]int16, n)
	a := amplitude(level)
	for i := range out {
		out[i] = int16(math.Round(a * math.Sin(2*math.Pi*f*float64(i)/SampleRate)))
	}
	return out
}

// mix adds b into a (same length), saturating.
func mix(a, b []int16) []int16 {
	out := make([]int16, len(a))
	for i := range a {
		out[i] = saturate(float64(a[i]) + float64(b[i]))
	}
	return out
}

// noise returns n samples of Gaussian white noise with RMS at level dBm0 (relative to a 0 dBm0
// sine's RMS).
func noise(rng *rand.Rand, n int, level float64) []int16 {
	rms := amplitude(level) / math.Sqrt2
	out := make([]int16, n)
	for i := range out {
		out[i] = saturate(rng.NormFloat64() * rms)
	}
	return out
}

func saturate(v float64) int16 {
	return int16(max(-32768, min(32767, math.Round(v))))
}
