package pacer

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced Clock. A clock goroutine whose timer is armed for a time
// after now has finished its previous tick and waits for the next one; waitIdle waits for that.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan struct{} // signalled (without blocking) on every Timer.Reset
}

func newFakeClock() *fakeClock {
	return &fakeClock{
		now:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		armed: make(chan struct{}, 1),
	}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer() Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock forward by d and fires every timer that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		t.fireIfDue()
	}
}

// AdvanceTo moves the clock to at (never backwards) and fires every timer that is due.
func (c *fakeClock) AdvanceTo(at time.Time) {
	c.Advance(max(at.Sub(c.Now()), 0))
}

// waitIdle waits until n timers exist and all are armed for a time after now, and returns the
// earliest of those deadlines.
func (c *fakeClock) waitIdle(t testing.TB, n int) time.Time {
	t.Helper()
	timeout := time.After(10 * time.Second) // catches a hang; not a timing assertion
	for {
		if at, ok := c.idle(n); ok {
			return at
		}
		select {
		case <-c.armed:
		case <-timeout:
			t.Fatalf("clock goroutines did not all wait for a future deadline within 10 s")
		}
	}
}

func (c *fakeClock) idle(n int) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) != n {
		return time.Time{}, false
	}
	var first time.Time
	for i, tm := range c.timers {
		if !tm.armed || !tm.at.After(c.now) {
			return time.Time{}, false
		}
		if i == 0 || tm.at.Before(first) {
			first = tm.at
		}
	}
	return first, true
}

type fakeTimer struct {
	c     *fakeClock
	ch    chan time.Time
	at    time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(at time.Time) {
	t.c.mu.Lock()
	select { // drop a value from an earlier arming
	case <-t.ch:
	default:
	}
	t.at, t.armed = at, true
	t.fireIfDue()
	t.c.mu.Unlock()
	select {
	case t.c.armed <- struct{}{}:
	default:
	}
}

func (t *fakeTimer) Stop() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.armed = false
}

// fireIfDue must be called with c.mu held.
func (t *fakeTimer) fireIfDue() {
	if t.armed && !t.at.After(t.c.now) {
		t.armed = false
		t.ch <- t.c.now
	}
}
