package pacer

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestTicksInOrderOnExactDeadlines(t *testing.T) {
	for _, shards := range []int{1, 2, 3} {
		h := newHarness(t, shards)
		recs := make([]*recorder, 7)
		for i := range recs {
			recs[i] = &recorder{}
			h.add(recs[i])
		}
		for range 50 {
			h.tick(0)
		}
		for i, r := range recs {
			got := r.got()
			if len(got) != 50 {
				t.Fatalf("shards=%d stream %d: %d ticks, want 50", shards, i, len(got))
			}
			if got[0].N != 1 {
				t.Fatalf("shards=%d stream %d: first tick N=%d, want 1 (the first after Add)", shards, i, got[0].N)
			}
			checkSchedule(t, h.p, got)
			for _, tk := range got {
				if tk.Missed != 0 {
					t.Fatalf("shards=%d: tick %d missed %d on an on-time clock", shards, tk.N, tk.Missed)
				}
			}
		}
		st := h.p.Stats()
		if st.Streams != 7 || st.Deliveries != 7*50 || st.Skipped != 0 || st.Lateness.Max != 0 {
			t.Fatalf("shards=%d: stats %+v", shards, statsSummary(st))
		}
	}
}

// TestNoDriftWithJitter wakes the pacer late by a varying amount (always less than one
// Interval) on each of 500 ticks: every tick must still be due exactly on the grid, so the
// lateness never accumulates.
func TestNoDriftWithJitter(t *testing.T) {
	h := newHarness(t, 1)
	r := &recorder{}
	h.add(r)
	for i := range 500 {
		h.tick(time.Duration(i*7919%19000) * time.Microsecond)
	}
	got := r.got()
	if len(got) != 500 {
		t.Fatalf("%d ticks, want 500", len(got))
	}
	checkSchedule(t, h.p, got)
	if got[499].N != 500 {
		t.Fatalf("last tick N=%d, want 500", got[499].N)
	}
	if st := h.p.Stats(); st.Skipped != 0 || st.Lateness.Max >= Interval {
		t.Fatalf("stats %+v", statsSummary(st))
	}
}

// TestNoDriftRealClock runs 50 ticks on the system clock, with and without spinning, and
// checks the structure of what was delivered (not how late it was).
func TestNoDriftRealClock(t *testing.T) {
	for _, cfg := range []Config{{}, {Shards: 2, Spin: time.Millisecond}} {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{}
		done := make(chan struct{})
		var n atomic.Int32
		r.onTick = func(Tick) {
			if n.Add(1) == 50 {
				close(done)
			}
		}
		if _, err := p.Add(r); err != nil {
			t.Fatal(err)
		}
		<-done
		if err := p.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := r.got()
		checkSchedule(t, p, got)
		st := p.Stats()
		var missed int64
		for _, tk := range got {
			missed += tk.Missed
		}
		if span := got[len(got)-1].N - got[0].N + 1; span != int64(len(got))+missed {
			t.Fatalf("%+v: ticks span %d indices but %d were delivered and %d missed", cfg, span, len(got), missed)
		}
		if uint64(missed) != st.MissedDeliveries || st.Deliveries != uint64(len(got)) {
			t.Fatalf("%+v: stats %+v disagree with %d deliveries, %d missed", cfg, statsSummary(st), len(got), missed)
		}
	}
}

func TestSkipsMissedTicksInsteadOfBursting(t *testing.T) {
	h := newHarness(t, 1)
	a, b := &recorder{}, &recorder{}
	h.add(a)
	h.add(b)
	h.tick(0) // tick 1
	// The process stalls: the clock goroutine wakes 50 ms after tick 2 was due, when ticks 2, 3
	// and 4 are all due. Only tick 4 is delivered, once, 10 ms late.
	h.tick(50 * time.Millisecond)
	if want := h.p.Start().Add(5 * Interval); !h.next.Equal(want) {
		t.Fatalf("next deadline %v, want tick 5 at %v", h.next, want)
	}
	h.tick(0) // tick 5
	for _, r := range []*recorder{a, b} {
		got := r.got()
		checkSchedule(t, h.p, got)
		want := []Tick{{N: 1}, {N: 4, Missed: 2}, {N: 5}}
		if len(got) != len(want) {
			t.Fatalf("ticks %+v, want N and Missed %+v", got, want)
		}
		for i := range want {
			if got[i].N != want[i].N || got[i].Missed != want[i].Missed {
				t.Fatalf("tick %d = N %d Missed %d, want N %d Missed %d", i, got[i].N, got[i].Missed, want[i].N, want[i].Missed)
			}
		}
	}
	st := h.p.Stats()
	if st.Skipped != 2 || st.MissedDeliveries != 4 || st.Deliveries != 6 {
		t.Fatalf("stats %+v", statsSummary(st))
	}
	if st.Lateness.Max != 10*time.Millisecond || st.Wake.Max != 10*time.Millisecond {
		t.Fatalf("max lateness %v, wake %v; want 10ms", st.Lateness.Max, st.Wake.Max)
	}
}

func TestExactlyOneIntervalLateSkipsOne(t *testing.T) {
	h := newHarness(t, 1)
	r := &recorder{}
	h.add(r)
	h.tick(Interval) // tick 1 due, but tick 2 is due too: deliver tick 2 on time
	got := r.got()
	if len(got) != 1 || got[0].N != 2 || got[0].Missed != 0 {
		t.Fatalf("ticks %+v, want one tick N=2 (first for this stream, so Missed=0)", got)
	}
	if st := h.p.Stats(); st.Skipped != 1 || st.Lateness.Max != 0 {
		t.Fatalf("stats %+v", statsSummary(st))
	}
}
