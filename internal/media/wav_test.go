package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
	"time"
)

// memFile is an in-memory io.WriteSeeker, like a file; it does not allocate while its
// capacity lasts.
type memFile struct {
	data []byte
	pos  int
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.pos + len(p); end > len(m.data) {
		m.data = append(m.data, make([]byte, end-len(m.data))...)
	}
	m.pos += copy(m.data[m.pos:], p)
	return len(p), nil
}

func (m *memFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += int64(m.pos)
	case io.SeekEnd:
		offset += int64(len(m.data))
	}
	if offset < 0 {
		return 0, errors.New("negative offset")
	}
	m.pos = int(offset)
	return offset, nil
}

// toneSample is sample n (counted from the start of the recording) of a tone.
func toneSample(freq float64, n int) int16 {
	return int16(math.Round(8000 * math.Sin(2*math.Pi*freq*float64(n)/SampleRate)))
}

func toneFrame(freq float64, slot int64) *PCMFrame {
	var f PCMFrame
	for i := range f {
		f[i] = toneSample(freq, int(slot)*FrameSamples+i)
	}
	return &f
}

// Three seconds of a call: the caller (1 kHz) starts late and pauses every tenth slot, the
// agent (400 Hz, sent as µ-law) speaks in two stretches whose frames arrive out of order and
// ahead of the caller's. Every sample must land at its slot's offset, with silence in the gaps.
func TestRecorderAlignsChannelsAndFillsGaps(t *testing.T) {
	const slots = 150 // 3 s
	callerHas := func(s int64) bool { return s >= 5 && s%10 != 7 }
	agentHas := func(s int64) bool { return s >= 20 && s < 60 || s >= 90 && s < slots }

	var file memFile
	file.Write([]byte("prefix")) // the header need not start at offset 0
	rec, err := NewRecorder(&file)
	if err != nil {
		t.Fatal(err)
	}
	for s := int64(0); s < slots+3; s++ {
		// The agent runs three slots ahead and its frames come in pairs swapped.
		a := s
		if a%2 == 0 {
			a++
		} else {
			a--
		}
		if agentHas(a) {
			var f Frame
			EncodeFrame(&f, toneFrame(400, a))
			if err := rec.WriteMulawFrame(ChannelAgent, a, &f); err != nil {
				t.Fatalf("agent slot %d: %v", a, err)
			}
		}
		if c := s - 3; c >= 0 && callerHas(c) {
			if err := rec.WriteFrame(ChannelCaller, c, toneFrame(1000, c)); err != nil {
				t.Fatalf("caller slot %d: %v", c, err)
			}
		}
	}
	if rec.Frames() != slots || rec.Duration() != 3*time.Second {
		t.Errorf("Frames() = %d, Duration() = %v; want %d and 3s", rec.Frames(), rec.Duration(), slots)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFrame(ChannelCaller, slots, toneFrame(1000, 0)); err != ErrRecorderClosed {
		t.Errorf("write after Close: %v", err)
	}

	data := file.data[len("prefix"):]
	const dataSize = slots * FrameSamples * 4
	if len(data) != wavHeaderSize+dataSize || file.pos != len(file.data) {
		t.Fatalf("file has %d bytes after the prefix, position %d; want %d at the end", len(data), file.pos, wavHeaderSize+dataSize)
	}
	le := binary.LittleEndian
	header := []struct {
		name      string
		got, want uint32
	}{
		{"RIFF size", le.Uint32(data[4:]), 36 + dataSize},
		{"fmt size", le.Uint32(data[16:]), 16},
		{"format", uint32(le.Uint16(data[20:])), 1},
		{"channels", uint32(le.Uint16(data[22:])), 2},
		{"sample rate", le.Uint32(data[24:]), 8000},
		{"byte rate", le.Uint32(data[28:]), 32000},
		{"block align", uint32(le.Uint16(data[32:])), 4},
		{"bits", uint32(le.Uint16(data[34:])), 16},
		{"data size", le.Uint32(data[40:]), dataSize},
	}
	for _, h := range header {
		if h.got != h.want {
			t.Errorf("%s = %d, want %d", h.name, h.got, h.want)
		}
	}
	if string(data[0:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt " || string(data[36:40]) != "data" {
		t.Errorf("header tags: %q", data[:44])
	}

	wr, err := NewWAVReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if wr.Format != (WAVFormat{Channels: 2, SampleRate: 8000, BitsPerSample: 16}) || wr.DataSize != dataSize {
		t.Errorf("reader: format %+v, data size %d", wr.Format, wr.DataSize)
	}
	if d := wr.Duration(); d != slots*FrameDuration {
		t.Errorf("reader: duration %v, want %v", d, slots*FrameDuration)
	}
	samples := make([]int16, 2*slots*FrameSamples+10)
	n, err := wr.ReadSamples(samples)
	if err != nil || n != 2*slots*FrameSamples {
		t.Fatalf("ReadSamples = %d, %v; want %d samples", n, err, 2*slots*FrameSamples)
	}
	if n, err := wr.ReadSamples(samples); n != 0 || err != io.EOF {
		t.Errorf("ReadSamples at the end = %d, %v; want 0, EOF", n, err)
	}
	for s := int64(0); s < slots; s++ {
		for i := range FrameSamples {
			k := int(s)*FrameSamples + i
			var caller, agent int16
			if callerHas(s) {
				caller = toneSample(1000, k)
			}
			if agentHas(s) {
				agent = MulawToLinear(LinearToMulaw(toneSample(400, k)))
			}
			if samples[2*k] != caller || samples[2*k+1] != agent {
				t.Fatalf("slot %d sample %d: caller %d agent %d, want %d and %d",
					s, i, samples[2*k], samples[2*k+1], caller, agent)
			}
		}
	}
}

func TestRecorderRefusesBadFrames(t *testing.T) {
	var file memFile
	rec, err := NewRecorder(&file)
	if err != nil {
		t.Fatal(err)
	}
	one := toneFrame(1000, 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rec.WriteFrame(ChannelCaller, 0, one))
	must(rec.WriteFrame(ChannelAgent, 0, one)) // slot 0 complete: written out
	must(rec.WriteFrame(ChannelCaller, 3, one))
	for _, c := range []struct {
		ch   Channel
		slot int64
		want error
	}{
		{ChannelAgent, 0, ErrLateFrame},
		{ChannelCaller, 0, ErrLateFrame},
		{ChannelCaller, 3, ErrDuplicateFrame},
		{Channel(2), 4, ErrBadChannel},
		{Channel(-1), 4, ErrBadChannel},
		{ChannelCaller, -1, ErrBadFrameSlot},
		{ChannelCaller, MaxRecordingFrames, ErrBadFrameSlot},
	} {
		if err := rec.WriteFrame(c.ch, c.slot, one); err != c.want {
			t.Errorf("WriteFrame(%d, %d) = %v, want %v", c.ch, c.slot, err, c.want)
		}
	}
	// Slot 3 + recorderWindow pushes slots 1..3 out; slot 3 then counts as late.
	must(rec.WriteFrame(ChannelAgent, 3+recorderWindow, one))
	if err := rec.WriteFrame(ChannelAgent, 3, one); err != ErrLateFrame {
		t.Errorf("frame older than the window: %v, want ErrLateFrame", err)
	}
	must(rec.WriteFrame(ChannelAgent, 4, one)) // still inside the window
	must(rec.Close())
	must(rec.Close())
	wr, err := NewWAVReader(bytes.NewReader(file.data))
	if err != nil {
		t.Fatal(err)
	}
	if wr.Duration() != (4+recorderWindow)*FrameDuration {
		t.Errorf("duration %v, want %v", wr.Duration(), (4+recorderWindow)*FrameDuration)
	}
}

// A recording whose process died before Close keeps "unknown" sizes; the reader reads what is
// there.
func TestRecorderUnclosedFileReads(t *testing.T) {
	var file memFile
	rec, err := NewRecorder(&file)
	if err != nil {
		t.Fatal(err)
	}
	for s := range int64(100) {
		if err := rec.WriteFrame(ChannelCaller, s, toneFrame(1000, s)); err != nil {
			t.Fatal(err)
		}
	}
	wr, err := NewWAVReader(bytes.NewReader(file.data))
	if err != nil {
		t.Fatal(err)
	}
	if wr.DataSize != -1 || wr.Duration() != -1 {
		t.Errorf("DataSize %d, Duration %v; want -1 for a file that was not closed", wr.DataSize, wr.Duration())
	}
	samples := make([]int16, 2*100*FrameSamples)
	n, err := wr.ReadSamples(samples)
	if err != nil || n != (len(file.data)-wavHeaderSize)/2 || n < 2*50*FrameSamples {
		t.Fatalf("ReadSamples = %d, %v with %d bytes in the file", n, err, len(file.data))
	}
	for k := 0; k < n; k += 2 {
		if samples[k] != toneSample(1000, k/2) || samples[k+1] != 0 {
			t.Fatalf("sample frame %d: %d %d", k/2, samples[k], samples[k+1])
		}
	}
}

type failingWriter struct{ memFile }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(f.data) > 0 {
		return 0, errors.New("disk full")
	}
	return f.memFile.Write(p)
}

func TestRecorderWriteErrorIsSticky(t *testing.T) {
	w := &failingWriter{}
	rec, err := NewRecorder(w)
	if err != nil {
		t.Fatal(err)
	}
	var firstErr error
	for s := int64(0); s < 100 && firstErr == nil; s++ {
		firstErr = rec.WriteFrame(ChannelCaller, s, toneFrame(1000, s))
	}
	if firstErr == nil {
		t.Fatal("no error from a writer that fails")
	}
	if err := rec.WriteFrame(ChannelCaller, 1000, toneFrame(1000, 0)); err != firstErr {
		t.Errorf("next write: %v, want %v", err, firstErr)
	}
	if err := rec.Close(); err != firstErr {
		t.Errorf("Close: %v, want %v", err, firstErr)
	}
	if _, err := NewRecorder(nil); err == nil {
		t.Error("NewRecorder(nil) succeeded")
	}
}

func TestRecorderNoAllocs(t *testing.T) {
	file := &memFile{data: make([]byte, 0, 4<<20)}
	rec, err := NewRecorder(file)
	if err != nil {
		t.Fatal(err)
	}
	var p PCMFrame
	var f Frame
	slot := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		rec.WriteFrame(ChannelCaller, slot, &p)
		rec.WriteMulawFrame(ChannelAgent, slot, &f)
		slot++
	})
	if allocs != 0 {
		t.Errorf("Recorder: %v allocs per slot", allocs)
	}
	if err := rec.Close(); err != nil || rec.Frames() != slot {
		t.Errorf("Close: %v, %d frames, want %d", err, rec.Frames(), slot)
	}
}

// wavFile builds a WAV file from chunks (id, body), padding odd bodies.
func wavFile(chunks ...string) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for i := 0; i < len(chunks); i += 2 {
		b.WriteString(chunks[i])
		binary.Write(&b, binary.LittleEndian, uint32(len(chunks[i+1])))
		b.WriteString(chunks[i+1])
		if len(chunks[i+1])%2 == 1 {
			b.WriteByte(0)
		}
	}
	return b.Bytes()
}

func fmtBody(tag, channels uint16, rate uint32, bits uint16, extra string) string {
	var b bytes.Buffer
	block := channels * bits / 8
	for _, v := range []any{tag, channels, rate, rate * uint32(block), block, bits} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.String() + extra
}

func TestWAVReaderFormats(t *testing.T) {
	pcm16 := fmtBody(1, 1, 16000, 16, "")
	extensible := fmtBody(0xFFFE, 1, 16000, 16, "\x16\x00\x10\x00\x04\x00\x00\x00\x01\x00"+"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
	ok := map[string][]byte{
		"mono 16 kHz":          wavFile("fmt ", pcm16, "data", "\x01\x00\xff\xff"),
		"LIST chunk, odd size": wavFile("LIST", "abc", "fmt ", pcm16, "JUNK", "", "data", "\x01\x00\xff\xff"),
		"extensible":           wavFile("fmt ", extensible, "data", "\x01\x00\xff\xff"),
	}
	for name, file := range ok {
		wr, err := NewWAVReader(bytes.NewReader(file))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := make([]int16, 3)
		n, err := wr.ReadSamples(got)
		if n != 2 || err != nil || got[0] != 1 || got[1] != -1 || wr.Format.SampleRate != 16000 {
			t.Errorf("%s: read %d samples %v, %v; format %+v", name, n, got, err, wr.Format)
		}
	}
	bad := map[string]struct {
		file []byte
		want error
	}{
		"empty":          {nil, io.ErrUnexpectedEOF},
		"not RIFF":       {[]byte("RIFX\x00\x00\x00\x00WAVEfmt "), ErrNotWAV},
		"not WAVE":       {[]byte("RIFF\x00\x00\x00\x00AVI "), ErrNotWAV},
		"µ-law":          {wavFile("fmt ", fmtBody(7, 1, 8000, 8, ""), "data", ""), ErrUnsupportedWAV},
		"8-bit":          {wavFile("fmt ", fmtBody(1, 1, 8000, 8, ""), "data", ""), ErrUnsupportedWAV},
		"no channels":    {wavFile("fmt ", fmtBody(1, 0, 8000, 16, ""), "data", ""), ErrUnsupportedWAV},
		"short fmt":      {wavFile("fmt ", "\x01\x00", "data", ""), ErrNotWAV},
		"data first":     {wavFile("data", "\x00\x00", "fmt ", pcm16), ErrNotWAV},
		"no data chunk":  {wavFile("fmt ", pcm16), io.ErrUnexpectedEOF},
		"cut in a chunk": {wavFile("fmt ", pcm16, "LIST", "abcdef")[:47], io.ErrUnexpectedEOF},
	}
	for name, c := range bad {
		if _, err := NewWAVReader(bytes.NewReader(c.file)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	// Data shorter than the header says, or ending inside a sample, is an unexpected EOF.
	for name, file := range map[string][]byte{
		"short data": wavFile("fmt ", pcm16, "data", "\x01\x00\x02\x00")[:len(wavFile("fmt ", pcm16, "data", "\x01\x00\x02\x00"))-2],
		"odd data":   wavFile("fmt ", pcm16, "data", "\x01\x00\x02"),
	} {
		wr, err := NewWAVReader(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := make([]int16, 4)
		if n, err := wr.ReadSamples(got); n != 1 || err != io.ErrUnexpectedEOF {
			t.Errorf("%s: ReadSamples = %d, %v; want 1, ErrUnexpectedEOF", name, n, err)
		}
	}
}

func FuzzWAVReader(f *testing.F) {
	f.Add(wavFile("fmt ", fmtBody(1, 2, 8000, 16, ""), "data", "\x01\x00\xff\xff\x00\x80\xff\x7f"))
	f.Add(wavFile("LIST", "x", "fmt ", fmtBody(1, 1, 8000, 16, ""), "data", "\x01"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, file []byte) {
		wr, err := NewWAVReader(bytes.NewReader(file))
		if err != nil {
			return
		}
		if wr.Format.BitsPerSample != 16 || wr.Format.Channels < 1 || wr.Format.SampleRate < 1 {
			t.Fatalf("accepted format %+v", wr.Format)
		}
		buf := make([]int16, 7)
		total := 0
		for {
			n, err := wr.ReadSamples(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("ReadSamples returned %d", n)
			}
			total += n
			if err != nil {
				break
			}
		}
		if 2*total > len(file) || wr.DataSize >= 0 && int64(2*total) > wr.DataSize {
			t.Fatalf("read %d samples from %d bytes (data size %d)", total, len(file), wr.DataSize)
		}
	})
}

func BenchmarkRecorderSlot(b *testing.B) {
	file := &memFile{data: make([]byte, 0, 64<<20)}
	rec, err := NewRecorder(file)
	if err != nil {
		b.Fatal(err)
	}
	caller := toneFrame(1000, 0)
	var agent Frame
	EncodeFrame(&agent, toneFrame(400, 0))
	b.ReportAllocs()
	slot := int64(0)
	for b.Loop() {
		if slot == 90000 { // 30 minutes: start over so the file stays in memory
			file.data, file.pos, slot = file.data[:0], 0, 0
			if rec, err = NewRecorder(file); err != nil {
				b.Fatal(err)
			}
		}
		rec.WriteFrame(ChannelCaller, slot, caller)
		rec.WriteMulawFrame(ChannelAgent, slot, &agent)
		slot++
	}
}
