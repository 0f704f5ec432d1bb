package webhook

import (
	"math/rand/v2"
	"time"
)

// MaxAttempts is how many times a message is sent at most: the first attempt and
// len(RetrySchedule) retries.
const MaxAttempts = 8

// RetrySchedule holds the nominal delays before each retry: RetrySchedule[n-1] is the wait
// after failed attempt n. Roughly exponential, it spreads 7 retries over 27 h 35 min 5 s
// (22 h to 33 h with the jitter of RetryDelay), so a receiver that is down for about a day
// still gets the message:
//
//	after attempt  delay   cumulative
//	1              5 s     5 s
//	2              5 min   5 min 5 s
//	3              30 min  35 min 5 s
//	4              2 h     2 h 35 min 5 s
//	5              5 h     7 h 35 min 5 s
//	6              10 h    17 h 35 min 5 s
//	7              10 h    27 h 35 min 5 s
//	8              —       (gives up)
var RetrySchedule = [MaxAttempts - 1]time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// Jitter is the relative spread RetryDelay applies to each delay: ±20%.
const Jitter = 0.2

// RetryDelay returns how long to wait after failed attempt number attempt (1 for the first
// send) before the next one: RetrySchedule[attempt-1] scaled by a factor between 1-Jitter and
// 1+Jitter, chosen linearly by rnd() in [0, 1] (0.5 gives the nominal delay; values outside
// are clamped; a nil rnd uses math/rand/v2). It returns false when no attempt is left
// (attempt >= MaxAttempts) or attempt < 1.
func RetryDelay(attempt int, rnd func() float64) (time.Duration, bool) {
	if attempt < 1 || attempt >= MaxAttempts {
		return 0, false
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	r := min(max(rnd(), 0), 1)
	factor := 1 - Jitter + 2*Jitter*r
	return time.Duration(float64(RetrySchedule[attempt-1]) * factor), true
}
