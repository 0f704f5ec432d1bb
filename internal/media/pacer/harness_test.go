package pacer

import (
	"context"
	"sync"
	"testing"
	"time"
)

// harness runs a Pacer on a fake clock in lock step with the test.
type harness struct {
	t      *testing.T
	clock  *fakeClock
	p      *Pacer
	shards int
	next   time.Time // deadline every clock goroutine is waiting for
}

// newHarness starts a pacer on a fake clock and waits until tick 0 (due at once) is done.
func newHarness(t *testing.T, shards int) *harness {
	t.Helper()
	c := newFakeClock()
	p, err := New(Config{Clock: c, Shards: shards})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: c, p: p, shards: shards}
	t.Cleanup(func() {
		if err := p.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	// Tick 0 is due at Start, which is now: it runs at once.
	h.next = c.waitIdle(t, shards)
	if want := p.Start().Add(p.Interval()); !h.next.Equal(want) {
		t.Fatalf("after tick 0 the pacer waits for %v, want %v", h.next, want)
	}
	return h
}

// tick advances the clock to extra after the next deadline and waits until every clock
// goroutine has finished the resulting tick.
func (h *harness) tick(extra time.Duration) {
	h.t.Helper()
	h.clock.AdvanceTo(h.next.Add(extra))
	h.next = h.clock.waitIdle(h.t, h.shards)
}

func (h *harness) add(s Sink) *Stream {
	h.t.Helper()
	st, err := h.p.Add(s)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// recorder is a Sink that keeps every Tick it receives.
type recorder struct {
	mu     sync.Mutex
	ticks  []Tick
	onTick func(Tick)
}

func (r *recorder) Tick(t Tick) {
	r.mu.Lock()
	r.ticks = append(r.ticks, t)
	r.mu.Unlock()
	if r.onTick != nil {
		r.onTick(t)
	}
}

func (r *recorder) got() []Tick {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Tick(nil), r.ticks...)
}

// checkSchedule asserts that every tick is due exactly at Start + N×Interval, that N strictly
// increases and that Missed accounts for every gap.
func checkSchedule(t *testing.T, p *Pacer, ticks []Tick) {
	t.Helper()
	for i, tk := range ticks {
		if want := p.Start().Add(time.Duration(tk.N) * p.Interval()); !tk.Due.Equal(want) {
			t.Fatalf("tick %d: N=%d due %v, want exactly %v", i, tk.N, tk.Due, want)
		}
		if i == 0 {
			if tk.Missed != 0 {
				t.Fatalf("first tick has Missed=%d", tk.Missed)
			}
			continue
		}
		if prev := ticks[i-1]; tk.N != prev.N+1+tk.Missed {
			t.Fatalf("tick %d: N=%d after N=%d with Missed=%d", i, tk.N, prev.N, tk.Missed)
		}
	}
}

type sinkFunc func(Tick)

func (f sinkFunc) Tick(t Tick) { f(t) }

// statsSummary drops the histograms' buckets so failures print readably.
func statsSummary(st Stats) map[string]any {
	return map[string]any{
		"streams": st.Streams, "ticks": st.Ticks, "skipped": st.Skipped,
		"deliveries": st.Deliveries, "missed": st.MissedDeliveries, "panics": st.Panics,
		"lateness_max": st.Lateness.Max, "wake_max": st.Wake.Max,
	}
}
