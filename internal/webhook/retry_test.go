package webhook_test

import (
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/webhook"
)

func constant(v float64) func() float64 { return func() float64 { return v } }

func TestRetryDelayNominal(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
		5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	if len(want) != webhook.MaxAttempts-1 {
		t.Fatalf("schedule has %d retries, MaxAttempts %d", len(want), webhook.MaxAttempts)
	}
	for i, w := range want {
		got, ok := webhook.RetryDelay(i+1, constant(0.5))
		if !ok || got != w {
			t.Errorf("after attempt %d: %v %v, want %v", i+1, got, ok, w)
		}
	}
}

func TestRetryDelayBounds(t *testing.T) {
	for n := 1; n < webhook.MaxAttempts; n++ {
		nominal := webhook.RetrySchedule[n-1]
		lo, _ := webhook.RetryDelay(n, constant(0))
		hi, _ := webhook.RetryDelay(n, constant(1))
		if lo != nominal*8/10 || hi != nominal*12/10 {
			t.Errorf("attempt %d: bounds %v..%v, nominal %v", n, lo, hi, nominal)
		}
		// Out-of-range values of rnd are clamped.
		if d, _ := webhook.RetryDelay(n, constant(-3)); d != lo {
			t.Errorf("attempt %d: rnd -3 gave %v", n, d)
		}
		if d, _ := webhook.RetryDelay(n, constant(7)); d != hi {
			t.Errorf("attempt %d: rnd 7 gave %v", n, d)
		}
		// The default source stays within the bounds.
		for range 100 {
			if d, ok := webhook.RetryDelay(n, nil); !ok || d < lo || d > hi {
				t.Fatalf("attempt %d: random delay %v outside %v..%v", n, d, lo, hi)
			}
		}
	}
}

func TestRetryDelayExhausted(t *testing.T) {
	for _, n := range []int{webhook.MaxAttempts, webhook.MaxAttempts + 1, 100, 0, -1} {
		if d, ok := webhook.RetryDelay(n, constant(0.5)); ok || d != 0 {
			t.Errorf("attempt %d: %v %v, want no retry", n, d, ok)
		}
	}
}

func TestRetryScheduleTotal(t *testing.T) {
	for _, r := range []float64{0, 0.5, 1} {
		var total time.Duration
		attempts := 1
		for {
			d, ok := webhook.RetryDelay(attempts, constant(r))
			if !ok {
				break
			}
			total += d
			attempts++
		}
		if attempts != webhook.MaxAttempts {
			t.Errorf("jitter %v: %d attempts, want %d", r, attempts, webhook.MaxAttempts)
		}
		if total < 22*time.Hour || total > 34*time.Hour {
			t.Errorf("jitter %v: retries span %v, want about a day (22–34 h)", r, total)
		}
	}
}
