package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/dialtonehq/dialtone"
)

// rateLimiter keeps one token bucket per API key and class (reads, writes), in memory. Each
// bucket holds a minute's budget and refills continuously.
type rateLimiter struct {
	reads, writes int
	now           func() time.Time
	mu            sync.Mutex
	buckets       map[string]*rate.Limiter
}

func newRateLimiter(reads, writes int, now func() time.Time) *rateLimiter {
	return &rateLimiter{reads: reads, writes: writes, now: now, buckets: map[string]*rate.Limiter{}}
}

// allow spends one request of keyID's read or write budget and sets the X-RateLimit-Limit,
// -Remaining and -Reset (Unix time at which the budget is full again) headers. When the budget
// is spent it sets Retry-After and returns rate_limit_exceeded.
func (l *rateLimiter) allow(h http.Header, keyID string, write bool) error {
	perMinute, class := l.reads, "r:"
	if write {
		perMinute, class = l.writes, "w:"
	}
	l.mu.Lock()
	b, ok := l.buckets[class+keyID]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)
		l.buckets[class+keyID] = b
	}
	l.mu.Unlock()

	now := l.now()
	allowed := b.AllowN(now, 1)
	tokens := b.TokensAt(now)
	perSecond := float64(perMinute) / 60
	full := now.Add(time.Duration((float64(perMinute) - tokens) / perSecond * float64(time.Second)))
	h.Set("X-RateLimit-Limit", strconv.Itoa(perMinute))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, int(math.Floor(tokens)))))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(full.UnixNano())/1e9)), 10))
	if allowed {
		return nil
	}
	wait := time.Duration((1 - tokens) / perSecond * float64(time.Second))
	h.Set("Retry-After", retryAfter(wait))
	kind := "reads"
	if write {
		kind = "writes"
	}
	return dialtone.NewError(dialtone.CodeRateLimitExceeded,
		fmt.Sprintf("This API key may make %d %s per minute; retry after %s seconds.", perMinute, kind, h.Get("Retry-After"))).
		WithDetail("limit", perMinute).WithDetail("window_seconds", 60).WithDetail("class", kind)
}
