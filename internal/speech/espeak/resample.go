package espeak

import (
	"fmt"
	"math"
	"sync"
)

// Resampler parameters. The low-pass keeps what telephone speech needs (up to about 3.4 kHz
// at an 8 kHz output) and removes, by at least resampleAttenuation dB, everything at or above
// the output's Nyquist frequency, which would otherwise alias.
const (
	resampleAttenuation = 70.0 // stop-band attenuation of the Kaiser design, dB
	maxResamplePhases   = 1024 // largest out/gcd(in,out) a Resampler accepts
	minResampleRate     = 4000
	maxResampleRate     = 192000
)

// Resampler converts a stream of 16-bit mono PCM from one sample rate to another with a
// polyphase windowed-sinc (Kaiser) filter. Output sample n is the band-limited input signal
// evaluated at input time n·in/out exactly: the filter is centred, not causal, so the output
// has no delay, and Flush supplies the silence after the end that the last outputs look
// ahead into. Feeding a stream in pieces of any size gives exactly the output of feeding it
// in one piece; before the first sample the stream is taken to be silence.
//
// When the output rate is the lower one, the pass band ends at 85% and the stop band starts at
// 100% of the output's Nyquist frequency (3.4 and 4 kHz for 8 kHz output); when upsampling,
// the same fractions of the input's Nyquist frequency apply.
//
// After its internal buffer has grown to the size of the pieces fed, Append allocates only
// when dst lacks capacity. A Resampler is not safe for concurrent use.
type Resampler struct {
	in, out int   // sample rates
	l, m    int64 // out/g and in/g: output n sits at input time n·m/l
	bank    *filterBank

	buf    []float32 // input samples with absolute indices base, base+1, …
	base   int64
	n      int64 // next output sample
	fed    int64 // input samples fed so far
	closed bool
}

// filterBank holds a polyphase filter: phase p (input time offset p/l) has taps
// coef[p·taps : (p+1)·taps], applied to input samples i+half, i+half-1, …, i+half-taps+1.
type filterBank struct {
	taps int
	half int
	coef []float32
}

var (
	banksMu sync.Mutex
	banks   = map[[2]int]*filterBank{}
)

// NewResampler returns a Resampler from rate in to rate out (samples per second, each between
// 4000 and 192000). It fails if out/gcd(in, out) exceeds 1024, that is, if the ratio between
// the rates is too irregular for an exact polyphase table (every common audio rate is fine).
func NewResampler(in, out int) (*Resampler, error) {
	if in < minResampleRate || in > maxResampleRate || out < minResampleRate || out > maxResampleRate {
		return nil, fmt.Errorf("espeak: resample %d Hz to %d Hz: rate out of range [%d, %d]", in, out, minResampleRate, maxResampleRate)
	}
	g := gcd(in, out)
	l, m := out/g, in/g
	if l > maxResamplePhases {
		return nil, fmt.Errorf("espeak: resample %d Hz to %d Hz: ratio %d/%d needs too many filter phases", in, out, l, m)
	}
	bank := bankFor(in, out, l)
	r := &Resampler{in: in, out: out, l: int64(l), m: int64(m), bank: bank}
	r.Reset()
	return r, nil
}

// Reset forgets the stream, as if the Resampler were new.
func (r *Resampler) Reset() {
	// Silence before the stream: one filter length of zeros at indices -taps … -1.
	r.buf = append(r.buf[:0], make([]float32, r.bank.taps)...)
	r.base = -int64(r.bank.taps)
	r.n, r.fed, r.closed = 0, 0, false
}

// OutputLen returns how many output samples a stream of inputs input samples gives in all,
// including what Flush returns: the number of output instants before the end of the input,
// ⌈inputs·out/in⌉.
func (r *Resampler) OutputLen(inputs int64) int64 {
	return (inputs*r.l + r.m - 1) / r.m
}

// Append consumes all of src, appends every output sample that is now complete to dst and
// returns the extended slice. Outputs near the end of what was fed wait for the next call or
// for Flush. After Flush, Append does nothing.
func (r *Resampler) Append(dst, src []int16) []int16 {
	if r.closed {
		return dst
	}
	for _, s := range src {
		r.buf = append(r.buf, float32(s))
	}
	r.fed += int64(len(src))
	return r.drain(dst, r.base+int64(len(r.buf)))
}

// Flush ends the stream: it appends the remaining output samples to dst, computed as if
// silence followed the input, and returns the extended slice. The total output is then
// OutputLen of the total input. Later calls to Append and Flush do nothing until Reset.
func (r *Resampler) Flush(dst []int16) []int16 {
	if r.closed {
		return dst
	}
	r.closed = true
	for range r.bank.half + 1 {
		r.buf = append(r.buf, 0)
	}
	end := r.OutputLen(r.fed)
	// Only outputs at instants before the end of the input belong to the stream.
	dst = r.drainUntil(dst, r.base+int64(len(r.buf)), end)
	return dst
}

// drain computes the outputs whose look-ahead is inside the first have input samples.
func (r *Resampler) drain(dst []int16, have int64) []int16 {
	return r.drainUntil(dst, have, math.MaxInt64)
}

func (r *Resampler) drainUntil(dst []int16, have, limit int64) []int16 {
	taps, half := r.bank.taps, int64(r.bank.half)
	for r.n < limit {
		t := r.n * r.m
		i, p := t/r.l, t%r.l
		last := i + half // newest input sample the output needs
		if last >= have {
			break
		}
		x := r.buf[last-r.base-int64(taps)+1 : last-r.base+1]
		h := r.bank.coef[p*int64(taps) : (p+1)*int64(taps)]
		var acc float32
		for k, c := range h {
			acc += c * x[taps-1-k]
		}
		dst = append(dst, clamp16(acc))
		r.n++
	}
	// Keep the input the next output still needs: from (its i)+half-taps+1 on.
	keep := (r.n*r.m)/r.l + half - int64(taps) + 1
	if drop := keep - r.base; drop > 0 {
		drop = min(drop, int64(len(r.buf)))
		k := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:k]
		r.base += drop
	}
	return dst
}

func clamp16(v float32) int16 {
	v = float32(math.Round(float64(v)))
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

// bankFor returns the (shared, read-only) filter bank for a rate pair, designing it once.
func bankFor(in, out, l int) *filterBank {
	banksMu.Lock()
	defer banksMu.Unlock()
	key := [2]int{in, out}
	if b, ok := banks[key]; ok {
		return b
	}
	b := designBank(in, out, l)
	banks[key] = b
	return b
}

// designBank designs a Kaiser-windowed sinc low-pass, evaluated at l fractional offsets.
func designBank(in, out, l int) *filterBank {
	nyq := float64(min(in, out)) / 2
	pass, stop := 0.85*nyq, nyq
	fc := (pass + stop) / 2 / float64(in) // cutoff, cycles per input sample
	dw := 2 * math.Pi * (stop - pass) / float64(in)
	// Kaiser's estimates for the length and shape of the window.
	taps := int(math.Ceil((resampleAttenuation-7.95)/(2.285*dw))) + 1
	taps += taps % 2
	beta := 0.1102 * (resampleAttenuation - 8.7)
	half := taps / 2

	b := &filterBank{taps: taps, half: half, coef: make([]float32, l*taps)}
	i0b := besselI0(beta)
	for p := range l {
		h := b.coef[p*taps : (p+1)*taps]
		var sum float64
		vals := make([]float64, taps)
		for k := range taps {
			// Tap k multiplies input sample i+half-k; it sits u input samples before the
			// output instant i+p/l.
			u := float64(k-half) + float64(p)/float64(l)
			var w float64
			if r := u / float64(half); r > -1 && r < 1 {
				w = besselI0(beta*math.Sqrt(1-r*r)) / i0b
			}
			v := 2 * fc * sinc(2*fc*u) * w
			vals[k] = v
			sum += v
		}
		for k, v := range vals {
			h[k] = float32(v / sum) // unit gain at DC for every phase
		}
	}
	return b
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0 (power series).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
