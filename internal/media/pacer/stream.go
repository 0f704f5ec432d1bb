package pacer

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Tick describes one frame period delivered to a Sink.
type Tick struct {
	// N is the pacer-wide tick index: Due is exactly Start + N×Interval. It increases from one
	// Tick of a stream to the next; it jumps by more than one only after skipped ticks.
	N int64
	// Due is the scheduled time of the tick. Lateness is the clock's reading when the sink is
	// called minus Due.
	Due time.Time
	// Missed is how many ticks this stream did not receive immediately before this one because
	// the pacer fell behind (0 normally, and always 0 on a stream's first tick).
	Missed int64
}

// Sink receives the ticks of one stream.
//
// Tick is called once per tick, from a pacer goroutine, never concurrently with itself, with
// N strictly increasing. All streams of a pacer share the same few goroutines, so Tick must be
// tiny and must never block: copy one prepared frame into a non-blocking writer (a ring, a
// buffered channel with a select/default) and return. From Tick a sink may call Add, and
// Cancel on any stream (its own included). It must not call Remove or Pacer.Stop: both wait
// for running Ticks, and on its own stream, or two sinks removing each other from different
// clock goroutines, they would wait forever. A Tick that panics removes its stream; see
// Stream.Err.
type Sink interface {
	Tick(t Tick)
}

// Stream is one sink registered with a Pacer, typically one live call. Its methods are safe for
// concurrent use.
type Stream struct {
	sink  Sink
	shard *shard
	state atomic.Int32
	done  chan struct{} // closed when the stream is removed
	err   atomic.Pointer[error]
	last  int64 // index of the last tick delivered, -1 before the first; clock goroutine only
}

// Stream states. Transitions: idle⇄ticking by the clock goroutine; idle→removed and
// ticking→removing by Remove/Cancel; removing→removed by the clock goroutine once Tick returns.
const (
	stateIdle int32 = iota
	stateTicking
	stateRemoving
	stateRemoved
)

func newStream(sink Sink, sh *shard) *Stream {
	return &Stream{sink: sink, shard: sh, done: make(chan struct{}), last: -1}
}

// Remove stops the stream. When it returns, no Tick of this stream is running and none will
// start. It waits for a Tick in progress, so it must not be called from any Tick (use Cancel
// there). Calling it again, or after the pacer stopped, is a no-op.
func (s *Stream) Remove() {
	if !s.cancel() {
		<-s.done
	}
}

// Cancel stops the stream without waiting: no Tick starts after Cancel returns, but a Tick
// already running (for example the one calling Cancel) finishes normally. Done is closed once
// that Tick has returned.
func (s *Stream) Cancel() { s.cancel() }

// cancel requests removal and reports whether the stream is already fully removed.
func (s *Stream) cancel() bool {
	for {
		switch s.state.Load() {
		case stateIdle:
			if s.state.CompareAndSwap(stateIdle, stateRemoved) {
				s.finish()
				return true
			}
		case stateTicking:
			if s.state.CompareAndSwap(stateTicking, stateRemoving) {
				return false
			}
		case stateRemoving:
			return false
		default: // stateRemoved: finish may still be running in another goroutine
			select {
			case <-s.done:
				return true
			default:
				return false
			}
		}
	}
}

// Done returns a channel that is closed when the stream has been removed: by Remove or Cancel,
// because its Tick panicked, or because the pacer stopped. After it is closed no Tick of the
// stream is running or will run.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err returns why the stream ended by itself: an error describing the panic of its Tick, or
// ErrStopped when the pacer stopped. It returns nil while the stream is live and after Remove
// or Cancel.
func (s *Stream) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// finish completes the removal. It is called exactly once, by whoever moved the stream to
// stateRemoved.
func (s *Stream) finish() {
	s.shard.streams.Add(-1)
	close(s.done)
}

// deliver calls the sink, turning a panic into the stream's removal. It reports whether the
// stream is still live afterwards.
func (s *Stream) deliver(t Tick) (live bool) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("pacer: sink %T panicked on tick %d: %v", s.sink, t.N, r)
			s.err.Store(&err)
			s.shard.panics.Add(1)
			s.state.Store(stateRemoved)
			s.finish()
			live = false
		}
	}()
	s.sink.Tick(t)
	if s.state.CompareAndSwap(stateTicking, stateIdle) {
		return true
	}
	// Remove or Cancel ran during Tick and left the stream in stateRemoving.
	s.state.Store(stateRemoved)
	s.finish()
	return false
}

// stop ends the stream because its pacer stopped. Only the clock goroutine calls it, so the
// stream cannot be ticking.
func (s *Stream) stop() {
	if s.state.CompareAndSwap(stateIdle, stateRemoved) {
		err := error(ErrStopped)
		s.err.Store(&err)
		s.finish()
	}
}
