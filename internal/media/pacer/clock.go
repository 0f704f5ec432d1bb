package pacer

import "time"

// Clock is the time source of a Pacer. The system clock is used unless Config.Clock is set;
// tests inject a fake one to make every tick deterministic.
type Clock interface {
	// Now returns the current time. For the system clock it carries a monotonic reading, so
	// differences between two results are immune to wall-clock steps.
	Now() time.Time
	// NewTimer returns a stopped Timer. The Pacer creates one per clock goroutine, once, and
	// reuses it for every tick.
	NewTimer() Timer
}

// Timer is a reusable one-shot timer used by a single goroutine.
type Timer interface {
	// C returns the channel on which the timer delivers a value when it fires.
	C() <-chan time.Time
	// Reset arms the timer to fire once the clock reads at or after at, replacing any earlier
	// arming. A time in the past fires at once. After Reset no value from an earlier arming
	// is received.
	Reset(at time.Time)
	// Stop disarms the timer.
	Stop()
}

// SystemClock is the real clock: time.Now and time.Timer.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a stopped timer backed by time.Timer.
func (SystemClock) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return systemTimer{t}
}

type systemTimer struct{ t *time.Timer }

func (s systemTimer) C() <-chan time.Time { return s.t.C }

// Reset relies on the Go 1.23 timer semantics: Reset discards a value not yet received.
func (s systemTimer) Reset(at time.Time) { s.t.Reset(time.Until(at)) }

func (s systemTimer) Stop() { s.t.Stop() }
