package pacer

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// shard is one clock goroutine and the streams it drives.
type shard struct {
	clock    Clock
	start    time.Time
	interval time.Duration
	spin     time.Duration

	mu      sync.Mutex
	pending []*Stream // added since the last tick; guarded by mu
	stopped bool      // guarded by mu

	active []*Stream // owned by the clock goroutine

	streams                                    atomic.Int64
	ticks, skipped, deliveries, missed, panics atomic.Uint64
	lateness, wake                             Histogram
}

func (sh *shard) add(sink Sink) (*Stream, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.stopped {
		return nil, ErrStopped
	}
	s := newStream(sink, sh)
	sh.streams.Add(1)
	sh.pending = append(sh.pending, s)
	return s, nil
}

// run is the clock goroutine. It returns when stop is closed.
func (sh *shard) run(stop <-chan struct{}) {
	defer sh.exit()
	timer := sh.clock.NewTimer()
	defer timer.Stop()
	for n := int64(0); ; n++ {
		due := sh.start.Add(time.Duration(n) * sh.interval)
		timer.Reset(due.Add(-sh.spin))
		select {
		case <-stop:
			return
		case <-timer.C():
		}
		now := sh.clock.Now()
		for now.Before(due) { // only when spinning
			runtime.Gosched()
			now = sh.clock.Now()
		}
		select {
		case <-stop:
			return
		default:
		}
		if late := now.Sub(due); late >= sh.interval {
			skip := int64(late / sh.interval)
			n += skip
			due = sh.start.Add(time.Duration(n) * sh.interval)
			sh.skipped.Add(uint64(skip))
		}
		sh.wake.Record(now.Sub(due))
		sh.ticks.Add(1)
		sh.takePending()
		sh.pass(n, due)
	}
}

// takePending moves newly added streams into the active slice.
func (sh *shard) takePending() {
	sh.mu.Lock()
	if len(sh.pending) > 0 {
		sh.active = append(sh.active, sh.pending...)
		clear(sh.pending)
		sh.pending = sh.pending[:0]
	}
	sh.mu.Unlock()
}

// lateBatch is how many deliveries share one clock reading for the lateness histogram. The
// reading is taken after the batch, so each recorded lateness is an upper bound for its
// delivery, too high by at most the time the rest of the batch took (well under a
// microsecond for well-behaved sinks). Reading the clock for every delivery would double
// the pacer's own cost per delivery.
const lateBatch = 8

// pass delivers tick n to every active stream, dropping removed ones on the way.
func (sh *shard) pass(n int64, due time.Time) {
	active := sh.active
	var delivered, missed, unrecorded uint64
	for i := 0; i < len(active); {
		s := active[i]
		if !s.state.CompareAndSwap(stateIdle, stateTicking) {
			// Removed since the last tick: swap-remove, then look at the stream moved into i.
			last := len(active) - 1
			active[i], active[last] = active[last], nil
			active = active[:last]
			continue
		}
		t := Tick{N: n, Due: due}
		if s.last >= 0 {
			t.Missed = n - s.last - 1
		}
		s.last = n
		missed += uint64(t.Missed)
		delivered++
		live := s.deliver(t)
		if unrecorded++; unrecorded == lateBatch {
			sh.lateness.RecordN(sh.clock.Now().Sub(due), unrecorded)
			unrecorded = 0
		}
		if live {
			i++
		} // else removed during Tick: swapped out on the next loop iteration
	}
	sh.lateness.RecordN(sh.clock.Now().Sub(due), unrecorded)
	sh.active = active
	sh.deliveries.Add(delivered)
	sh.missed.Add(missed)
}

// exit ends every stream of the shard and refuses further Adds.
func (sh *shard) exit() {
	sh.mu.Lock()
	sh.stopped = true
	pending := sh.pending
	sh.pending = nil
	sh.mu.Unlock()
	for _, s := range sh.active {
		s.stop()
	}
	for _, s := range pending {
		s.stop()
	}
	sh.active = nil
}
