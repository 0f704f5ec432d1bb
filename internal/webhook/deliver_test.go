package webhook_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/netguard"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// fakeResolver maps host names to addresses; other names do not resolve.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

var testResolver = fakeResolver{
	"hooks.example.com":    {netip.MustParseAddr("127.0.0.1")},
	"metadata.example.com": {netip.MustParseAddr("169.254.169.254")},
	"mixed.example.com":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")},
}

// receiver is a loopback test server that counts the connections it accepts.
type receiver struct {
	*httptest.Server
	conns atomic.Int64
}

func newReceiver(t *testing.T, h http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(h)
	r.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.Start()
	t.Cleanup(r.Close)
	return r
}

// port is the receiver's port.
func (r *receiver) port() string {
	_, port, _ := net.SplitHostPort(r.Listener.Addr().String())
	return port
}

// deliverer sends through GuardedTransport with the given policy and testResolver.
func deliverer(allowPrivate bool) *webhook.Deliverer {
	return &webhook.Deliverer{
		Client:    &http.Client{Transport: webhook.GuardedTransport(netguard.Policy{AllowHTTP: true, AllowPrivate: allowPrivate}, testResolver)},
		UserAgent: "Dialtone/test",
		Now:       func() time.Time { return time.Unix(1763900000, 0) },
	}
}

const (
	secretNew = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3"
	secretOld = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9s"
)

func TestDeliverSignedRotation(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"call.ended"}`)
	type seen struct {
		h    http.Header
		body []byte
	}
	got := make(chan seen, 1)
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		got <- seen{req.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	})
	a := deliverer(true).Deliver(context.Background(), r.URL+"/hooks", []string{secretNew, secretOld}, "msg_1", body)
	if a.Outcome != webhook.Delivered || a.Status != 204 || a.Error != "" || a.Latency <= 0 {
		t.Fatalf("attempt %+v", a)
	}
	s := <-got
	if string(s.body) != string(body) {
		t.Fatalf("body %q", s.body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "Dialtone/test",
		webhook.HeaderID: "msg_1", webhook.HeaderTimestamp: "1763900000",
	} {
		if v := s.h.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if sigs := strings.Fields(s.h.Get(webhook.HeaderSignature)); len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") || !strings.HasPrefix(sigs[1], "v1,") {
		t.Fatalf("signatures %q", s.h.Get(webhook.HeaderSignature))
	}
	now := time.Unix(1763900030, 0)
	for _, secret := range []string{secretNew, secretOld} {
		if err := webhook.Check(s.h, webhook.Key(secret), s.body, now, 5*time.Minute); err != nil {
			t.Errorf("verify with %s: %v", secret, err)
		}
	}
	if err := webhook.Check(s.h, webhook.Key("whsec_b3RoZXI="), s.body, now, 5*time.Minute); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("another secret: %v", err)
	}

	// One secret gives one signature, and the default User-Agent is Dialtone's.
	d := deliverer(true)
	d.UserAgent = ""
	if a := d.Deliver(context.Background(), r.URL, []string{secretNew}, "msg_2", body); a.Outcome != webhook.Delivered {
		t.Fatalf("attempt %+v", a)
	}
	s = <-got
	if sig := s.h.Get(webhook.HeaderSignature); strings.Contains(sig, " ") || webhook.Check(s.h, webhook.Key(secretNew), body, now, time.Minute) != nil {
		t.Fatalf("signature %q", sig)
	}
	if ua := s.h.Get("User-Agent"); ua != webhook.DefaultUserAgent {
		t.Fatalf("default User-Agent %q", ua)
	}

	// No secret: nothing is sent.
	if a := d.Deliver(context.Background(), r.URL, nil, "msg_3", body); a.Outcome != webhook.Failed || a.Status != 0 {
		t.Fatalf("unsigned attempt %+v", a)
	}
	select {
	case s := <-got:
		t.Fatalf("unsigned message sent: %v", s.h)
	default:
	}
}

func TestDeliverStatuses(t *testing.T) {
	var redirected atomic.Int64
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/elsewhere" {
			redirected.Add(1)
			return
		}
		code, _ := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/"))
		if code == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "answer")
	})
	for _, tc := range []struct {
		code int
		want webhook.Outcome
	}{
		{200, webhook.Delivered}, {201, webhook.Delivered}, {202, webhook.Delivered}, {299, webhook.Delivered},
		{500, webhook.Retry}, {502, webhook.Retry}, {503, webhook.Retry}, {429, webhook.Retry}, {408, webhook.Retry},
		{302, webhook.Retry}, {301, webhook.Retry}, {304, webhook.Retry},
		{400, webhook.Failed}, {401, webhook.Failed}, {403, webhook.Failed}, {404, webhook.Failed}, {422, webhook.Failed},
		{410, webhook.Gone},
	} {
		a := deliverer(true).Deliver(context.Background(), r.URL+"/"+strconv.Itoa(tc.code), []string{secretNew}, "msg_1", []byte("{}"))
		wantErr := "HTTP " + strconv.Itoa(tc.code)
		if tc.want == webhook.Delivered {
			wantErr = ""
		}
		if a.Outcome != tc.want || a.Status != tc.code || a.Error != wantErr {
			t.Errorf("HTTP %d: %+v, want %s %q", tc.code, a, tc.want, wantErr)
		}
	}
	if n := redirected.Load(); n != 0 {
		t.Fatalf("a redirect was followed %d times", n)
	}
}

func TestDeliverTimeout(t *testing.T) {
	release := make(chan struct{})
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	defer close(release)
	d := deliverer(true)
	d.Timeout = 100 * time.Millisecond
	a := d.Deliver(context.Background(), r.URL, []string{secretNew}, "msg_1", []byte("{}"))
	if a.Outcome != webhook.Retry || a.Status != 0 || a.Error != "timeout after 100ms" {
		t.Fatalf("attempt %+v", a)
	}
}

func TestDeliverCanceled(t *testing.T) {
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := deliverer(true).Deliver(ctx, r.URL, []string{secretNew}, "msg_1", []byte("{}"))
	if a.Outcome != webhook.Retry || a.Error != "canceled" {
		t.Fatalf("attempt %+v", a)
	}
}

// countingConn counts the bytes read from a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestDeliverReadsAtMost64KiB(t *testing.T) {
	const size = 10 << 20
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		defer wg.Done()
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(http.StatusOK)
		chunk := make([]byte, 32<<10)
		for written.Load() < size {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	tr := webhook.GuardedTransport(netguard.Policy{AllowHTTP: true, AllowPrivate: true}, testResolver)
	var read atomic.Int64
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &read}, nil
	}
	d := deliverer(true)
	d.Client = &http.Client{Transport: tr}
	a := d.Deliver(context.Background(), r.URL, []string{secretNew}, "msg_1", []byte("{}"))
	if a.Outcome != webhook.Delivered || a.Status != 200 {
		t.Fatalf("attempt %+v", a)
	}
	// The body, 64 KiB of it, plus the response headers and one buffer's read-ahead.
	if n := read.Load(); n < webhook.MaxResponseBody || n > webhook.MaxResponseBody+8<<10 {
		t.Fatalf("read %d bytes from the connection, want at most about 64 KiB", n)
	}
	// The connection was closed, so the receiver stops before writing the whole body.
	wg.Wait()
	if n := written.Load(); n >= size {
		t.Fatalf("receiver wrote the whole %d bytes", n)
	}
}

func TestDeliverConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	a := deliverer(true).Deliver(context.Background(), "http://"+addr+"/hooks", []string{secretNew}, "msg_1", []byte("{}"))
	if a.Outcome != webhook.Retry || a.Status != 0 || a.Error != "connection refused" {
		t.Fatalf("attempt %+v", a)
	}
}

func TestDeliverInvalidURL(t *testing.T) {
	a := deliverer(true).Deliver(context.Background(), "http://[::1", []string{secretNew}, "msg_1", []byte("{}"))
	if a.Outcome != webhook.Failed || a.Error != "invalid URL" {
		t.Fatalf("attempt %+v", a)
	}
}

func TestGuardedTransport(t *testing.T) {
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) { w.WriteHeader(http.StatusOK) })
	p := r.port()
	for _, tc := range []struct{ url, err string }{
		{"http://127.0.0.1:" + p + "/hooks", "address not allowed: 127.0.0.1 is loopback"},
		{"http://hooks.example.com:" + p + "/hooks", "address not allowed: 127.0.0.1 is loopback"},
		{"http://metadata.example.com:" + p + "/hooks", "address not allowed: 169.254.169.254 is the cloud metadata address"},
		{"http://mixed.example.com:" + p + "/hooks", "address not allowed: 127.0.0.1 is loopback"},
		{"http://[::1]:" + p + "/hooks", "address not allowed: ::1 is loopback"},
		{"http://[::ffff:127.0.0.1]:" + p + "/hooks", "address not allowed: ::ffff:127.0.0.1 is loopback"},
		{"http://10.0.0.1:" + p + "/hooks", "address not allowed: 10.0.0.1 is private"},
		{"http://nowhere.example.com:" + p + "/hooks", "could not resolve host nowhere.example.com"},
	} {
		a := deliverer(false).Deliver(context.Background(), tc.url, []string{secretNew}, "msg_1", []byte("{}"))
		if a.Outcome != webhook.Retry || a.Status != 0 || a.Error != tc.err {
			t.Errorf("%s: %+v, want Retry %q", tc.url, a, tc.err)
		}
	}
	if n := r.conns.Load(); n != 0 {
		t.Fatalf("the receiver accepted %d connections from refused deliveries", n)
	}

	// The operator's flag lets the same destinations through, the name through the resolver.
	for _, u := range []string{"http://127.0.0.1:" + p + "/hooks", "http://hooks.example.com:" + p + "/hooks"} {
		a := deliverer(true).Deliver(context.Background(), u, []string{secretNew}, "msg_1", []byte("{}"))
		if a.Outcome != webhook.Delivered || a.Status != 200 {
			t.Errorf("%s with AllowPrivate: %+v", u, a)
		}
	}
	if n := r.conns.Load(); n == 0 {
		t.Fatal("the receiver was not reached with AllowPrivate")
	}
	if tr := webhook.GuardedTransport(netguard.Policy{}, nil); tr.Proxy != nil {
		t.Fatal("the transport takes a proxy from the environment")
	}
}
