package espeak

import (
	"encoding/binary"
	"errors"

	"github.com/dialtonehq/dialtone/internal/media"
)

// errPartialSample is the Flush error of PCM that ends inside a sample.
var errPartialSample = errors.New("audio ended inside a 16-bit sample")

// PCMDecoder turns 16-bit signed little-endian PCM, interleaved channels at any rate the
// Resampler accepts, into 8 kHz mono (the channels averaged), in pieces of any size: a sample
// split between pieces is completed by the next. It implements ttsstream.Decoder.
type PCMDecoder struct {
	rs      *Resampler
	align   int    // bytes a frame of all channels
	partial []byte // the start of a frame split between pieces
	mono    []int16
}

// NewPCMDecoder returns a decoder of PCM at rate with channels channels (1 to 8).
func NewPCMDecoder(rate, channels int) (*PCMDecoder, error) {
	if channels < 1 || channels > 8 {
		return nil, errors.New("espeak: PCM of 1 to 8 channels only")
	}
	rs, err := NewResampler(rate, media.SampleRate)
	if err != nil {
		return nil, err
	}
	return &PCMDecoder{rs: rs, align: 2 * channels}, nil
}

// Decode appends to dst the 8 kHz samples that p completes.
func (d *PCMDecoder) Decode(dst []int16, p []byte) []int16 {
	d.mono = d.mono[:0]
	if len(d.partial) > 0 {
		n := min(d.align-len(d.partial), len(p))
		d.partial, p = append(d.partial, p[:n]...), p[n:]
		if len(d.partial) < d.align {
			return dst
		}
		d.mono = d.mix(d.mono, d.partial)
		d.partial = d.partial[:0]
	}
	whole := len(p) - len(p)%d.align
	for i := 0; i < whole; i += d.align {
		d.mono = d.mix(d.mono, p[i:i+d.align])
	}
	d.partial = append(d.partial, p[whole:]...)
	return d.rs.Append(dst, d.mono)
}

// mix appends the average of the channels of frame to mono.
func (d *PCMDecoder) mix(mono []int16, frame []byte) []int16 {
	sum := 0
	for c := 0; c < d.align; c += 2 {
		sum += int(int16(binary.LittleEndian.Uint16(frame[c:])))
	}
	return append(mono, int16(sum/(d.align/2)))
}

// Flush appends the resampler's last samples, and fails if the PCM ended inside a frame.
func (d *PCMDecoder) Flush(dst []int16) ([]int16, error) {
	dst = d.rs.Flush(dst)
	if len(d.partial) > 0 {
		return dst, errPartialSample
	}
	return dst, nil
}
