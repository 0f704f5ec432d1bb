package espeak

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// wavBytes builds a WAV header (plus extra before the data chunk) followed by data.
func wavBytes(rate, channels, bits int, dataSize uint32, extra []byte, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(0xFFFFFFFF))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{
		uint32(16), uint16(1), uint16(channels), uint32(rate),
		uint32(rate * channels * bits / 8), uint16(channels * bits / 8), uint16(bits),
	} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.Write(extra)
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, dataSize)
	b.Write(data)
	return b.Bytes()
}

func TestReadHeader(t *testing.T) {
	list := append([]byte("LIST"), 3, 0, 0, 0, 'a', 'b', 'c', 0) // odd size, padded
	for _, tc := range []struct {
		name     string
		in       []byte
		want     wavHeader
		wantErr  error
		restWant string
	}{
		{"espeak", wavBytes(22050, 1, 16, 0x7FFFF000, nil, []byte("xy")), wavHeader{22050, 1, 0x7FFFF000}, nil, "xy"},
		{"unknown size", wavBytes(16000, 2, 16, 0xFFFFFFFF, nil, nil), wavHeader{16000, 2, -1}, nil, ""},
		{"zero size", wavBytes(8000, 1, 16, 0, list, []byte("z")), wavHeader{8000, 1, -1}, nil, "z"},
		{"8-bit", wavBytes(8000, 1, 8, 0, nil, nil), wavHeader{}, errUnsupportedWAV, ""},
		{"silly rate", wavBytes(1, 1, 16, 0, nil, nil), wavHeader{}, errUnsupportedWAV, ""},
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE"), wavHeader{}, errNotWAV, ""},
		{"short", []byte("RIFF\x00\x00"), wavHeader{}, io.ErrUnexpectedEOF, ""},
		{"empty", nil, wavHeader{}, io.ErrUnexpectedEOF, ""},
	} {
		r := bytes.NewReader(tc.in)
		h, err := readHeader(r)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s: error %v, want %v", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || h != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, h, err, tc.want)
			continue
		}
		if rest, _ := io.ReadAll(r); string(rest) != tc.restWant {
			t.Errorf("%s: left %q after the header, want %q", tc.name, rest, tc.restWant)
		}
	}
}

func FuzzReadHeader(f *testing.F) {
	f.Add(wavBytes(22050, 1, 16, 0x7FFFF000, nil, []byte{1, 2, 3, 4}))
	f.Add(wavBytes(8000, 2, 16, 4, []byte("junk\x02\x00\x00\x00ab"), []byte{1, 2, 3, 4}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if h.channels < 1 || h.channels > 8 || h.sampleRate < minResampleRate || h.sampleRate > maxResampleRate {
			t.Fatalf("accepted bad header %+v", h)
		}
		if h.dataSize < -1 || h.dataSize == 0 || h.dataSize > 0xFFFFFFFE {
			t.Fatalf("bad data size %d", h.dataSize)
		}
	})
}
