package media

// Resampling between 8 kHz and 16 kHz uses one half-band low-pass FIR filter at 16 kHz: 47 taps,
// a Kaiser-windowed sinc (β = 5) cut off at 4 kHz. Its centre tap is 1/2, its other even taps are
// zero, so only the halfbandK odd taps on each side need multiplying. Measured on the quantised
// taps: flat within 0.02 dB up to 3.4 kHz, -6 dB at 4 kHz, below -52 dB from 4.6 kHz up, about
// -79 dB at 6 kHz.
//
// Arithmetic is fixed point, so the output is the same on every platform.
const halfbandK = 12

// halfbandTaps[k] is 2·h(2k+1) in Q15, where h is the half-band filter and 2k+1 the distance
// from the centre in 16 kHz samples. The taps were computed as
// sin(πm/2)/(πm/2) · I0(β·√(1-(m/24)²))/I0(β), scaled so that one side sums to exactly 1/2
// (16384), which makes the DC gain exactly 1; resample_test.go recomputes them.
var halfbandTaps = [halfbandK]int64{
	20799, -6720, 3787, -2458, 1677, -1160, 795, -531, 341, -206, 113, -53,
}

const (
	// UpsampleDelay is the delay the Upsampler adds, in 8 kHz samples (1.5 ms): output sample
	// 2n is input sample n-UpsampleDelay exactly.
	UpsampleDelay = halfbandK

	// DownsampleDelay is the delay the Downsampler adds, in 8 kHz samples (1.375 ms): output
	// sample n is centred on input sample 2(n-DownsampleDelay).
	DownsampleDelay = halfbandK - 1

	upHistory   = 2*halfbandK - 1 // 8 kHz samples the Upsampler keeps between calls
	downHistory = 4*halfbandK - 3 // 16 kHz samples the Downsampler keeps between calls
)

// Upsampler converts a stream of 8 kHz PCM to 16 kHz. It keeps the last input samples between
// calls, so feeding a stream in pieces of any size gives exactly the output of feeding it in
// one piece. Before the first sample the stream is taken to be silence. The zero value is
// ready to use; use one Upsampler per stream.
type Upsampler struct {
	buf [upHistory + FrameSamples]int16 // history, then the chunk being processed
}

// Reset forgets the stream, as if the Upsampler were new.
func (u *Upsampler) Reset() { *u = Upsampler{} }

// UpsampleFrame writes the 16 kHz version of one 8 kHz frame to dst.
func (u *Upsampler) UpsampleFrame(dst *WidebandFrame, src *PCMFrame) {
	u.Upsample(dst[:], src[:])
}

// Upsample writes 2·len(src) samples to dst and returns that count. It panics if dst is
// shorter than that.
func (u *Upsampler) Upsample(dst, src []int16) int {
	total := 2 * len(src)
	if len(dst) < total {
		panic("media: Upsample: dst shorter than 2*len(src)")
	}
	for len(src) > 0 {
		n := copy(u.buf[upHistory:], src)
		src = src[n:]
		u.upsampleChunk(dst[:2*n], n)
		dst = dst[2*n:]
		copy(u.buf[:upHistory], u.buf[n:n+upHistory])
	}
	return total
}

// upsampleChunk produces 2n samples from the n new samples at u.buf[upHistory:]. Output 2i is
// the input delayed by halfbandK; output 2i+1 lies half-way between it and the next input
// sample, interpolated from the halfbandK samples on either side.
func (u *Upsampler) upsampleChunk(dst []int16, n int) {
	for i := range n {
		w := u.buf[i : i+2*halfbandK] // w[halfbandK-1] and w[halfbandK] straddle the point
		var acc int64
		for k, c := range halfbandTaps {
			acc += c * (int64(w[halfbandK-1-k]) + int64(w[halfbandK+k]))
		}
		dst[2*i] = w[halfbandK-1]
		dst[2*i+1] = saturate((acc + 1<<14) >> 15)
	}
}

// Downsampler converts a stream of 16 kHz PCM to 8 kHz after removing what lies above 4 kHz
// (which would otherwise alias). It keeps the last input samples between calls, including an
// odd sample left over, so feeding a stream in pieces of any size gives exactly the output of
// feeding it in one piece. Before the first sample the stream is taken to be silence. The zero
// value is ready to use; use one Downsampler per stream.
type Downsampler struct {
	buf  [downHistory + 1 + WidebandFrameSamples]int16 // history, a left-over sample, the chunk
	have int                                           // samples in buf beyond the history
}

// Reset forgets the stream, as if the Downsampler were new.
func (d *Downsampler) Reset() { *d = Downsampler{} }

// DownsampleFrame writes the 8 kHz version of one 16 kHz frame to dst. As long as only whole
// frames are fed, every output frame corresponds to exactly one input frame.
func (d *Downsampler) DownsampleFrame(dst *PCMFrame, src *WidebandFrame) {
	d.Downsample(dst[:], src[:])
}

// Downsample consumes all of src and writes one output sample per two input samples, counting
// an odd sample left over from the previous call, and returns the count written: at most
// (len(src)+1)/2. It panics if dst is shorter than that.
func (d *Downsampler) Downsample(dst, src []int16) int {
	if len(dst) < (len(src)+1)/2 {
		panic("media: Downsample: dst shorter than (len(src)+1)/2")
	}
	written := 0
	for len(src) > 0 {
		n := copy(d.buf[downHistory+d.have:], src)
		src = src[n:]
		d.have += n
		outs := d.have / 2
		d.downsampleChunk(dst[written:written+outs], outs)
		written += outs
		keep := downHistory + d.have - 2*outs
		copy(d.buf[:keep], d.buf[2*outs:2*outs+keep])
		d.have -= 2 * outs
	}
	return written
}

// downsampleChunk filters and decimates n output samples. Output i consumes the new samples
// d.buf[downHistory+2i] and the one after it, and is centred 2·halfbandK-2 samples before the
// first of them, on d.buf[2i+2·halfbandK-1].
func (d *Downsampler) downsampleChunk(dst []int16, n int) {
	for i := range n {
		w := d.buf[2*i : 2*i+4*halfbandK-1] // w[2·halfbandK-1] is the centre
		acc := int64(w[2*halfbandK-1]) << 15
		for k, c := range halfbandTaps {
			acc += c * (int64(w[2*halfbandK-2-2*k]) + int64(w[2*halfbandK+2*k]))
		}
		dst[i] = saturate((acc + 1<<15) >> 16)
	}
}

func saturate(x int64) int16 {
	return int16(min(max(x, -32768), 32767))
}
