// Package ttsstream plays text-to-speech audio that arrives as a stream, decoded to 8 kHz as it
// comes in, with an estimate of the words a listener heard when playback stopped: the utterance
// of the cloud providers (openaispeech, elevenlabs: an HTTP response body, see Start) and of
// espeak (a process's output).
package ttsstream

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// Decoder turns the bytes of a body, in pieces of any size, into 8 kHz samples.
type Decoder interface {
	// Decode appends the samples that p completes to dst.
	Decode(dst []int16, p []byte) []int16
	// Flush appends what remains at the end of the body, or fails if the body ended inside
	// a sample.
	Flush(dst []int16) ([]int16, error)
}

// streamUtterance is one body being played. A reader goroutine reads the body
// as it arrives, decodes it to 8 kHz and queues the samples; NextFrame hands them out in
// frames. Only the samples not yet handed out are kept.
type streamUtterance struct {
	ctx    context.Context // the Synthesize caller's context
	cancel context.CancelFunc
	body   io.ReadCloser
	dec    Decoder
	tl     *speech.Timeline
	name   string // error prefix

	notify chan struct{} // capacity 1: new audio, or the end
	done   chan struct{} // closed when the reader goroutine has finished

	mu       sync.Mutex
	queue    []int16 // decoded samples not yet handed out, from pos
	pos      int
	produced int64 // samples decoded so far
	finished bool  // the reader goroutine is done: all audio is queued unless err is set
	err      error
	ended    bool // NextFrame has reported false
	closed   bool
}

var _ speech.Utterance = (*streamUtterance)(nil)

// New plays body, decoded by dec, as the utterance whose text tl times: a goroutine reads the
// body until its end, ctx ends (Err then is ctx's error) or Close (cancel is called, Err stays
// nil); a body that breaks off or fails to decode sets Err, prefixed with name. The utterance
// owns body and cancel: it closes body when the goroutine ends and calls cancel on Close.
func New(ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, dec Decoder, tl *speech.Timeline, name string) speech.Utterance {
	u := &streamUtterance{
		ctx: ctx, cancel: cancel, body: body, dec: dec, name: name, tl: tl,
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	go u.run()
	return u
}

// run reads the body to its end and records the outcome.
func (u *streamUtterance) run() {
	defer close(u.done)
	defer u.body.Close()
	buf := make([]byte, 8192)
	var pcm []int16
	for {
		n, err := u.body.Read(buf)
		pcm = u.dec.Decode(pcm[:0], buf[:n])
		if err == io.EOF {
			var ferr error
			pcm, ferr = u.dec.Flush(pcm)
			u.publish(pcm)
			u.finish(ferr)
			return
		}
		u.publish(pcm)
		if err != nil {
			u.finish(err)
			return
		}
	}
}

// finish records the end of the stream: err is nil at a clean end.
func (u *streamUtterance) finish(err error) {
	u.mu.Lock()
	switch {
	case u.closed || err == nil:
	case u.ctx.Err() != nil:
		u.setErr(u.ctx.Err())
	default:
		u.setErr(fmt.Errorf("%s: audio stream broken: %w", u.name, err))
	}
	u.finished = true
	u.mu.Unlock()
	u.wake()
}

func (u *streamUtterance) publish(s []int16) {
	if len(s) == 0 {
		return
	}
	u.mu.Lock()
	if u.pos == len(u.queue) {
		u.queue, u.pos = u.queue[:0], 0
	}
	u.queue = append(u.queue, s...)
	u.produced += int64(len(s))
	u.mu.Unlock()
	u.wake()
}

func (u *streamUtterance) wake() {
	select {
	case u.notify <- struct{}{}:
	default:
	}
}

// setErr records the first reason the utterance ended early. u.mu must be held.
func (u *streamUtterance) setErr(err error) {
	if u.err == nil {
		u.err = err
	}
}

// NextFrame implements speech.Utterance. It blocks until a whole frame has arrived or the
// stream has ended (the last frame is padded with silence). When the context ends or the
// stream fails it reports false at once, even if audio is still queued.
func (u *streamUtterance) NextFrame(f *media.PCMFrame) bool {
	for {
		u.mu.Lock()
		if u.ended || u.closed {
			u.mu.Unlock()
			clear(f[:])
			return false
		}
		avail := len(u.queue) - u.pos
		if err := u.ctx.Err(); err != nil && !(u.finished && avail == 0) {
			u.setErr(err)
		}
		if u.err == nil && (avail >= media.FrameSamples || (u.finished && avail > 0)) {
			n := copy(f[:], u.queue[u.pos:])
			clear(f[n:])
			u.pos += n
			u.mu.Unlock()
			return true
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

// HeardText implements speech.Utterance; see speech.Timeline.At for the approximation.
func (u *streamUtterance) HeardText(samples int) string {
	u.mu.Lock()
	produced, total := u.produced, int64(-1)
	if u.finished && u.err == nil {
		total = produced
	}
	u.mu.Unlock()
	return u.tl.At(int64(samples), produced, total)
}

// Err implements speech.Utterance: the context's error if it ended first, an error describing
// a broken stream, or nil.
func (u *streamUtterance) Err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// Close implements speech.Utterance: it calls cancel, which must make a body that is still
// streaming end (cancelling an HTTP request closes its connection), and waits for the reader
// goroutine, which closes the body. It may be called more than once.
func (u *streamUtterance) Close() {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return
	}
	u.closed = true
	u.mu.Unlock()
	u.cancel()
	<-u.done
}

// Empty is the utterance of no text: no audio at all.
type Empty struct{}

func (Empty) NextFrame(f *media.PCMFrame) bool { clear(f[:]); return false }
func (Empty) HeardText(int) string             { return "" }
func (Empty) Err() error                       { return nil }
func (Empty) Close()                           {}
