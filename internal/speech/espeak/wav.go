package espeak

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Errors of the WAV header parser.
var (
	errNotWAV         = errors.New("espeak: output is not a RIFF/WAVE stream")
	errUnsupportedWAV = errors.New("espeak: output is not 16-bit linear PCM")
)

// maxSkippedChunk is the largest chunk before the sample data that readHeader skips; a larger
// one means the stream is not what espeak-ng writes.
const maxSkippedChunk = 1 << 20

// wavHeader describes the sample data that follows a WAV header.
type wavHeader struct {
	sampleRate int
	channels   int
	// dataSize is the size in bytes of the sample data, or -1 when the header does not say.
	// Writers streaming to a pipe cannot know it: they write 0, 0xFFFFFFFF or (espeak-ng)
	// 0x7FFFF000, so a stated size is only an upper bound and the data may end earlier.
	dataSize int64
}

// readHeader reads a WAV header from r up to the first byte of the sample data. It accepts
// 16-bit linear PCM (format 1, or WAVE_FORMAT_EXTENSIBLE) with 1 to 8 channels and a sample
// rate the Resampler accepts; it skips chunks other than "fmt " before "data". It reads
// nothing past the header, so r can then be read for the samples. Errors: errNotWAV,
// errUnsupportedWAV, io.ErrUnexpectedEOF for a header cut short, or r's error.
func readHeader(r io.Reader) (wavHeader, error) {
	var b [12]byte
	if err := readFull(r, b[:]); err != nil {
		return wavHeader{}, err
	}
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return wavHeader{}, errNotWAV
	}
	var h wavHeader
	haveFmt := false
	for {
		var ch [8]byte
		if err := readFull(r, ch[:]); err != nil {
			return wavHeader{}, err
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if haveFmt || size < 16 || size > 1024 {
				return wavHeader{}, fmt.Errorf("%w: bad fmt chunk", errNotWAV)
			}
			buf := make([]byte, size+size%2)
			if err := readFull(r, buf); err != nil {
				return wavHeader{}, err
			}
			format := binary.LittleEndian.Uint16(buf[0:2])
			h.channels = int(binary.LittleEndian.Uint16(buf[2:4]))
			h.sampleRate = int(binary.LittleEndian.Uint32(buf[4:8]))
			bits := binary.LittleEndian.Uint16(buf[14:16])
			if (format != 1 && format != 0xFFFE) || bits != 16 {
				return wavHeader{}, fmt.Errorf("%w (format %d, %d bits)", errUnsupportedWAV, format, bits)
			}
			if h.channels < 1 || h.channels > 8 {
				return wavHeader{}, fmt.Errorf("%w (%d channels)", errUnsupportedWAV, h.channels)
			}
			if h.sampleRate < minResampleRate || h.sampleRate > maxResampleRate {
				return wavHeader{}, fmt.Errorf("%w (%d Hz)", errUnsupportedWAV, h.sampleRate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return wavHeader{}, fmt.Errorf("%w: data before fmt", errNotWAV)
			}
			h.dataSize = int64(size)
			if size == 0 || size == 0xFFFFFFFF {
				h.dataSize = -1
			}
			return h, nil
		default:
			if size > maxSkippedChunk {
				return wavHeader{}, fmt.Errorf("%w: %d-byte %q chunk", errNotWAV, size, id)
			}
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return wavHeader{}, eofUnexpected(err)
			}
		}
	}
}

func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	return eofUnexpected(err)
}

// eofUnexpected turns io.EOF into io.ErrUnexpectedEOF: inside a header, any end is too early.
func eofUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
