package dtmf

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzDetector feeds arbitrary PCM (little-endian 16-bit samples) in arbitrary chunks. Nothing
// may panic, only DTMF digits may come out, at most one per 30 ms of audio, and the result
// must not depend on the chunking.
func FuzzDetector(f *testing.F) {
	f.Add([]byte{}, uint8(160))
	f.Add(make([]byte, 640), uint8(1))
	tone := generate(f, "5#", 50*time.Millisecond, 40*time.Millisecond)
	seed := make([]byte, 2*len(tone))
	for i, v := range tone {
		binary.LittleEndian.PutUint16(seed[2*i:], uint16(v))
	}
	f.Add(seed, uint8(160))
	f.Add(seed, uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		whole := string(NewDetector().Process(nil, pcm))
		d := NewDetector()
		var got []byte
		step := int(chunk)%200 + 1
		for rest := pcm; len(rest) > 0; {
			n := min(step, len(rest))
			got = d.Process(got, rest[:n])
			rest = rest[n:]
		}
		if string(got) != whole {
			t.Fatalf("chunks of %d gave %q, one call gave %q", step, got, whole)
		}
		for _, c := range got {
			if _, _, ok := digitTones(c); !ok {
				t.Fatalf("reported %q, not a digit", c)
			}
		}
		if limit := len(pcm)/(hitsToReport*blockLen) + 1; len(got) > limit {
			t.Fatalf("%d digits from %d samples", len(got), len(pcm))
		}
	})
}
