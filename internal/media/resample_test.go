package media

import (
	"math"
	"math/rand/v2"
	"testing"
)

// besselI0 is the modified Bessel function of the first kind, order 0, by its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 60; k++ {
		term *= x / 2 / float64(k)
		sum += term * term
	}
	return sum
}

// The stored taps are the Kaiser-windowed sinc described in resample.go, each within one unit
// of the exact design, and one side sums to exactly 1/2 so DC passes unchanged.
func TestHalfbandTapsMatchDesign(t *testing.T) {
	const beta, half = 5.0, 2 * halfbandK // the window reaches zero-ish at |m| = 24
	var design [halfbandK]float64
	sum := 0.0
	for k := range design {
		m := float64(2*k + 1)
		x := m / half
		design[k] = math.Sin(math.Pi*m/2) / (math.Pi * m / 2) * besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
		sum += design[k]
	}
	var total int64
	for k, c := range halfbandTaps {
		want := design[k] / sum * 16384
		if math.Abs(float64(c)-want) > 1 {
			t.Errorf("tap %d = %d, design %.3f", k, c, want)
		}
		total += c
	}
	if total != 16384 {
		t.Errorf("one side sums to %d, want 16384", total)
	}
}

func randomPCM(r *rand.Rand, n int) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(r.IntN(65536) - 32768)
	}
	return x
}

// upsampleInPieces feeds src to a fresh Upsampler in pieces whose sizes come from sizes (cycled).
func upsampleInPieces(src []int16, sizes []int) []int16 {
	var u Upsampler
	out := make([]int16, 0, 2*len(src))
	buf := make([]int16, 2*len(src))
	for i := 0; len(src) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(src))
		out = append(out, buf[:u.Upsample(buf, src[:n])]...)
		src = src[n:]
	}
	return out
}

func downsampleInPieces(src []int16, sizes []int) []int16 {
	var d Downsampler
	out := make([]int16, 0, len(src)/2)
	buf := make([]int16, len(src))
	for i := 0; len(src) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(src))
		out = append(out, buf[:d.Downsample(buf, src[:n])]...)
		src = src[n:]
	}
	return out
}

func equalPCM(t *testing.T, name string, got, want []int16) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d samples, want %d", name, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: sample %d = %d, want %d", name, i, got[i], want[i])
		}
	}
}

// Resampling a stream frame by frame (or in any other pieces) gives exactly the samples of
// resampling it in one call.
func TestResampleStreamEqualsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	narrow := randomPCM(r, 50*FrameSamples+7)
	whole := upsampleInPieces(narrow, []int{len(narrow)})
	equalPCM(t, "up, one sample at a time", upsampleInPieces(narrow, []int{1}), whole)
	equalPCM(t, "up, odd pieces", upsampleInPieces(narrow, []int{3, 161, 17, 400, 159}), whole)

	var u Upsampler
	var wf WidebandFrame
	for f := range 50 {
		var pf PCMFrame
		copy(pf[:], narrow[f*FrameSamples:])
		u.UpsampleFrame(&wf, &pf)
		equalPCM(t, "up, frame by frame", wf[:], whole[2*f*FrameSamples:2*(f+1)*FrameSamples])
	}

	wide := randomPCM(r, 50*WidebandFrameSamples+3)
	wholeDown := downsampleInPieces(wide, []int{len(wide)})
	if len(wholeDown) != len(wide)/2 {
		t.Fatalf("downsampled %d samples to %d", len(wide), len(wholeDown))
	}
	equalPCM(t, "down, one sample at a time", downsampleInPieces(wide, []int{1}), wholeDown)
	equalPCM(t, "down, odd pieces", downsampleInPieces(wide, []int{5, 321, 2, 999, 319}), wholeDown)

	var d Downsampler
	var pf PCMFrame
	for f := range 50 {
		copy(wf[:], wide[f*WidebandFrameSamples:])
		d.DownsampleFrame(&pf, &wf)
		equalPCM(t, "down, frame by frame", pf[:], wholeDown[f*FrameSamples:(f+1)*FrameSamples])
	}

	d.Reset()
	u.Reset()
	if d != (Downsampler{}) || u != (Upsampler{}) {
		t.Errorf("Reset does not return to the zero value")
	}
}

func sine(n, rate int, freq, amp, delay float64) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*(float64(i)-delay)/float64(rate))))
	}
	return x
}

// levelDB is 20·log10(rms(a)/rms(b)) over samples from skip on.
func levelDB(a, b []int16, skip int) float64 {
	var ea, eb float64
	for i := skip; i < len(a); i++ {
		ea += float64(a[i]) * float64(a[i])
		eb += float64(b[i]) * float64(b[i])
	}
	return 10 * math.Log10(ea/eb)
}

func diff(a, b []int16) []int16 {
	d := make([]int16, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

func TestUpsampleKeepsTelephoneBand(t *testing.T) {
	for _, freq := range []float64{300, 1000, 3000} {
		in := sine(SampleRate, SampleRate, freq, 10000, 0)
		out := upsampleInPieces(in, []int{FrameSamples})
		// The ideal result: the same tone at 16 kHz, delayed by UpsampleDelay input samples.
		ideal := sine(len(out), WidebandSampleRate, freq, 10000, 2*UpsampleDelay)
		skip := 4 * halfbandK
		if g := levelDB(out, ideal, skip); math.Abs(g) > 0.1 {
			t.Errorf("%v Hz: gain %.3f dB", freq, g)
		}
		// What differs from the ideal tone (ripple, the image at 8 kHz - f, rounding) is small.
		if e := levelDB(diff(out, ideal), ideal, skip); e > -40 {
			t.Errorf("%v Hz: error %.1f dB relative to the signal", freq, e)
		}
	}
}

func TestDownsampleKeepsTelephoneBandAndRejectsAliases(t *testing.T) {
	for _, freq := range []float64{300, 1000, 3000} {
		in := sine(WidebandSampleRate, WidebandSampleRate, freq, 10000, 0)
		out := downsampleInPieces(in, []int{WidebandFrameSamples})
		ideal := sine(len(out), SampleRate, freq, 10000, DownsampleDelay)
		skip := 4 * halfbandK
		if g := levelDB(out, ideal, skip); math.Abs(g) > 0.1 {
			t.Errorf("%v Hz: gain %.3f dB", freq, g)
		}
		if e := levelDB(diff(out, ideal), ideal, skip); e > -40 {
			t.Errorf("%v Hz: error %.1f dB relative to the signal", freq, e)
		}
	}
	// Above 4 kHz a tone would fold back into the band (6 kHz → 2 kHz); the filter removes it.
	for _, c := range []struct{ freq, minDB float64 }{{5000, 50}, {6000, 60}, {7500, 60}} {
		in := sine(WidebandSampleRate, WidebandSampleRate, c.freq, 20000, 0)
		out := downsampleInPieces(in, []int{WidebandFrameSamples})
		ref := sine(len(out), SampleRate, 1000, 20000, 0) // same amplitude, for the ratio
		if g := levelDB(out, ref, 4*halfbandK); g > -c.minDB {
			t.Errorf("%v Hz: attenuated by only %.1f dB, want at least %v", c.freq, -g, c.minDB)
		} else {
			t.Logf("%v Hz: attenuated by %.1f dB", c.freq, -g)
		}
	}
}

func TestResampleRoundTrip(t *testing.T) {
	in := sine(SampleRate, SampleRate, 440, 12000, 0)
	out := downsampleInPieces(upsampleInPieces(in, []int{FrameSamples}), []int{WidebandFrameSamples})
	ideal := sine(len(out), SampleRate, 440, 12000, UpsampleDelay+DownsampleDelay)
	if e := levelDB(diff(out, ideal), ideal, 8*halfbandK); e > -40 {
		t.Errorf("up then down: error %.1f dB relative to the signal", e)
	}
}

// A full-scale step rings past full scale; the output must clip, not wrap around.
func TestResampleSaturates(t *testing.T) {
	in := make([]int16, 400)
	for i := range in {
		in[i] = math.MinInt16
		if i >= 200 {
			in[i] = math.MaxInt16
		}
	}
	up := upsampleInPieces(in, []int{len(in)})
	step := 2 * (200 + UpsampleDelay)
	for j := 2 * halfbandK; j < len(up); j++ {
		if j < step-2*halfbandK && up[j] > -30000 || j > step+2*halfbandK && up[j] < 30000 {
			t.Fatalf("upsampled step: sample %d = %d", j, up[j])
		}
	}
	down := downsampleInPieces(up, []int{len(up)})
	step = 200 + UpsampleDelay + DownsampleDelay
	for n := 4 * halfbandK; n < len(down); n++ {
		if n < step-halfbandK && down[n] > -30000 || n > step+halfbandK && down[n] < 30000 {
			t.Fatalf("downsampled step: sample %d = %d", n, down[n])
		}
	}
}

func TestResampleShortDstPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Upsample":   func() { var u Upsampler; u.Upsample(make([]int16, 3), make([]int16, 2)) },
		"Downsample": func() { var d Downsampler; d.Downsample(make([]int16, 1), make([]int16, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short dst did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestResampleNoAllocs(t *testing.T) {
	var u Upsampler
	var d Downsampler
	var pf PCMFrame
	var wf WidebandFrame
	if n := testing.AllocsPerRun(100, func() { u.UpsampleFrame(&wf, &pf) }); n != 0 {
		t.Errorf("UpsampleFrame: %v allocs per frame", n)
	}
	if n := testing.AllocsPerRun(100, func() { d.DownsampleFrame(&pf, &wf) }); n != 0 {
		t.Errorf("DownsampleFrame: %v allocs per frame", n)
	}
}

// FuzzResampleChunking checks that any way of cutting a stream into pieces gives the output of
// resampling it whole.
func FuzzResampleChunking(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, []byte{1})
	f.Add(make([]byte, 1000), []byte{160, 3, 0, 255})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		sizes := []int{1}
		if len(cuts) > 0 {
			sizes = sizes[:0]
			for _, c := range cuts {
				sizes = append(sizes, int(c)+1)
			}
		}
		equalPCM(t, "up", upsampleInPieces(pcm, sizes), upsampleInPieces(pcm, []int{len(pcm) + 1}))
		equalPCM(t, "down", downsampleInPieces(pcm, sizes), downsampleInPieces(pcm, []int{len(pcm) + 1}))
	})
}

func BenchmarkUpsampleFrame(b *testing.B) {
	var u Upsampler
	pf := PCMFrame(sine(FrameSamples, SampleRate, 1000, 10000, 0))
	var wf WidebandFrame
	b.ReportAllocs()
	for b.Loop() {
		u.UpsampleFrame(&wf, &pf)
	}
}

func BenchmarkDownsampleFrame(b *testing.B) {
	var d Downsampler
	wf := WidebandFrame(sine(WidebandFrameSamples, WidebandSampleRate, 1000, 10000, 0))
	var pf PCMFrame
	b.ReportAllocs()
	for b.Loop() {
		d.DownsampleFrame(&pf, &wf)
	}
}
