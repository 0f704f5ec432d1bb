// Package api is Dialtone's native REST API (v1): the route list, the handlers that parse a
// request, call core and render the result, the middleware every request passes through, and the
// one error renderer.
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// Options configures the API server.
type Options struct {
	Services *core.Services
	Voices   dialtone.VoiceCatalog
	Logger   *slog.Logger
	// Registry receives the HTTP metrics; /metrics serves it. Nil means a new registry.
	Registry *prometheus.Registry
	// PublicURL is how clients reach this server (no trailing slash); doc_url links start
	// with it. Empty means relative links.
	PublicURL string
	// ReadsPerMinute and WritesPerMinute are each API key's rate limits (defaults 600, 120).
	ReadsPerMinute  int
	WritesPerMinute int
	// Version is reported by the OpenAPI document.
	Version string
	// Now returns the current time (default time.Now); rate limits use it.
	Now func() time.Time
	// Carriers are carriers' webhook handlers by path prefix ("/twilio/"), served as they are:
	// carriers authenticate their requests with their own signatures, not API keys.
	Carriers map[string]http.Handler
}

// Server is the HTTP API. It is an http.Handler.
type Server struct {
	opts    Options
	svc     *core.Services
	log     *slog.Logger
	mux     *http.ServeMux
	paths   *http.ServeMux // path patterns only, to tell 405 from 404
	allowed map[string][]string
	limits  *rateLimiter
	metrics *metrics
	routes  []route
}

// New returns the API server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.ReadsPerMinute <= 0 {
		opts.ReadsPerMinute = 600
	}
	if opts.WritesPerMinute <= 0 {
		opts.WritesPerMinute = 120
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	held := func() int { return 0 } // a server without services holds no calls
	if opts.Services != nil && opts.Services.Calls != nil {
		held = opts.Services.Calls.Held
	}
	s := &Server{
		opts: opts, svc: opts.Services, log: opts.Logger,
		mux: http.NewServeMux(), paths: http.NewServeMux(), allowed: map[string][]string{},
		limits:  newRateLimiter(opts.ReadsPerMinute, opts.WritesPerMinute, opts.Now),
		metrics: newMetrics(opts.Registry, held),
	}
	s.routes = s.routeList()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
		if _, seen := s.allowed[rt.Path]; !seen {
			path := rt.Path
			s.paths.HandleFunc(path, func(http.ResponseWriter, *http.Request) {})
		}
		s.allowed[rt.Path] = append(s.allowed[rt.Path], rt.Method)
	}
	s.mux.Handle("/", s.wrap(route{Route: Route{Path: "/", Public: true}, handle: s.fallback}))
	for prefix, h := range opts.Carriers {
		s.mux.Handle(prefix, h)
	}
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Routes returns the routes the server serves, for documentation and tests.
func (s *Server) Routes() []Route {
	out := make([]Route, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, rt.Route)
	}
	return out
}

// fallback answers requests no route matched: method_not_allowed when the path exists with
// other methods, route_not_found otherwise.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) error {
	if _, pattern := s.paths.Handler(r); pattern != "" {
		methods := s.allowed[pattern]
		w.Header().Set("Allow", strings.Join(methods, ", "))
		return dialtone.Errorf(dialtone.CodeMethodNotAllowed, "%s is not supported on %s; use %s.",
			r.Method, r.URL.Path, strings.Join(methods, " or ")).WithDetail("allowed_methods", methods)
	}
	return dialtone.NewError(dialtone.CodeRouteNotFound, "There is no route "+r.Method+" "+r.URL.Path+".")
}
