package pacer

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAddAndRemoveFromInsideTicks(t *testing.T) {
	h := newHarness(t, 1)
	victim := &recorder{}
	victimStream := h.add(victim)
	added := &recorder{}
	var addedStream *Stream
	adder := &recorder{}
	adder.onTick = func(tk Tick) {
		switch tk.N {
		case 2:
			s, err := h.p.Add(added)
			if err != nil {
				t.Error(err)
			}
			addedStream = s
			victimStream.Cancel() // another stream, from a Tick
		}
	}
	h.add(adder)
	self := &recorder{}
	var selfStream *Stream
	self.onTick = func(tk Tick) {
		if tk.N == 3 {
			selfStream.Cancel() // its own stream: Cancel, never Remove
		}
	}
	selfStream = h.add(self)
	for range 5 {
		h.tick(0)
	}
	<-victimStream.Done()
	<-selfStream.Done()
	if n := victim.got(); len(n) > 0 && n[len(n)-1].N > 2 {
		t.Fatalf("victim got tick %d after being cancelled during tick 2", n[len(n)-1].N)
	}
	if n := self.got(); len(n) != 3 || n[2].N != 3 {
		t.Fatalf("self-cancelling stream got %+v, want ticks 1..3", n)
	}
	if n := added.got(); len(n) != 3 || n[0].N != 3 {
		t.Fatalf("stream added during tick 2 got %+v, want ticks 3..5", n)
	}
	if addedStream.Err() != nil || selfStream.Err() != nil {
		t.Fatal("Err set on a live or cancelled stream")
	}
	if st := h.p.Stats(); st.Streams != 2 {
		t.Fatalf("%d streams, want 2 (adder, added)", st.Streams)
	}
}

func TestRemoveBeforeFirstTick(t *testing.T) {
	h := newHarness(t, 1)
	r := &recorder{}
	s := h.add(r)
	s.Remove()
	s.Remove() // idempotent
	h.tick(0)
	if len(r.got()) != 0 {
		t.Fatal("removed stream was ticked")
	}
	if st := h.p.Stats(); st.Streams != 0 || st.Deliveries != 0 {
		t.Fatalf("stats %+v", statsSummary(st))
	}
}

// TestRemoveWaitsForRunningTick checks that Remove returns only after a Tick in progress on the
// clock goroutine has returned.
func TestRemoveWaitsForRunningTick(t *testing.T) {
	h := newHarness(t, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	r := &recorder{}
	r.onTick = func(tk Tick) {
		if tk.N == 1 {
			close(entered)
			<-release
			returned.Store(true)
		}
	}
	s := h.add(r)
	h.clock.AdvanceTo(h.next)
	<-entered
	removed := make(chan bool)
	go func() {
		s.Remove()
		removed <- returned.Load()
	}()
	select {
	case <-removed:
		t.Fatal("Remove returned while Tick was still running")
	case <-time.After(20 * time.Millisecond): // gives Remove a chance to return too early
	}
	close(release)
	if !<-removed {
		t.Fatal("Remove returned before Tick did")
	}
	h.next = h.clock.waitIdle(t, 1)
	h.tick(0)
	if n := len(r.got()); n != 1 {
		t.Fatalf("%d ticks, want 1", n)
	}
}

// TestNoTickAfterRemove removes streams from many goroutines while the real clock ticks.
func TestNoTickAfterRemove(t *testing.T) {
	p, err := New(Config{Shards: 2, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	type flagged struct {
		removed atomic.Bool
		late    atomic.Int32
		ticks   atomic.Int32
	}
	const n = 200
	sinks := make([]*flagged, n)
	streams := make([]*Stream, n)
	for i := range sinks {
		f := &flagged{}
		sinks[i] = f
		s, err := p.Add(sinkFunc(func(Tick) {
			if f.removed.Load() {
				f.late.Add(1)
			}
			f.ticks.Add(1)
		}))
		if err != nil {
			t.Fatal(err)
		}
		streams[i] = s
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for sinks[i].ticks.Load() < int32(1+i%5) {
				time.Sleep(100 * time.Microsecond)
			}
			streams[i].Remove()
			sinks[i].removed.Store(true)
		})
	}
	wg.Wait()
	// Let the clock run on for a while with every stream removed.
	deadline := p.Stats().Ticks + 20
	for p.Stats().Ticks < deadline {
		time.Sleep(time.Millisecond)
	}
	for i, f := range sinks {
		if f.late.Load() != 0 {
			t.Fatalf("stream %d ticked %d times after Remove returned", i, f.late.Load())
		}
	}
	if st := p.Stats(); st.Streams != 0 {
		t.Fatalf("%d streams left", st.Streams)
	}
}
func TestPanickingSinkIsRemoved(t *testing.T) {
	h := newHarness(t, 1)
	bad := h.add(sinkFunc(func(tk Tick) {
		if tk.N == 2 {
			panic("boom")
		}
	}))
	good := &recorder{}
	h.add(good)
	for range 3 {
		h.tick(0)
	}
	<-bad.Done()
	if bad.Err() == nil {
		t.Fatal("Err is nil after a panic")
	}
	if n := len(good.got()); n != 3 {
		t.Fatalf("other stream got %d ticks, want 3", n)
	}
	if st := h.p.Stats(); st.Panics != 1 || st.Streams != 1 {
		t.Fatalf("stats %+v", statsSummary(st))
	}
}

// TestPassDoesNotAllocate measures one tick over 1,000 streams.
func TestPassDoesNotAllocate(t *testing.T) {
	sh := &shard{clock: SystemClock{}, start: time.Now(), interval: Interval}
	var frame [160]byte
	for range 1000 {
		s, err := sh.add(&ringSink{src: &frame})
		if err != nil {
			t.Fatal(err)
		}
		_ = s
	}
	sh.takePending()
	n := int64(0)
	allocs := testing.AllocsPerRun(100, func() {
		sh.takePending()
		sh.pass(n, sh.start.Add(time.Duration(n)*Interval))
		n++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per tick of 1,000 streams, want 0", allocs)
	}
}
