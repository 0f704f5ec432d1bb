package espeak

import (
	"math"
	"testing"
)

// sine returns n samples of a sine of frequency f at rate, amplitude amp.
func sine(n, rate int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate))))
	}
	return s
}

// rms returns the root mean square of s, skipping skip samples at each end (filter edges).
func rms(s []int16, skip int) float64 {
	var sum float64
	n := 0
	for _, v := range s[skip : len(s)-skip] {
		sum += float64(v) * float64(v)
		n++
	}
	return math.Sqrt(sum / float64(n))
}

func resampleAll(t *testing.T, in, out int, src []int16, piece int) []int16 {
	t.Helper()
	r, err := NewResampler(in, out)
	if err != nil {
		t.Fatal(err)
	}
	var dst []int16
	for len(src) > 0 {
		n := min(piece, len(src))
		dst = r.Append(dst, src[:n])
		src = src[n:]
	}
	return r.Flush(dst)
}

func TestResamplerPassBand(t *testing.T) {
	const amp = 10000
	for _, in := range []int{22050, 16000, 44100, 48000, 11025} {
		src := sine(in, in, 1000, amp) // one second
		out := resampleAll(t, in, 8000, src, 441)
		got := rms(out, 200)
		want := amp / math.Sqrt2
		if db := 20 * math.Log10(got/want); math.Abs(db) > 1 {
			t.Errorf("%d Hz: 1 kHz sine changed by %.2f dB", in, db)
		}
	}
}

func TestResamplerStopBand(t *testing.T) {
	const amp = 10000
	for _, f := range []float64{4000, 5000, 7000, 10000} {
		src := sine(22050, 22050, f, amp)
		out := resampleAll(t, 22050, 8000, src, 1000)
		got := rms(out, 200)
		db := 20 * math.Log10((got+1e-9)/(amp/math.Sqrt2))
		limit := -30.0
		if f == 4000 {
			limit = -6 // the edge of the stop band: at least half gone
		}
		if db > limit {
			t.Errorf("%.0f Hz sine attenuated only %.1f dB, want at least %.0f", f, -db, -limit)
		}
	}
}

func TestResamplerLength(t *testing.T) {
	for _, tc := range []struct{ in, out, n int }{
		{22050, 8000, 22050}, {22050, 8000, 1}, {22050, 8000, 12345},
		{16000, 8000, 999}, {8000, 8000, 500}, {11025, 8000, 7}, {8000, 22050, 100},
	} {
		src := sine(tc.n, tc.in, 300, 1000)
		out := resampleAll(t, tc.in, tc.out, src, 160)
		want := (tc.n*tc.out + tc.in - 1) / tc.in
		if len(out) != want {
			t.Errorf("%d→%d Hz, %d samples: got %d outputs, want %d", tc.in, tc.out, tc.n, len(out), want)
		}
	}
}

// TestResamplerPieces checks that the output does not depend on how the input is split.
func TestResamplerPieces(t *testing.T) {
	src := sine(5000, 22050, 440, 8000)
	whole := resampleAll(t, 22050, 8000, src, len(src))
	for _, piece := range []int{1, 7, 160, 441, 1024} {
		got := resampleAll(t, 22050, 8000, src, piece)
		if len(got) != len(whole) {
			t.Fatalf("piece %d: %d samples, want %d", piece, len(got), len(whole))
		}
		for i := range got {
			if got[i] != whole[i] {
				t.Fatalf("piece %d: sample %d = %d, want %d", piece, i, got[i], whole[i])
			}
		}
	}
}

// TestResamplerNoDelay checks that output n is the input at time n·in/out: a step from 0 to
// 10000 at input 11025 (time 0.5 s) crosses the middle at output 4000, not later.
func TestResamplerNoDelay(t *testing.T) {
	src := make([]int16, 22050)
	for i := 11025; i < len(src); i++ {
		src[i] = 10000
	}
	out := resampleAll(t, 22050, 8000, src, 500)
	if out[3990] > 300 || out[4010] < 9700 || math.Abs(float64(out[4000])-5000) > 2000 {
		t.Errorf("step not centred at output 4000: %d %d %d", out[3990], out[4000], out[4010])
	}
}

func TestNewResamplerRejects(t *testing.T) {
	for _, tc := range [][2]int{{0, 8000}, {22050, 100}, {1_000_000, 8000}, {22051, 8000 * 3 / 2}} {
		if _, err := NewResampler(tc[0], tc[1]); err == nil {
			t.Errorf("NewResampler(%d, %d) succeeded", tc[0], tc[1])
		}
	}
}

func TestResamplerAppendDoesNotAllocate(t *testing.T) {
	r, err := NewResampler(22050, 8000)
	if err != nil {
		t.Fatal(err)
	}
	src := sine(441, 22050, 1000, 5000)
	dst := make([]int16, 0, 1024)
	for range 10 {
		dst = r.Append(dst[:0], src)
	}
	if a := testing.AllocsPerRun(100, func() { dst = r.Append(dst[:0], src) }); a != 0 {
		t.Errorf("Append allocates %.1f times per call", a)
	}
}

func BenchmarkResampler(b *testing.B) {
	r, err := NewResampler(22050, 8000)
	if err != nil {
		b.Fatal(err)
	}
	src := sine(441, 22050, 1000, 5000) // 20 ms
	dst := make([]int16, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst = r.Append(dst[:0], src)
	}
}
