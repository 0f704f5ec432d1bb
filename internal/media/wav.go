package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Channel is one side of a call in a stereo recording.
type Channel int

const (
	ChannelCaller Channel = 0 // left: the person on the phone
	ChannelAgent  Channel = 1 // right: the agent's voice
)

const (
	wavHeaderSize    = 44
	stereoFrameBytes = 2 * 2 * FrameSamples // two channels of 16-bit samples
	unknownSize      = 0xFFFFFFFF           // RIFF and data sizes of a recording not yet closed

	// recorderWindow is how many frame slots the Recorder holds back waiting for the other
	// channel before it writes them out with silence in place of the missing side (160 ms).
	recorderWindow = 8
	// recorderBufferFrames is how many frames the Recorder gathers before writing (0.5 s).
	recorderBufferFrames = 25

	// MaxRecordingFrames is the longest recording a WAV file can hold: its data size is a
	// 32-bit number, which allows a little over 37 hours at 32 000 bytes a second.
	MaxRecordingFrames = (0xFFFFFFFF - (wavHeaderSize - 8)) / stereoFrameBytes
)

// Errors of the Recorder. ErrLateFrame and ErrDuplicateFrame leave the recording as it was
// and the Recorder usable; a write error from the underlying writer is returned (wrapped) by
// every later call.
var (
	ErrLateFrame      = errors.New("media: frame for a slot already written to the recording")
	ErrDuplicateFrame = errors.New("media: second frame for the same channel and slot")
	ErrBadFrameSlot   = errors.New("media: frame slot out of range")
	ErrBadChannel     = errors.New("media: channel is neither caller nor agent")
	ErrRecorderClosed = errors.New("media: recorder is closed")
	errNilWriter      = errors.New("media: recorder: nil writer")
)

// Errors of the WAV reader.
var (
	ErrNotWAV         = errors.New("media: not a RIFF/WAVE file")
	ErrUnsupportedWAV = errors.New("media: WAV format is not 16-bit linear PCM")
)

// Recorder writes a call to a stereo WAV file: 8 kHz, 16-bit linear PCM, the caller on
// channel 0 (left) and the agent on channel 1 (right).
//
// Audio arrives as frames tagged with their slot: the index of the 20 ms tick they belong to,
// counted from 0 at the start of the recording. Sample i of slot s lands at sample
// s·FrameSamples+i of the file on its channel, so the two sides stay aligned whatever order
// their frames arrive in. A slot a side sent nothing for is silence on that side. A slot is
// held back until both sides have sent it or a frame 8 slots (160 ms) later arrives, so either
// side may run up to 8 slots ahead of the other, or deliver out of order within that window; a
// frame for a slot already written out is refused with ErrLateFrame and changes nothing.
//
// The file's sizes are written as 0xFFFFFFFF ("unknown") until Close patches them, so a file
// whose process died still reads (NewWAVReader reads such a file to its end). Writing a frame
// does not allocate. A Recorder is not safe for concurrent use.
type Recorder struct {
	w      io.WriteSeeker
	start  int64 // offset of the header in w
	next   int64 // first slot not yet moved to out
	end    int64 // one past the highest slot received
	err    error // first write error; the recorder refuses everything after it
	closed bool
	slots  [recorderWindow]recorderSlot // slot s lives at index s % recorderWindow
	outLen int
	out    [recorderBufferFrames * stereoFrameBytes]byte
}

type recorderSlot struct {
	has  [2]bool
	data [stereoFrameBytes]byte // interleaved little-endian samples, zero = silence
}

// NewRecorder writes a WAV header at w's current offset and returns a Recorder that appends the
// call's audio after it. Close must be called to complete the file; it does not close w.
func NewRecorder(w io.WriteSeeker) (*Recorder, error) {
	if w == nil {
		return nil, errNilWriter
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	var h [wavHeaderSize]byte
	putWAVHeader(h[:], unknownSize)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("media: recorder: writing header: %w", err)
	}
	return &Recorder{w: w, start: start}, nil
}

// putWAVHeader writes the canonical 44-byte header of a stereo 8 kHz 16-bit PCM file whose
// sample data is dataSize bytes (unknownSize if not known yet).
func putWAVHeader(h []byte, dataSize uint32) {
	riffSize := uint32(unknownSize)
	if dataSize != unknownSize {
		riffSize = dataSize + wavHeaderSize - 8
	}
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], riffSize)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)             // fmt chunk size
	le.PutUint16(h[20:], 1)              // PCM
	le.PutUint16(h[22:], 2)              // channels
	le.PutUint32(h[24:], SampleRate)     // samples per second
	le.PutUint32(h[28:], SampleRate*2*2) // bytes per second
	le.PutUint16(h[32:], 2*2)            // bytes per sample frame
	le.PutUint16(h[34:], 16)             // bits per sample
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataSize)
}

// WriteFrame records a copy of one frame of linear PCM for channel ch at slot. It returns
// ErrLateFrame, ErrDuplicateFrame, ErrBadChannel or ErrBadFrameSlot for a frame it refuses
// (nothing changes, the recording goes on), ErrRecorderClosed after Close, or the error of the
// underlying writer.
func (r *Recorder) WriteFrame(ch Channel, slot int64, f *PCMFrame) error {
	s, err := r.slotFor(ch, slot)
	if err != nil {
		return err
	}
	for i, v := range f {
		binary.LittleEndian.PutUint16(s.data[4*i+2*int(ch):], uint16(v))
	}
	return r.received(ch, slot, s)
}

// WriteMulawFrame is WriteFrame for a µ-law frame, which it decodes.
func (r *Recorder) WriteMulawFrame(ch Channel, slot int64, f *Frame) error {
	s, err := r.slotFor(ch, slot)
	if err != nil {
		return err
	}
	for i, u := range f {
		binary.LittleEndian.PutUint16(s.data[4*i+2*int(ch):], uint16(mulawDecodeTable[u]))
	}
	return r.received(ch, slot, s)
}

// Frames returns the length of the recording so far in frames: one past the highest slot
// received. Its duration is Frames()·FrameDuration.
func (r *Recorder) Frames() int64 { return r.end }

// Duration returns Frames()·FrameDuration.
func (r *Recorder) Duration() time.Duration { return time.Duration(r.end) * FrameDuration }

// slotFor checks a frame's channel and slot, makes room for the slot and returns it.
func (r *Recorder) slotFor(ch Channel, slot int64) (*recorderSlot, error) {
	switch {
	case r.closed:
		return nil, ErrRecorderClosed
	case r.err != nil:
		return nil, r.err
	case ch != ChannelCaller && ch != ChannelAgent:
		return nil, ErrBadChannel
	case slot < 0 || slot >= MaxRecordingFrames:
		return nil, ErrBadFrameSlot
	case slot < r.next:
		return nil, ErrLateFrame
	}
	// Slots too old to wait any longer for their other side are written out as they are.
	for r.next <= slot-recorderWindow {
		if err := r.commit(); err != nil {
			return nil, err
		}
	}
	s := &r.slots[slot%recorderWindow]
	if s.has[ch] {
		return nil, ErrDuplicateFrame
	}
	return s, nil
}

// received marks the slot as holding ch and writes out every leading slot that is complete.
func (r *Recorder) received(ch Channel, slot int64, s *recorderSlot) error {
	s.has[ch] = true
	r.end = max(r.end, slot+1)
	for r.next < r.end {
		if s := &r.slots[r.next%recorderWindow]; !s.has[0] || !s.has[1] {
			break
		}
		if err := r.commit(); err != nil {
			return err
		}
	}
	return nil
}

// commit moves slot r.next to the output buffer, with silence for any side that is missing,
// and empties its place in the window.
func (r *Recorder) commit() error {
	if r.outLen == len(r.out) {
		if err := r.flush(); err != nil {
			return err
		}
	}
	s := &r.slots[r.next%recorderWindow]
	r.outLen += copy(r.out[r.outLen:], s.data[:])
	*s = recorderSlot{}
	r.next++
	return nil
}

func (r *Recorder) flush() error {
	if r.outLen == 0 {
		return nil
	}
	if _, err := r.w.Write(r.out[:r.outLen]); err != nil {
		r.err = fmt.Errorf("media: recorder: %w", err)
		return r.err
	}
	r.outLen = 0
	return nil
}

// Close writes out every slot received (the last ones with silence for a missing side), patches
// the RIFF and data sizes and leaves w positioned after the data. It does not close w. After
// Close every write returns ErrRecorderClosed; a second Close does nothing.
func (r *Recorder) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err != nil {
		return r.err
	}
	for r.next < r.end {
		if err := r.commit(); err != nil {
			return err
		}
	}
	if err := r.flush(); err != nil {
		return err
	}
	dataSize := uint32(r.end * stereoFrameBytes)
	var h [wavHeaderSize]byte
	putWAVHeader(h[:], dataSize)
	if err := r.patch(4, h[4:8]); err != nil {
		return err
	}
	if err := r.patch(40, h[40:44]); err != nil {
		return err
	}
	if _, err := r.w.Seek(r.start+wavHeaderSize+int64(dataSize), io.SeekStart); err != nil {
		r.err = fmt.Errorf("media: recorder: %w", err)
	}
	return r.err
}

func (r *Recorder) patch(offset int64, b []byte) error {
	if _, err := r.w.Seek(r.start+offset, io.SeekStart); err != nil {
		r.err = fmt.Errorf("media: recorder: patching header: %w", err)
		return r.err
	}
	if _, err := r.w.Write(b); err != nil {
		r.err = fmt.Errorf("media: recorder: patching header: %w", err)
		return r.err
	}
	return nil
}

// WAVFormat describes the samples of a WAV file.
type WAVFormat struct {
	Channels      int // interleaved channels per sample frame
	SampleRate    int // sample frames per second
	BitsPerSample int // always 16 for the files WAVReader accepts
}

// WAVReader reads the sample data of a 16-bit linear PCM WAV file, such as the ones Recorder
// writes. It skips chunks other than "fmt " and "data" that come before the data.
type WAVReader struct {
	Format WAVFormat
	// DataSize is the size in bytes of the sample data as the header states it, or -1 when the
	// header says 0xFFFFFFFF (a recording that was never closed): then the data runs to the end
	// of the input.
	DataSize int64

	r         io.Reader
	remaining int64 // bytes of data left, or -1 when unknown
	scratch   [1024]byte
}

// NewWAVReader reads the header of a WAV file from r, up to the start of its sample data.
// It returns ErrNotWAV for input that is not RIFF/WAVE, ErrUnsupportedWAV for a format other
// than 16-bit linear PCM and io.ErrUnexpectedEOF if the header is cut short.
func NewWAVReader(r io.Reader) (*WAVReader, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, wavReadError(err)
	}
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, ErrNotWAV
	}
	wr := &WAVReader{r: r}
	haveFmt := false
	for {
		if _, err := io.ReadFull(r, b[:8]); err != nil {
			return nil, wavReadError(err)
		}
		id, size := string(b[0:4]), int64(binary.LittleEndian.Uint32(b[4:8]))
		switch {
		case id == "fmt ":
			if err := wr.readFormat(size); err != nil {
				return nil, err
			}
			haveFmt = true
		case id == "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrNotWAV)
			}
			wr.DataSize, wr.remaining = size, size
			if size == unknownSize {
				wr.DataSize, wr.remaining = -1, -1
			}
			return wr, nil
		default:
			// Chunks are padded to an even size.
			if _, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
				return nil, wavReadError(err)
			}
		}
	}
}

// readFormat reads and checks a "fmt " chunk of the given size.
func (wr *WAVReader) readFormat(size int64) error {
	if size < 16 {
		return fmt.Errorf("%w: fmt chunk of %d bytes", ErrNotWAV, size)
	}
	var b [26]byte // the 16 bytes every fmt chunk has, then WAVE_FORMAT_EXTENSIBLE's sub-format
	n := min(size, int64(len(b)))
	if _, err := io.ReadFull(wr.r, b[:n]); err != nil {
		return wavReadError(err)
	}
	if _, err := io.CopyN(io.Discard, wr.r, size-n+size&1); err != nil {
		return wavReadError(err)
	}
	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	if tag == 0xFFFE && n >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag
		tag = le.Uint16(b[24:])
	}
	wr.Format = WAVFormat{
		Channels:      int(le.Uint16(b[2:])),
		SampleRate:    int(le.Uint32(b[4:])),
		BitsPerSample: int(le.Uint16(b[14:])),
	}
	blockAlign := int(le.Uint16(b[12:]))
	if tag != 1 || wr.Format.BitsPerSample != 16 || wr.Format.Channels == 0 ||
		wr.Format.SampleRate == 0 || blockAlign != 2*wr.Format.Channels {
		return fmt.Errorf("%w: format %#04x, %d channels, %d Hz, %d bits, block %d", ErrUnsupportedWAV,
			tag, wr.Format.Channels, wr.Format.SampleRate, wr.Format.BitsPerSample, blockAlign)
	}
	return nil
}

func wavReadError(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("media: reading WAV header: %w", err)
}

// Duration returns the length of the data the header announces, or -1 if it is unknown.
func (wr *WAVReader) Duration() time.Duration {
	if wr.DataSize < 0 {
		return -1
	}
	frames := wr.DataSize / int64(2*wr.Format.Channels)
	return time.Duration(frames) * time.Second / time.Duration(wr.Format.SampleRate)
}

// Read reads raw sample data: interleaved little-endian 16-bit samples. It returns io.EOF at
// the end of the data, and io.ErrUnexpectedEOF if the input ends before the size the header
// announces.
func (wr *WAVReader) Read(p []byte) (int, error) {
	if wr.remaining == 0 {
		return 0, io.EOF
	}
	if wr.remaining > 0 && int64(len(p)) > wr.remaining {
		p = p[:wr.remaining]
	}
	n, err := wr.r.Read(p)
	if wr.remaining > 0 {
		wr.remaining -= int64(n)
		if err == io.EOF && wr.remaining > 0 {
			err = io.ErrUnexpectedEOF
		}
	}
	return n, err
}

// ReadSamples reads up to len(dst) interleaved samples into dst and returns how many it read.
// Like io.ReadFull it fills dst unless the data ends first: then it returns the samples there
// were and a nil error, or 0 and io.EOF if there were none. Data that ends inside a sample, or
// before the size the header announces, gives io.ErrUnexpectedEOF.
func (wr *WAVReader) ReadSamples(dst []int16) (int, error) {
	total, have := 0, 0 // have: bytes in scratch; only ever 1, half a sample, between reads
	for total < len(dst) {
		want := min(2*(len(dst)-total), len(wr.scratch))
		n, err := wr.Read(wr.scratch[have:want])
		have += n
		for i := 0; i+1 < have; i += 2 {
			dst[total] = int16(binary.LittleEndian.Uint16(wr.scratch[i:]))
			total++
		}
		if have%2 == 1 {
			wr.scratch[0], have = wr.scratch[have-1], 1
		} else {
			have = 0
		}
		switch {
		case err == io.EOF && have == 1:
			return total, io.ErrUnexpectedEOF
		case err == io.EOF && total == 0:
			return 0, io.EOF
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
	return total, nil
}
