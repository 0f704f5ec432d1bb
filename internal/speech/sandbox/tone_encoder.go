package sandbox

import (
	"hash/crc32"
	"math"
)

// ToneEncoder speaks one utterance of sandbox tone speech, frame by frame. It is not safe for
// concurrent use. NextFrame does not allocate; NewToneEncoder and Reset build the utterance's
// symbol list once (Reset reuses the previous list's memory when it is large enough).
type ToneEncoder struct {
	reg     ToneRegister
	syms    []uint8 // the utterance, one entry per slot (symSilent for a silent slot)
	item    int     // index into syms of the next sample
	off     int     // offset of the next sample within syms[item]
	total   int     // samples in the utterance
	emitted int     // samples produced so far
}

// NewToneEncoder returns an encoder that speaks text in register r. It fails only if r is
// not a register or text is longer than MaxToneTextBytes; every byte string is encodable. The
// empty text gives a short, complete utterance (0.48 s) that decodes to ""; callers that want
// no sound for no text should not encode it.
func NewToneEncoder(r ToneRegister, text string) (*ToneEncoder, error) {
	e := &ToneEncoder{}
	if err := e.Reset(r, text); err != nil {
		return nil, err
	}
	return e, nil
}

// Reset makes e speak text in register r from the beginning, reusing e's memory.
func (e *ToneEncoder) Reset(r ToneRegister, text string) error {
	if r > RegisterHigh {
		return ErrToneRegister
	}
	if len(text) > MaxToneTextBytes {
		return ErrToneTextTooLong
	}
	e.reg = r
	e.item, e.off, e.emitted = 0, 0, 0
	syms := e.syms[:0]
	syms = append(syms, symStart)
	sum := crc32.ChecksumIEEE([]byte(text)) & checksumMask
	for i := checksumSymbols - 1; i >= 0; i-- {
		syms = append(syms, uint8(sum>>(6*i)&63))
	}
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch {
		case b == ' ':
			if i > 0 && text[i-1] == ' ' {
				syms = append(syms, symSpace)
			} else {
				syms = append(syms, symSilent)
			}
		case byteSymbol[b] >= 0:
			syms = append(syms, uint8(byteSymbol[b]))
		case b >= 'A' && b <= 'Z':
			syms = append(syms, symShift, b-'A')
		default:
			syms = append(syms, symEsc0+b>>6, b&63)
		}
	}
	syms = append(syms, symEnd)
	e.syms = syms
	e.total = 0
	for _, s := range syms {
		e.total += itemSamples(s)
	}
	return nil
}

// itemSamples returns the length in samples of one slot: its tone and the gap after it.
func itemSamples(s uint8) int {
	if s == symStart {
		return preambleSamples + gapSamples
	}
	return slotSamples
}

// Samples returns the length of the whole utterance in samples (the final frame is padded
// with silence, so NextFrame produces ceil(Samples/160) frames).
func (e *ToneEncoder) Samples() int { return e.total }

// Remaining returns the number of utterance samples not yet produced.
func (e *ToneEncoder) Remaining() int { return e.total - e.emitted }

// NextFrame fills frame with the next 20 ms of the utterance and reports true, or, once the
// whole utterance has been produced, fills it with silence and reports false. The last frame
// of the utterance is padded with silence. Typical use:
//
//	var f [ToneFrameSamples]int16
//	for enc.NextFrame(&f) {
//		send(&f)
//	}
func (e *ToneEncoder) NextFrame(frame *[ToneFrameSamples]int16) bool {
	if e.emitted >= e.total {
		*frame = [ToneFrameSamples]int16{}
		return false
	}
	sinT := &toneSin[e.reg] // every tone starts at phase 0
	i := 0
	for i < ToneFrameSamples && e.item < len(e.syms) {
		s := e.syms[e.item]
		n := itemSamples(s)
		tone := n - gapSamples
		if s == symSilent {
			tone = 0
		}
		for ; i < ToneFrameSamples && e.off < n; i++ {
			p := e.off
			e.off++
			if p >= tone {
				frame[i] = 0
				continue
			}
			g := float64(toneAmplitude)
			if p < rampSamples {
				g *= ramp[p]
			} else if q := tone - 1 - p; q < rampSamples {
				g *= ramp[q]
			}
			t := &symbolTones[s]
			ph := p % ToneFrameSamples
			v := g * (sinT[t[0]][ph] + sinT[t[1]][ph])
			frame[i] = int16(math.Round(v))
		}
		if e.off == n {
			e.item++
			e.off = 0
		}
	}
	e.emitted += i
	for ; i < ToneFrameSamples; i++ {
		frame[i] = 0
	}
	return true
}
