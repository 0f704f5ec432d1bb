package espeak

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// maxStderr is how much of espeak-ng's error output an error quotes.
const maxStderr = 500

// utterance is one espeak-ng process and the audio it has produced.
//
// A reader goroutine reads the process's WAV output as it comes, resamples it to 8 kHz and
// appends it to out, so the whole audio (a few hundred kilobytes at most, given MaxTextBytes)
// is buffered ahead of playback and its length is known as soon as the process finishes.
// NextFrame copies frames out of that buffer; it does not allocate.
type utterance struct {
	ctx    context.Context
	cmd    *exec.Cmd
	tl     *textTimeline
	stderr limitedBuffer // written by exec's copier, read after Wait

	ready  chan struct{} // closed when the header is parsed or the stream failed
	notify chan struct{} // capacity 1: new audio, or the end
	done   chan struct{} // closed when the reader goroutine has waited for the process

	mu       sync.Mutex
	out      []int16 // 8 kHz audio so far
	headerOK bool
	finished bool  // the reader goroutine is done: out is complete unless err is set
	err      error // why the utterance ended early
	pos      int   // next sample NextFrame hands out
	ended    bool  // NextFrame has reported false
	closed   bool
}

var _ speech.Utterance = (*utterance)(nil)

// start starts the process and its reader goroutine.
func start(ctx context.Context, s *Synthesizer, text string) (*utterance, error) {
	cmd := exec.CommandContext(ctx, s.binary, s.args()...)
	cmd.Stdin = strings.NewReader(text)
	cmd.WaitDelay = 2 * time.Second
	tl := newTextTimeline(text, s.wpm)
	u := &utterance{
		ctx:    ctx,
		cmd:    cmd,
		tl:     tl,
		ready:  make(chan struct{}),
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		// Room for the expected audio and half as much again, so appends rarely reallocate.
		out: make([]int16, 0, int(float64(tl.runes)/tl.charsPerSample*1.5)+media.FrameSamples),
	}
	cmd.Stderr = &u.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("espeak: %w", err)
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (%s): %w", ErrNotInstalled, InstallHint, err)
		}
		return nil, fmt.Errorf("espeak: start %s: %w", s.binary, err)
	}
	go u.run(stdout)
	return u, nil
}

// run reads the process's output to its end, waits for the process and records the outcome.
func (u *utterance) run(stdout io.Reader) {
	readyClosed := false
	signalReady := func() {
		if !readyClosed {
			close(u.ready)
			readyClosed = true
		}
	}
	defer close(u.done)
	defer signalReady()

	h, err := readHeader(stdout)
	var rs *Resampler
	if err == nil {
		rs, err = NewResampler(h.sampleRate, media.SampleRate)
	}
	if err == nil {
		u.mu.Lock()
		u.headerOK = true
		u.mu.Unlock()
		signalReady()
		err = u.pump(stdout, h, rs)
	}
	if err != nil {
		// The process may still be writing; it must not block on a pipe nobody reads.
		_ = u.cmd.Process.Kill()
	}
	waitErr := u.cmd.Wait()

	u.mu.Lock()
	switch {
	case u.closed:
		// Killed by Close: not a failure.
	case err == nil && waitErr == nil:
		// The whole audio is in out.
	case u.ctx.Err() != nil:
		u.setErr(u.ctx.Err())
	case err != nil:
		u.setErr(fmt.Errorf("espeak: reading espeak-ng's audio: %w%s", err, u.stderr.suffix()))
	case waitErr != nil:
		u.setErr(fmt.Errorf("espeak: espeak-ng failed: %w%s", waitErr, u.stderr.suffix()))
	}
	u.finished = true
	u.mu.Unlock()
	u.wake()
}

// pump streams the sample data after the header through the resampler into out, and flushes
// the resampler at the end of the data.
func (u *utterance) pump(r io.Reader, h wavHeader, rs *Resampler) error {
	align := 2 * h.channels
	raw := make([]byte, 8192)
	pcm := make([]int16, 0, len(raw)/2)
	var res []int16
	have, remaining := 0, h.dataSize
	for {
		n, err := r.Read(raw[have:])
		if remaining >= 0 {
			if int64(n) >= remaining {
				n, err = int(remaining), io.EOF
			}
			remaining -= int64(n)
		}
		have += n
		whole := have - have%align
		pcm = pcm[:0]
		for i := 0; i < whole; i += align {
			sum := 0
			for c := range h.channels {
				sum += int(int16(binary.LittleEndian.Uint16(raw[i+2*c:])))
			}
			pcm = append(pcm, int16(sum/h.channels))
		}
		have = copy(raw, raw[whole:have])
		res = rs.Append(res[:0], pcm)
		if err == io.EOF {
			res = rs.Flush(res)
		}
		u.publish(res)
		switch {
		case err == io.EOF:
			// With a stated size the writer might still send something after the data.
			_, _ = io.Copy(io.Discard, r)
			return nil
		case err != nil:
			return err
		}
	}
}

// publish appends 8 kHz samples to out and wakes NextFrame.
func (u *utterance) publish(s []int16) {
	if len(s) == 0 {
		return
	}
	u.mu.Lock()
	u.out = append(u.out, s...)
	u.mu.Unlock()
	u.wake()
}

func (u *utterance) wake() {
	select {
	case u.notify <- struct{}{}:
	default:
	}
}

// setErr records the first reason the utterance ended early. u.mu must be held.
func (u *utterance) setErr(err error) {
	if u.err == nil {
		u.err = err
	}
}

// startErr says why Synthesize must fail once ready is closed or ctx has ended.
func (u *utterance) startErr() error {
	if err := u.ctx.Err(); err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.headerOK {
		return nil
	}
	if u.err != nil {
		return u.err
	}
	return errors.New("espeak: espeak-ng produced no audio")
}

// NextFrame implements speech.Utterance. It blocks until 160 samples of audio are buffered,
// the audio ends (the last frame is padded with silence), ctx ends or the process fails; in
// the last two cases it reports false at once, even if audio is still buffered.
func (u *utterance) NextFrame(f *media.PCMFrame) bool {
	for {
		u.mu.Lock()
		if u.ended || u.closed {
			u.mu.Unlock()
			clear(f[:])
			return false
		}
		if err := u.ctx.Err(); err != nil && !(u.finished && u.pos >= len(u.out)) {
			u.setErr(err)
		}
		if u.err == nil {
			avail := len(u.out) - u.pos
			if avail >= media.FrameSamples || (u.finished && avail > 0) {
				n := copy(f[:], u.out[u.pos:])
				clear(f[n:])
				u.pos += n
				u.mu.Unlock()
				return true
			}
		}
		if u.finished || u.err != nil {
			u.ended = true
			u.mu.Unlock()
			clear(f[:])
			return false
		}
		u.mu.Unlock()
		select {
		case <-u.notify:
		case <-u.done:
		case <-u.ctx.Done():
		}
	}
}

// HeardText implements speech.Utterance. espeak-ng does not report word timings on its
// standard output, so this is an estimate that assumes the words are spread evenly over the
// audio by their length in characters: once the process has finished, samples is taken as a
// fraction of the whole audio, and that fraction of the text's characters as heard; before
// that, samples (capped at what has been produced) is converted to characters at the
// configured words per minute, counting six characters a word. Pauses at punctuation and
// silence at the ends make the estimate run a word or so early or late. The result is cut
// back to whole words and never holds part of a word; it grows with samples and is the
// whole text (trimmed) for samples at or past the end of the audio.
func (u *utterance) HeardText(samples int) string {
	u.mu.Lock()
	produced, total := int64(len(u.out)), int64(-1)
	if u.finished && u.err == nil {
		total = produced
	}
	u.mu.Unlock()
	return u.tl.at(int64(samples), produced, total)
}

// Err implements speech.Utterance: the context's error if it ended first, or an error
// describing the failure, including espeak-ng's own message, or nil.
func (u *utterance) Err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// Close implements speech.Utterance: it kills the process if it is still running and waits
// for it and for the goroutine reading it. It may be called more than once.
func (u *utterance) Close() {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return
	}
	u.closed = true
	u.mu.Unlock()
	_ = u.cmd.Process.Kill() // fails harmlessly if the process has already been waited for
	<-u.done
}

// emptyUtterance is the audio of a text with nothing to say.
type emptyUtterance struct{}

func (emptyUtterance) NextFrame(f *media.PCMFrame) bool { clear(f[:]); return false }
func (emptyUtterance) HeardText(int) string             { return "" }
func (emptyUtterance) Err() error                       { return nil }
func (emptyUtterance) Close()                           {}

// limitedBuffer keeps the first maxStderr bytes written to it and counts the rest.
type limitedBuffer struct {
	buf     []byte
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := min(len(p), maxStderr-len(b.buf))
	b.buf = append(b.buf, p[:n]...)
	b.dropped += len(p) - n
	return len(p), nil
}

// suffix formats the kept output for an error message: ": <text>", or "" if there was none.
func (b *limitedBuffer) suffix() string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b.buf), ""))
	if s == "" {
		return ""
	}
	if b.dropped > 0 {
		s += " …"
	}
	return ": " + s
}
