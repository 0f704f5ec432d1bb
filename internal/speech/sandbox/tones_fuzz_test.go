package sandbox

import (
	"encoding/binary"
	"testing"

	"github.com/dialtonehq/dialtone/internal/media"
)

// FuzzToneDecoderPCM feeds arbitrary bytes to a decoder, read both as little-endian 16-bit PCM
// and as µ-law, in frames of arbitrary length. The decoder must not panic, its memory must stay
// bounded, and anything it delivers must be a consistent utterance.
func FuzzToneDecoderPCM(f *testing.F) {
	f.Add([]byte{}, uint8(160))
	f.Add([]byte{0x7f, 0xff, 0x80, 0x00, 0, 0, 1, 2}, uint8(3))
	// Real utterances, as µ-law bytes and as PCM bytes, so mutations start near valid audio.
	for _, text := range []string{"", "hi there", "Café 42!"} {
		pcm := encode(f, RegisterLow, text)
		u := make([]byte, len(pcm))
		p := make([]byte, 2*len(pcm))
		for i, x := range pcm {
			u[i] = media.LinearToMulaw(x)
			binary.LittleEndian.PutUint16(p[2*i:], uint16(x))
		}
		f.Add(u, uint8(160))
		f.Add(p, uint8(77))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		n := int(chunk)%ToneFrameSamples + 1
		asPCM := make([]int16, len(data)/2)
		for i := range asPCM {
			asPCM[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		asMulaw := make([]int16, len(data))
		for i, b := range data {
			asMulaw[i] = media.MulawToLinear(b)
		}
		for _, pcm := range [][]int16{asPCM, asMulaw} {
			d := NewToneDecoder(RegisterLow)
			textCap := cap(d.text)
			queueCap := cap(d.completed)
			var written int64
			for len(pcm) > 0 {
				k := min(n, len(pcm))
				d.Write(pcm[:k])
				written += int64(k)
				pcm = pcm[k:]
				if cap(d.text) != textCap || cap(d.completed) != queueCap || len(d.completed) > maxQueued {
					t.Fatalf("decoder memory grew: text %d→%d, queue %d→%d", textCap, cap(d.text),
						queueCap, cap(d.completed))
				}
				if len(d.Partial()) > MaxToneTextBytes {
					t.Fatalf("partial of %d bytes", len(d.Partial()))
				}
			}
			for {
				u, ok := d.Next()
				if !ok {
					break
				}
				if len(u.Text) > MaxToneTextBytes || u.Start < 0 || u.Start > u.End || u.End > written {
					t.Fatalf("inconsistent utterance %+v after %d samples", u, written)
				}
			}
		}
	})
}

// FuzzToneRoundTrip encodes arbitrary text, passes it through µ-law with a misalignment
// derived from the input, and requires exactly the same text back. Any byte string round-trips,
// valid UTF-8 or not; the fuzzer's strings are capped at 300 bytes to keep iterations fast.
func FuzzToneRoundTrip(f *testing.F) {
	for _, s := range roundTripTexts {
		f.Add(s, uint8(0))
	}
	f.Add("北京 café", uint8(159))
	f.Fuzz(func(t *testing.T, text string, offset uint8) {
		if len(text) > 300 {
			t.Skip()
		}
		r := RegisterLow
		if offset&1 == 1 {
			r = RegisterHigh
		}
		pcm := concat(zeros(int(offset)%ToneFrameSamples), mulaw(encode(t, r, text)))
		got, d := decodeAll(r, pcm, ToneFrameSamples)
		if len(got) != 1 || got[0].Text != text {
			t.Fatalf("%q (register %v, offset %d): got %+v, stats %+v", text, r, offset, got, d.Stats())
		}
	})
}
