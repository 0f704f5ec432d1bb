// Package apitest starts the real Dialtone API server on a loopback port over a real database,
// for tests of the API, the SDK and the benchmarks.
package apitest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/api"
	carrier "github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/jobs"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/netguard"
	"github.com/dialtonehq/dialtone/internal/secretbox"
	"github.com/dialtonehq/dialtone/internal/session"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// Env is a running server.
type Env struct {
	URL      string // http://127.0.0.1:port
	Admin    string // credential of the bootstrap organization's admin key
	OrgID    string // the bootstrap organization
	Store    *sqlstore.Store
	Services *core.Services
	Server   *api.Server
	Engine   *session.Engine
	Carrier  *carrier.Carrier // the sandbox carrier: what its simulated people heard
	Jobs     *jobs.Runner     // nil with Options.NoJobs
	Twilio   *twilio.Carrier  // nil without Options.TwilioAPIURL
}

// Options tunes the server; zero values are the server's defaults.
type Options struct {
	ReadsPerMinute, WritesPerMinute int
	IdempotencyWait                 time.Duration
	MaxNumbersPerOrg                int
	Prices                          dialtone.Prices
	// MaxConcurrentCalls and MaxQueuedCalls cap each organization's calls.
	MaxConcurrentCalls, MaxQueuedCalls int
	// TimeScale compresses the time of simulated calls and of call timers; 0 means 1.
	TimeScale float64
	// NoDispatch leaves queued calls in the queue: the dispatcher does not run.
	NoDispatch bool
	// FrameInterval is the period of the media send clock; default 20 ms scaled by TimeScale,
	// at least 1 ms. Every timing of a conversation is counted in frames, so a shorter period
	// runs conversations faster without changing what happens in them.
	FrameInterval time.Duration
	// Engine replaces the conversation engine's configuration (Pacer and RecordingsDir are
	// filled in when unset).
	Engine session.Config
	// Webhooks configure webhook endpoints; a nil Resolver means Resolver{} (no real DNS).
	Webhooks core.WebhookOptions
	// Clock, when set, is the time of the services and of the job runner (River), so that a
	// test moves time forward by hand; nil is the real clock.
	Clock *Clock
	// NoJobs leaves jobs (webhook deliveries) unworked: the job runner does not run.
	NoJobs bool
	// TwilioAPIURL enables the Twilio carrier, talking to Twilio's REST API at this URL (a
	// twiliotest fake); its webhooks are served under /twilio/ and signed over the server's URL.
	TwilioAPIURL string
	// TwilioTimeout bounds each request to Twilio's REST API; 0 is the carrier's default.
	TwilioTimeout time.Duration
	// Logger receives the services' and the server's logs; nil discards them.
	Logger *slog.Logger
}

// Clock is a fake clock a test moves by hand; it is safe for concurrent use. It is also a
// River time generator, so River schedules retries on it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC().Truncate(time.Microsecond)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NowOrNil returns the clock's time (River's TimeGenerator: a stubbed time is never nil).
func (c *Clock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC().Truncate(time.Microsecond)
}

// Resolver is a fake DNS for webhook endpoint hosts, so that tests never query real DNS: a
// name it lists resolves to its addresses, "localhost" to 127.0.0.1 and ::1, a name ending in
// ".invalid" to nothing, and any other name to 93.184.216.34, a public address.
type Resolver map[string][]netip.Addr

// LookupNetIP implements netguard.Resolver.
func (r Resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	switch addrs, ok := r[host]; {
	case ok:
		return addrs, nil
	case host == "localhost":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	case strings.HasSuffix(host, ".invalid"):
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

// Start runs the server over a fresh database of dialect ("sqlite" or "postgres"); it stops
// when the test ends.
func Start(t testing.TB, dialect string, opts Options) *Env {
	t.Helper()
	st := sqltest.Open(t, dialect)
	voices := sandbox.Voices{}
	box, err := secretbox.New([]byte("apitest-secret-key-32-bytes-long"))
	if err != nil {
		t.Fatal(err)
	}
	engine := startEngine(t, opts)
	sb := &carrier.Carrier{TimeScale: opts.TimeScale}
	if opts.Clock != nil {
		sb.Now = opts.Clock.Now
	}
	if opts.Webhooks.Resolver == nil {
		opts.Webhooks.Resolver = Resolver{}
	}
	if opts.Webhooks.Deliverer == nil {
		opts.Webhooks.Deliverer = localDeliverer(opts.Webhooks)
	}
	var now func() time.Time
	if opts.Clock != nil {
		now = opts.Clock.Now
		if err := st.UseJobClock(opts.Clock); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	var tw *twilio.Carrier
	var imports []dialtone.ImportCarrier
	carriers := map[string]http.Handler{}
	if opts.TwilioAPIURL != "" {
		tw = twilio.New(twilio.Options{PublicURL: base, BaseURL: opts.TwilioAPIURL, Timeout: opts.TwilioTimeout, Logger: opts.Logger})
		imports = append(imports, tw)
		carriers["/twilio/"] = tw.Handler()
	}
	svc := core.New(st, voices, core.Options{
		ImportCarriers:   imports,
		Now:              now,
		Secrets:          box,
		IdempotencyWait:  opts.IdempotencyWait,
		Carriers:         []dialtone.Carrier{sb},
		MaxNumbersPerOrg: opts.MaxNumbersPerOrg,
		Prices:           opts.Prices,
		Webhooks:         opts.Webhooks,
		Calls: core.CallOptions{MaxConcurrent: opts.MaxConcurrentCalls, MaxQueued: opts.MaxQueuedCalls,
			TimeScale: opts.TimeScale, Conversations: engine, RecordingPath: engine.RecordingPath, Logger: opts.Logger},
		Messages: core.MessageOptions{Responder: engine.Responder, Logger: opts.Logger},
	})
	if tw != nil {
		tw.Attach(svc.Ingress)
	}
	if !opts.NoDispatch {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); svc.Calls.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	var runner *jobs.Runner
	if !opts.NoJobs {
		runner = startJobs(t, st, svc, opts.Clock)
	}
	key, ok, err := svc.Organizations.Bootstrap(context.Background())
	if err != nil || !ok {
		t.Fatalf("bootstrap: ok=%v err=%v", ok, err)
	}
	srv := api.New(api.Options{Services: svc, Voices: voices, PublicURL: base, Logger: opts.Logger,
		ReadsPerMinute: opts.ReadsPerMinute, WritesPerMinute: opts.WritesPerMinute, Version: "test", Carriers: carriers})
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return &Env{URL: ts.URL, Admin: key.Credential, OrgID: key.OrganizationID, Store: st, Services: svc, Server: srv,
		Engine: engine, Carrier: sb, Jobs: runner, Twilio: tw}
}

// startEngine starts the send clock and the conversation engine; the clock stops when the
// test ends, after the dispatcher (which ends the calls still up).
func startEngine(t testing.TB, opts Options) *session.Engine {
	t.Helper()
	interval := opts.FrameInterval
	if interval == 0 {
		scale := opts.TimeScale
		if scale <= 0 {
			scale = 1
		}
		interval = max(time.Millisecond, time.Duration(float64(pacer.Interval)*scale))
	}
	cfg := opts.Engine
	if cfg.Pacer == nil {
		p, err := pacer.New(pacer.Config{Interval: interval})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop(context.Background()) })
		cfg.Pacer = p
	}
	if cfg.RecordingsDir == "" {
		cfg.RecordingsDir = t.TempDir()
	}
	cfg.Version = cmp.Or(cfg.Version, "test")
	e, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Key creates a key with role in organization orgID and returns its credential.
func (e *Env) Key(t testing.TB, orgID string, role dialtone.Role, operator bool) string {
	t.Helper()
	k := e.Services.Keys.NewKey(orgID, "test "+string(role), role, operator)
	if err := e.Store.InsertKey(context.Background(), k); err != nil {
		t.Fatalf("insert key: %v", err)
	}
	return k.Credential
}

// Org creates another (postpaid) organization with an admin key and returns its id and the
// credential.
func (e *Env) Org(t testing.TB, name string) (orgID, admin string) {
	t.Helper()
	return e.OrgMode(t, name, dialtone.BillingPostpaid)
}

// OrgMode creates another organization with the given billing mode and an admin key, and
// returns its id and the credential.
func (e *Env) OrgMode(t testing.TB, name string, mode dialtone.BillingMode) (orgID, admin string) {
	t.Helper()
	org, k := e.Services.Organizations.New(name, "admin", dialtone.RoleAdmin, false)
	org.BillingMode = mode
	if err := e.Store.CreateOrganization(context.Background(), org, k); err != nil {
		t.Fatalf("create organization: %v", err)
	}
	return org.ID, k.Credential
}

// MaxLive returns the largest number of calls live at one instant, a call being live from
// its dialed_at to its ended_at; every call must have both. At equal instants an end counts
// before a start: the ending call freed its line before the next one took it.
func MaxLive(t testing.TB, calls []dialtone.Call) int {
	t.Helper()
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(calls))
	for _, c := range calls {
		if c.DialedAt == nil || c.EndedAt == nil {
			t.Fatalf("call %s has no dialed_at/ended_at: %+v", c.ID, c)
		}
		edges = append(edges, edge{*c.DialedAt, +1}, edge{*c.EndedAt, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	live, most := 0, 0
	for _, e := range edges {
		live += e.delta
		most = max(most, live)
	}
	return most
}

// StartJobs starts the job runner of a server started with Options.NoJobs (a server coming
// back after an outage, for its jobs); it stops when the test ends.
func (e *Env) StartJobs(t testing.TB) {
	t.Helper()
	if e.Jobs != nil {
		t.Fatal("apitest: the job runner is already running")
	}
	e.Jobs = startJobs(t, e.Store, e.Services, nil)
}

// startJobs starts the job runner over st, on clock when it is not nil; it stops when the
// test ends.
func startJobs(t testing.TB, st *sqlstore.Store, svc *core.Services, clock *Clock) *jobs.Runner {
	t.Helper()
	cfg := jobs.Config{Store: st, Webhooks: svc.Webhooks, Messages: svc.Messages, Campaigns: svc.Campaigns}
	if clock != nil {
		cfg.Time = clock
	}
	r, err := jobs.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop jobs: %v", err)
		}
	})
	return r
}

// localDeliverer is the server's deliverer (the operator's policy, opts.Resolver) except that
// it never connects outside this machine: the fake Resolver gives unknown names a public
// address, which a test must not reach.
func localDeliverer(opts core.WebhookOptions) *webhook.Deliverer {
	tr := webhook.GuardedTransport(netguard.Policy{AllowHTTP: opts.AllowHTTP, AllowPrivate: opts.AllowPrivate}, opts.Resolver)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		addrs, err := netguard.Resolve(ctx, opts.Resolver, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if !a.IsLoopback() {
				return nil, fmt.Errorf("apitest: %s resolves to %s, and tests never connect outside this machine", host, a)
			}
		}
		return dial(ctx, network, address)
	}
	return &webhook.Deliverer{Client: &http.Client{Transport: tr}, UserAgent: opts.UserAgent}
}
