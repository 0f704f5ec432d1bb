package client_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

// retrying returns a client of f whose waits are recorded by s instead of slept.
func retrying(url string, s *sleeper, opts ...client.Option) *client.Client {
	return client.New(url, "key_a:dts_b", append([]client.Option{client.WithSleep(s.sleep)}, opts...)...)
}

func TestRetry503ThenSuccessKeepsIdempotencyKey(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			writeError(w, http.StatusServiceUnavailable, "service_unavailable", "service_unavailable", "req_"+string(rune('0'+n)))
			return
		}
		writeAgent(w, "agt_ok")
	})
	s := &sleeper{}
	a, err := retrying(f.URL, s).Agents.Create(context.Background(), dialtone.AgentParams{Name: dialtone.Some("A")})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.ID != "agt_ok" {
		t.Errorf("agent = %+v", a)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3", len(reqs))
	}
	key := reqs[0].Header.Get("Idempotency-Key")
	for i, r := range reqs {
		if got := r.Header.Get("Idempotency-Key"); got != key || got == "" {
			t.Errorf("attempt %d: Idempotency-Key %q, want %q", i+1, got, key)
		}
		if !bytes.Equal(r.Body, reqs[0].Body) || len(r.Body) == 0 {
			t.Errorf("attempt %d: body %q, want %q", i+1, r.Body, reqs[0].Body)
		}
	}
	if w := s.recorded(); len(w) != 2 {
		t.Errorf("waits = %v, want 2", w)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "rate_limit_error", "rate_limit_exceeded", "req_1")
			return
		}
		writeAgent(w, "agt_ok")
	})
	s := &sleeper{}
	c := retrying(f.URL, s, client.WithBackoff(10*time.Millisecond, 20*time.Millisecond))
	if _, err := c.Agents.Create(context.Background(), dialtone.AgentParams{Name: dialtone.Some("A")}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if w := s.recorded(); !slices.Equal(w, []time.Duration{time.Second}) {
		t.Errorf("waits = %v, want [1s] from Retry-After", w)
	}
	if len(f.requests()) != 2 {
		t.Errorf("%d attempts, want 2", len(f.requests()))
	}
}

func TestRetryAfterShorterThanBackoffUsesBackoff(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "service_unavailable", "service_unavailable", "req_1")
			return
		}
		writeAgent(w, "agt_ok")
	})
	s := &sleeper{}
	c := retrying(f.URL, s, client.WithBackoff(4*time.Second, 8*time.Second),
		client.WithJitter(func(n time.Duration) time.Duration { return n - 1 }))
	if _, err := c.Agents.Get(context.Background(), "agt_ok"); err != nil {
		t.Fatalf("get: %v", err)
	}
	if w := s.recorded(); !slices.Equal(w, []time.Duration{4*time.Second - 1}) {
		t.Errorf("waits = %v, want the backoff", w)
	}
}

func TestRetryAfterBeyondDeadlineGivesUp(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "rate_limit_exceeded", "req_1")
	})
	s := &sleeper{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := retrying(f.URL, s).Agents.List(ctx, nil)
	if !client.IsCode(err, dialtone.CodeRateLimitExceeded) {
		t.Fatalf("err = %v, want the 429", err)
	}
	if len(f.requests()) != 1 || len(s.recorded()) != 0 {
		t.Errorf("%d attempts, waits %v; want 1 attempt and no wait", len(f.requests()), s.recorded())
	}
}

func TestNoRetryOn400(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusBadRequest, "invalid_request", "invalid_json", "req_1")
	})
	s := &sleeper{}
	_, err := retrying(f.URL, s).Agents.Create(context.Background(), dialtone.AgentParams{})
	if !client.IsCode(err, dialtone.CodeInvalidJSON) {
		t.Fatalf("err = %v", err)
	}
	if len(f.requests()) != 1 || len(s.recorded()) != 0 {
		t.Errorf("%d attempts, waits %v; want 1 attempt", len(f.requests()), s.recorded())
	}
}

func TestRetryStatuses(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		retry  bool
	}{
		{408, "request_timeout", true},
		{409, "idempotency_key_in_use", true},
		{409, "idempotency_key_reused", false},
		{429, "rate_limit_exceeded", true},
		{500, "internal_error", true},
		{502, "provider_error", true},
		{503, "service_unavailable", true},
		{504, "provider_timeout", true},
		{401, "invalid_api_key", false},
		{403, "insufficient_permissions", false},
		{404, "agent_not_found", false},
		{422, "unprocessable", false},
	} {
		f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeError(w, tc.status, "t", tc.code, "req_1")
		})
		s := &sleeper{}
		_, _ = retrying(f.URL, s, client.WithMaxRetries(1)).Agents.Create(context.Background(), dialtone.AgentParams{})
		want := 1
		if tc.retry {
			want = 2
		}
		if got := len(f.requests()); got != want {
			t.Errorf("%d %s: %d attempts, want %d", tc.status, tc.code, got, want)
		}
	}
}

func TestRetriesExhaustedReturnsLastError(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, "server_error", "internal_error", "req_"+string(rune('0'+n)))
	})
	s := &sleeper{}
	_, err := retrying(f.URL, s).Agents.Get(context.Background(), "agt_1")
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if e.StatusCode != 500 || e.Code != dialtone.CodeInternalError || e.RequestID != "req_3" {
		t.Errorf("error = %+v, want the third attempt's", e)
	}
	if len(f.requests()) != 3 || len(s.recorded()) != 2 {
		t.Errorf("%d attempts, %d waits; want 3 and 2", len(f.requests()), len(s.recorded()))
	}

	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
	_, _ = retrying(f.URL, s, client.WithMaxRetries(0)).Agents.Get(context.Background(), "agt_1")
	if len(f.requests()) != 1 {
		t.Errorf("WithMaxRetries(0): %d attempts, want 1", len(f.requests()))
	}
}

func TestContextCancellationStopsRetrying(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusServiceUnavailable, "service_unavailable", "service_unavailable", "req_1")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits int
	c := client.New(f.URL, "key_a:dts_b", client.WithMaxRetries(5),
		client.WithSleep(func(ctx context.Context, d time.Duration) error {
			waits++
			cancel() // the caller gives up while the client waits to retry
			return client.SleepContext(ctx, time.Hour)
		}))
	_, err := c.Agents.Get(ctx, "agt_1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !client.IsCode(err, dialtone.CodeServiceUnavailable) {
		t.Errorf("err = %v, want it to carry the last answer too", err)
	}
	if len(f.requests()) != 1 || waits != 1 {
		t.Errorf("%d attempts, %d waits; want 1 and 1", len(f.requests()), waits)
	}
}

func TestContextCancelledDuringRequestIsNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done() // the client hangs up
	})
	s := &sleeper{}
	_, err := retrying(f.URL, s).Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("A")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(f.requests()) != 1 || len(s.recorded()) != 0 {
		t.Errorf("%d attempts, waits %v; want 1 attempt and no wait", len(f.requests()), s.recorded())
	}
}

func TestRetryConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &sleeper{}
	_, err = retrying("http://"+addr, s).Agents.Get(context.Background(), "agt_1")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if len(s.recorded()) != 2 {
		t.Errorf("waits = %v, want 2 (3 attempts)", s.recorded())
	}
}

func TestRetryConnectionDropped(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0) // reset, not a clean close
				conn.Close()
			}
			return
		}
		writeAgent(w, "agt_ok")
	})
	s := &sleeper{}
	a, err := retrying(f.URL, s).Agents.Create(context.Background(), dialtone.AgentParams{Name: dialtone.Some("A")})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	reqs := f.requests()
	if a.ID != "agt_ok" || len(reqs) != 2 {
		t.Fatalf("agent %+v after %d attempts, want agt_ok after 2", a, len(reqs))
	}
	if reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
		t.Error("the retry after a dropped connection has another Idempotency-Key")
	}
	if len(s.recorded()) != 1 {
		t.Errorf("waits = %v, want 1: the client, not the transport, retried", s.recorded())
	}
}

func TestBackoff(t *testing.T) {
	var ceilings []time.Duration
	c := client.New("http://127.0.0.1:1", "", client.WithBackoff(100*time.Millisecond, time.Second),
		client.WithJitter(func(n time.Duration) time.Duration { ceilings = append(ceilings, n); return n / 2 }))
	for attempt := range 6 {
		if got := c.Backoff(attempt); got != ceilings[attempt]/2 {
			t.Errorf("Backoff(%d) = %v, want the jitter's draw", attempt, got)
		}
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}
	if !slices.Equal(ceilings, want) {
		t.Errorf("ceilings = %v, want %v", ceilings, want)
	}
	// The default jitter stays in [0, ceiling).
	d := client.New("http://127.0.0.1:1", "")
	for attempt := range 10 {
		ceiling := min(client.DefaultBackoffBase<<attempt, client.DefaultBackoffMax)
		if got := d.Backoff(attempt); got < 0 || got >= ceiling {
			t.Errorf("default Backoff(%d) = %v, want in [0, %v)", attempt, got, ceiling)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0, true},
	} {
		got, ok := client.RetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSleepContextStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := client.SleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("SleepContext = %v, want context.Canceled", err)
	}
	if err := client.SleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("SleepContext(1ns) = %v", err)
	}
}
