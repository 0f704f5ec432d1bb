// Package pacer is the shared send clock of the media path: one Pacer drives the 20 ms frame
// ticks of every live call from a fixed, small number of clock goroutines (one by default),
// instead of a goroutine and a sleep per call.
//
// Schedule. Tick N of a pacer is due at exactly Start + N×Interval. Each clock goroutine sleeps
// until the next absolute deadline and never accumulates sleeps, so the schedule cannot drift:
// lateness on one tick does not move later ticks.
//
// Falling behind. When a clock goroutine wakes one whole Interval or more after a tick was due
// (the process was descheduled, a GC pause, too much work per tick), it does not send a burst of
// catch-up ticks. It skips every tick whose successor is also already due, delivers only the
// most recent due tick, counts the skipped ticks in Stats.Skipped and Stats.MissedDeliveries,
// and tells each sink through Tick.Missed. A sink that must keep its media timeline (for
// example a recorder) can then account for the missing frames itself; an outbound audio sink
// normally just sends its next frame, so the far end hears a short gap rather than a burst.
//
// Cost. Delivering a tick to a stream allocates nothing: streams live in a plain slice owned by
// the clock goroutine and are removed by swapping with the last element. Per delivery the pacer
// reads the clock once (for the lateness histogram), makes two atomic compare-and-swaps and
// calls the sink. Adding a stream allocates the Stream once.
package pacer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Interval is the default tick period: one 20 ms G.711 frame (160 samples at 8 kHz).
const Interval = 20 * time.Millisecond

// ErrStopped is returned by Add after Stop, and by Stream.Err for streams ended by Stop.
var ErrStopped = errors.New("pacer: stopped")

// Config configures a Pacer. The zero value is valid.
type Config struct {
	// Interval is the tick period; zero means Interval (20 ms).
	Interval time.Duration
	// Shards is the number of clock goroutines. Each owns a share of the streams and runs the
	// same schedule. Zero means 1.
	Shards int
	// Clock is the time source; nil means SystemClock.
	Clock Clock
	// Spin, when positive, makes each clock goroutine wake this long before every deadline
	// and then poll the clock (yielding to other goroutines between polls) until the deadline.
	// Go's timers can fire up to about a millisecond late (the runtime sleeps in whole
	// milliseconds on Linux); spinning removes most of that at the cost of up to Spin of CPU
	// per tick and shard. Zero means no spinning. With an injected Clock whose time only moves
	// when a test moves it, leave Spin at zero.
	Spin time.Duration
}

// Pacer delivers a tick every Interval to every registered stream. Its methods are safe for
// concurrent use.
type Pacer struct {
	interval time.Duration
	start    time.Time
	shards   []*shard
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop
	exited   chan struct{} // closed when every clock goroutine has returned
	stopping atomic.Bool
}

// New starts a pacer whose tick 0 is due at once (Start is the clock's reading now).
func New(cfg Config) (*Pacer, error) {
	if cfg.Interval == 0 {
		cfg.Interval = Interval
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("pacer: negative interval %v", cfg.Interval)
	}
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if cfg.Spin < 0 || cfg.Spin >= cfg.Interval {
		return nil, fmt.Errorf("pacer: spin %v outside [0, interval)", cfg.Spin)
	}
	if cfg.Shards < 0 {
		return nil, fmt.Errorf("pacer: negative shard count %d", cfg.Shards)
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	p := &Pacer{
		interval: cfg.Interval,
		start:    cfg.Clock.Now(),
		stop:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range cfg.Shards {
		sh := &shard{clock: cfg.Clock, start: p.start, interval: p.interval, spin: cfg.Spin}
		p.shards = append(p.shards, sh)
		wg.Go(func() { sh.run(p.stop) })
	}
	go func() {
		wg.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Start returns the time tick 0 was due.
func (p *Pacer) Start() time.Time { return p.start }

// Interval returns the tick period.
func (p *Pacer) Interval() time.Duration { return p.interval }

// Add registers sink as a new stream. Its first Tick is the first tick its clock goroutine
// starts after Add returns (normally within one Interval). Add returns ErrStopped once Stop
// has been called.
func (p *Pacer) Add(sink Sink) (*Stream, error) {
	if sink == nil {
		return nil, errors.New("pacer: nil sink")
	}
	if p.stopping.Load() {
		return nil, ErrStopped
	}
	best := p.shards[0]
	for _, sh := range p.shards[1:] {
		if sh.streams.Load() < best.streams.Load() {
			best = sh
		}
	}
	return best.add(sink)
}

// Stop stops the clock. No tick starts after Stop is called; Stop waits until ticks in
// progress have returned and every stream's Done channel is closed (their Err is then
// ErrStopped), or until ctx is done, in which case it returns ctx.Err() and the stopping
// finishes in the background. Stop may be called more than once, but not from a Tick.
func (p *Pacer) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() {
		p.stopping.Store(true)
		close(p.stop)
	})
	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats is a snapshot of a pacer's counters, summed over its clock goroutines.
type Stats struct {
	Streams          int    // streams registered and not yet removed
	Ticks            uint64 // ticks run (each shard counts its own)
	Skipped          uint64 // ticks skipped because a clock goroutine woke an Interval or more late
	Deliveries       uint64 // Tick calls made
	MissedDeliveries uint64 // sum of Tick.Missed over all deliveries
	Panics           uint64 // Tick calls that panicked
	// Lateness holds, for every delivery, how long after Tick.Due the sink was called: the
	// send-clock lateness a call experiences. Each value is an upper bound (the clock is read
	// after every eight deliveries and the reading is charged to all eight).
	Lateness HistogramSnapshot
	// Wake holds, for every tick of every shard, how late the clock goroutine woke up.
	Wake HistogramSnapshot
}

// Stats returns the current counters. It allocates nothing but copies about 18 KB per shard.
func (p *Pacer) Stats() Stats {
	var st Stats
	for _, sh := range p.shards {
		st.Streams += int(sh.streams.Load())
		st.Ticks += sh.ticks.Load()
		st.Skipped += sh.skipped.Load()
		st.Deliveries += sh.deliveries.Load()
		st.MissedDeliveries += sh.missed.Load()
		st.Panics += sh.panics.Load()
		late, wake := sh.lateness.Snapshot(), sh.wake.Snapshot()
		st.Lateness.Merge(&late)
		st.Wake.Merge(&wake)
	}
	return st
}
