package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dialtonehq/dialtone"
)

// send makes up to 1+maxRetries attempts of one request, re-sending the same header (so the
// same Idempotency-Key) and the same body bytes each time. It retries when retryable says so,
// waiting the backoff or the server's Retry-After, whichever is longer. It stops at once when
// ctx is done, and without waiting when ctx's deadline would pass before the wait ends: it then
// returns the last error. The returned error is the last attempt's: *Error for a non-2xx
// answer, the transport's error otherwise.
func (c *Client) send(ctx context.Context, method, u string, header http.Header, body []byte) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		resp, data, err := c.attempt(ctx, method, u, header, body)
		if err == nil {
			return resp, data, nil
		}
		if attempt >= c.maxRetries || !retryable(ctx, err) {
			return resp, data, err
		}
		wait := c.backoff(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && ra > wait {
				wait = ra
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return resp, data, err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return resp, data, fmt.Errorf("%w while waiting to retry (last attempt: %w)", serr, err)
		}
	}
}

// retryable reports whether sending the same request again may succeed: for an answer, a
// status of 408, 429, 500, 502, 503 or 504, or 409 idempotency_key_in_use; otherwise a failure
// to connect or a connection dropped or timed out by the transport. Nothing is retried once ctx
// is done.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		case http.StatusConflict:
			return e.Code == dialtone.CodeIdempotencyKeyInUse
		}
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // ctx is not done, so this is the HTTP client's own per-attempt timeout
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false // no such host: asking again will not make it exist
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// backoff is the wait before retry number attempt (from 0): a uniformly random duration in
// [0, min(backoffMax, backoffBase·2^attempt)).
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.backoffMax
	if attempt < 32 {
		if d := c.backoffBase << attempt; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return c.jitter(ceiling)
}

func randomJitter(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return rand.N(n)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleepContext waits d, or until ctx is done, when it returns ctx's error.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// withSleep replaces the wait between attempts, for tests: f must wait d or until ctx is done.
func withSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// withJitter replaces the random draw of the backoff, for tests: f returns a duration in
// [0, n).
func withJitter(f func(n time.Duration) time.Duration) Option {
	return func(c *Client) { c.jitter = f }
}
