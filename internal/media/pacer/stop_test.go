package pacer

import (
	"context"
	"errors"
	"testing"
)

func TestStop(t *testing.T) {
	h := newHarness(t, 2)
	var streams []*Stream
	for range 4 {
		streams = append(streams, h.add(&recorder{}))
	}
	h.tick(0)
	if err := h.p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		<-s.Done()
		if !errors.Is(s.Err(), ErrStopped) {
			t.Fatalf("Err = %v, want ErrStopped", s.Err())
		}
		s.Remove() // no-op after Stop
	}
	if _, err := h.p.Add(&recorder{}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Add after Stop: %v, want ErrStopped", err)
	}
	if err := h.p.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestStopHonoursContext stops while a (misbehaving) sink blocks.
func TestStopHonoursContext(t *testing.T) {
	h := newHarness(t, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	r := &recorder{onTick: func(Tick) {
		close(entered)
		<-release
	}}
	s := h.add(r)
	h.clock.AdvanceTo(h.next)
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.p.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop = %v, want context.Canceled", err)
	}
	close(release)
	<-s.Done()
	if err := h.p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(r.got()); n != 1 {
		t.Fatalf("%d ticks, want 1", n)
	}
}

func TestConfigValidation(t *testing.T) {
	if _, err := New(Config{Interval: -1}); err == nil {
		t.Fatal("negative interval accepted")
	}
	if _, err := New(Config{Shards: -1}); err == nil {
		t.Fatal("negative shard count accepted")
	}
	if _, err := New(Config{Spin: Interval}); err == nil {
		t.Fatal("spin of a whole interval accepted")
	}
	p, err := New(Config{Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	if p.Interval() != Interval {
		t.Fatalf("default interval %v", p.Interval())
	}
	if _, err := p.Add(nil); err == nil {
		t.Fatal("nil sink accepted")
	}
}
