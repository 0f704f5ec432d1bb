package media

import (
	"math"
	"math/rand/v2"
	"testing"
)

// g711Level14 is the decoder output of G.711 µ-law in the Recommendation's own 14-bit scale,
// written independently of g711.go: segment s, step q gives ((2q+33) << s) - 33, so the
// segments start at 0, 33, 99, 231, 495, 1023, 2079, 4191 and the largest value is 8031.
func g711Level14(u byte) int {
	u = ^u
	s, q := int(u>>4)&7, int(u&0x0F)
	v := ((2*q + 33) << s) - 33
	if u&0x80 != 0 {
		return -v
	}
	return v
}

func TestMulawDecodeMatchesG711Table(t *testing.T) {
	for i := range 256 {
		u := byte(i)
		if got, want := int(MulawToLinear(u)), 4*g711Level14(u); got != want {
			t.Errorf("MulawToLinear(%#02x) = %d, want %d", u, got, want)
		}
	}
}

func TestMulawKnownValues(t *testing.T) {
	decode := []struct {
		u    byte
		want int16
	}{
		{0xFF, 0}, {0x7F, 0}, // positive and negative zero
		{0x80, 32124}, {0x00, -32124}, // the extremes
		{0xFE, 8}, {0x7E, -8}, // the smallest steps
		{0xEF, 132}, {0xDF, 396}, {0xCF, 924}, {0xBF, 1980}, // first level of segments 1..4
		{0xAF, 4092}, {0x9F, 8316}, {0x8F, 16764}, // first level of segments 5..7
		{0xF0, 120}, {0x70, -120}, // last level of segment 0
		{0x6F, -132}, {0x0F, -16764},
	}
	for _, c := range decode {
		if got := MulawToLinear(c.u); got != c.want {
			t.Errorf("MulawToLinear(%#02x) = %d, want %d", c.u, got, c.want)
		}
	}
	encode := []struct {
		x    int16
		want byte
	}{
		{0, 0xFF}, {1, 0xFF}, {3, 0xFF}, {4, 0xFE}, {-1, 0x7F}, {-3, 0x7F}, {-4, 0x7E},
		{8, 0xFE}, {-8, 0x7E}, {100, 0xF2}, {132, 0xEF}, {-132, 0x6F},
		{32124, 0x80}, {32635, 0x80}, {32767, 0x80}, {-32124, 0x00}, {-32768, 0x00},
	}
	for _, c := range encode {
		if got := LinearToMulaw(c.x); got != c.want {
			t.Errorf("LinearToMulaw(%d) = %#02x, want %#02x", c.x, got, c.want)
		}
	}
}

// Every µ-law byte survives decode-then-encode, except the negative zero 0x7F, which decodes
// to 0 and so comes back as the positive zero 0xFF.
func TestMulawRoundTripEveryByte(t *testing.T) {
	for i := range 256 {
		u := byte(i)
		want := u
		if u == 0x7F {
			want = 0xFF
		}
		if got := LinearToMulaw(MulawToLinear(u)); got != want {
			t.Errorf("LinearToMulaw(MulawToLinear(%#02x)) = %#02x, want %#02x", u, got, want)
		}
	}
}

func TestMulawMonotonic(t *testing.T) {
	// Positive codes run from 0xFF (0) down to 0x80 (largest), negative codes from 0x7F down
	// to 0x00; each step of the code is a strict step of the level.
	for u := 0xFF; u > 0x80; u-- {
		if a, b := MulawToLinear(byte(u)), MulawToLinear(byte(u-1)); a >= b {
			t.Errorf("decode(%#02x)=%d >= decode(%#02x)=%d", u, a, u-1, b)
		}
	}
	for u := 0x7F; u > 0x00; u-- {
		if a, b := MulawToLinear(byte(u)), MulawToLinear(byte(u-1)); a <= b {
			t.Errorf("decode(%#02x)=%d <= decode(%#02x)=%d", u, a, u-1, b)
		}
	}
	// The quantiser as a whole never goes down as its input goes up.
	prev := MulawToLinear(LinearToMulaw(math.MinInt16))
	for x := math.MinInt16 + 1; x <= math.MaxInt16; x++ {
		q := MulawToLinear(LinearToMulaw(int16(x)))
		if q < prev {
			t.Fatalf("quantised(%d) = %d < quantised(%d) = %d", x, q, x-1, prev)
		}
		prev = q
	}
}

func TestMulawQuantisationError(t *testing.T) {
	maxIn, maxAll := 0, 0
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		q := int(MulawToLinear(LinearToMulaw(int16(x))))
		err := abs(x - q)
		maxAll = max(maxAll, err)
		if abs(x) > mulawClip {
			continue
		}
		maxIn = max(maxIn, err)
		if 32*err > abs(x)+mulawBias {
			t.Errorf("x=%d: error %d > (|x|+132)/32", x, err)
		}
	}
	// Half of the largest step (1024) inside the range; beyond the clip level the error
	// grows to 32768-32124.
	if maxIn != 512 || maxAll != 644 {
		t.Errorf("max error %d in range, %d overall; want 512 and 644", maxIn, maxAll)
	}
}

func TestMulawFrameAndSliceFunctions(t *testing.T) {
	var f Frame
	for i := range f {
		f[i] = byte(i * 37)
	}
	var p PCMFrame
	DecodeFrame(&p, &f)
	for i := range f {
		if p[i] != MulawToLinear(f[i]) {
			t.Fatalf("DecodeFrame sample %d = %d, want %d", i, p[i], MulawToLinear(f[i]))
		}
	}
	var back Frame
	EncodeFrame(&back, &p)
	for i := range p {
		if back[i] != LinearToMulaw(p[i]) {
			t.Fatalf("EncodeFrame sample %d = %#02x", i, back[i])
		}
	}
	pcm := make([]int16, 10)
	if n := DecodeMulaw(pcm, f[:7]); n != 7 || pcm[6] != MulawToLinear(f[6]) || pcm[7] != 0 {
		t.Errorf("DecodeMulaw: n=%d pcm=%v", n, pcm)
	}
	out := make([]byte, 5)
	if n := EncodeMulaw(out, p[:]); n != 5 || out[4] != LinearToMulaw(p[4]) {
		t.Errorf("EncodeMulaw: n=%d out=%v", n, out)
	}
	var s Frame
	SilenceFrame(&s)
	DecodeFrame(&p, &s)
	if p != (PCMFrame{}) {
		t.Errorf("SilenceFrame does not decode to zeros")
	}
}

func TestMulawNoAllocs(t *testing.T) {
	var f Frame
	var p PCMFrame
	if n := testing.AllocsPerRun(100, func() { DecodeFrame(&p, &f) }); n != 0 {
		t.Errorf("DecodeFrame: %v allocs per frame", n)
	}
	if n := testing.AllocsPerRun(100, func() { EncodeFrame(&f, &p) }); n != 0 {
		t.Errorf("EncodeFrame: %v allocs per frame", n)
	}
	if n := testing.AllocsPerRun(100, func() { DecodeMulaw(p[:], f[:]); EncodeMulaw(f[:], p[:]) }); n != 0 {
		t.Errorf("DecodeMulaw/EncodeMulaw: %v allocs per frame", n)
	}
}

func FuzzMulaw(f *testing.F) {
	f.Add(int16(0), []byte{0x7F, 0xFF, 0x00, 0x80})
	f.Add(int16(math.MinInt16), []byte{})
	f.Add(int16(math.MaxInt16), []byte{1, 2, 3})
	f.Add(int16(-1), []byte{0x7E})
	f.Fuzz(func(t *testing.T, x int16, payload []byte) {
		q := int(MulawToLinear(LinearToMulaw(x)))
		a := min(abs(int(x)), mulawClip)
		if err := abs(min(max(int(x), -mulawClip), mulawClip) - q); 32*err > a+mulawBias {
			t.Errorf("x=%d decodes back as %d", x, q)
		}
		pcm := make([]int16, len(payload))
		back := make([]byte, len(payload))
		if n := DecodeMulaw(pcm, payload); n != len(payload) {
			t.Fatalf("DecodeMulaw = %d, want %d", n, len(payload))
		}
		EncodeMulaw(back, pcm)
		for i, u := range payload {
			want := u
			if u == 0x7F {
				want = 0xFF
			}
			if back[i] != want {
				t.Errorf("byte %#02x came back as %#02x", u, back[i])
			}
		}
	})
}

func BenchmarkDecodeFrame(b *testing.B) {
	var f Frame
	for i := range f {
		f[i] = byte(rand.IntN(256))
	}
	var p PCMFrame
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	for b.Loop() {
		DecodeFrame(&p, &f)
	}
}

func BenchmarkEncodeFrame(b *testing.B) {
	var p PCMFrame
	for i := range p {
		p[i] = int16(rand.IntN(65536) - 32768)
	}
	var f Frame
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	for b.Loop() {
		EncodeFrame(&f, &p)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
