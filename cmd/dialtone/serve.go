package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/api"
	sandboxcarrier "github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
	"github.com/dialtonehq/dialtone/internal/config"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/jobs"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/secretbox"
	"github.com/dialtonehq/dialtone/internal/session"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
)

func newServeCommand() *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Dialtone server",
		Long: "Run the Dialtone server. Migrations run on start. On an empty database it creates the\n" +
			"first organization and an admin API key and prints the key once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			return serve(cmd.Context(), &cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	config.BindServer(cmd.Flags(), &cfg)
	return cmd
}

// serve runs the server until ctx is cancelled (SIGINT or SIGTERM), then drains in-flight
// requests for up to 30 seconds.
func serve(ctx context.Context, cfg *config.Config, stdout, stderr io.Writer) error {
	srv, err := startServer(ctx, cfg, newLogger(cfg.LogFormat, stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Dialtone %s listening on %s (database: %s)\n", version, srv.base, srv.store.Dialect())
	if srv.created {
		fmt.Fprintf(stdout, "\nCreated the first organization and an admin API key. It is shown only this once:\n\n"+
			"  %s\n\nTry it:\n\n  curl -H 'Authorization: Bearer %s' %s/v1/organization\n\n",
			srv.credential, srv.credential, srv.base)
	} else {
		fmt.Fprintf(stdout, "Using the existing database; its admin key was printed when it was created.\n"+
			"Make another with: dialtone keys create --org <org_id>   (dialtone keys list shows the org ids)\n")
	}
	select {
	case err := <-srv.errc:
		srv.stop(context.Background())
		return err
	case <-ctx.Done():
	}
	srv.log.Info("shutting down: draining in-flight requests")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.stop(shutdown); err != nil {
		return err
	}
	srv.log.Info("stopped")
	return nil
}

// server is a running Dialtone server: the API on its listener, the call dispatcher, the
// media clock and the periodic jobs.
type server struct {
	log        *slog.Logger
	store      *sqlstore.Store
	svc        *core.Services
	base       string // http://host:port
	created    bool   // the database was new: credential is its first admin key
	credential string
	http       *http.Server
	errc       chan error // the HTTP server's end
	clock      *pacer.Pacer
	jobs       *jobs.Runner
	cancel     context.CancelFunc // stops the dispatcher and the jobs
	dispatched chan struct{}
}

// startServer opens the database, wires every service and starts serving on cfg.Addr.
func startServer(ctx context.Context, cfg *config.Config, log *slog.Logger) (*server, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &server{log: log, store: st, errc: make(chan error, 1), dispatched: make(chan struct{})}
	ok := false
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer func() {
		if !ok {
			ln.Close()
			if s.clock != nil {
				_ = s.clock.Stop(context.Background())
			}
			if s.jobs != nil {
				_ = s.jobs.Stop(context.Background())
			}
			st.Close()
		}
	}()
	s.base = "http://" + ln.Addr().String()
	public := cmp.Or(cfg.PublicURL, s.base)
	secrets, err := openSecrets(cfg)
	if err != nil {
		return nil, err
	}
	voices := voiceCatalog()
	// --sandbox-time-scale speeds up the media clock too: a conversation counts its time in
	// frames, so it plays out the same, faster.
	s.clock, err = pacer.New(pacer.Config{Interval: max(time.Millisecond, time.Duration(float64(pacer.Interval)*cfg.SandboxTimeScale))})
	if err != nil {
		return nil, err
	}
	recordings := cfg.RecordingsDir
	if recordings == "" {
		recordings = filepath.Join(cfg.DataDir, "recordings")
	}
	engine, err := session.New(session.Config{Pacer: s.clock, RecordingsDir: recordings, Version: version, Logger: log})
	if err != nil {
		return nil, err
	}
	tw := twilio.New(twilio.Options{PublicURL: public, BaseURL: cfg.TwilioAPIURL, Logger: log})
	s.svc = core.New(st, voices, core.Options{
		Secrets:          secrets,
		Carriers:         []dialtone.Carrier{&sandboxcarrier.Carrier{TimeScale: cfg.SandboxTimeScale}},
		ImportCarriers:   []dialtone.ImportCarrier{tw},
		MaxNumbersPerOrg: cfg.MaxNumbersPerOrg,
		Webhooks: core.WebhookOptions{AllowHTTP: cfg.AllowHTTPWebhooks, AllowPrivate: cfg.AllowPrivateWebhooks,
			UserAgent: "Dialtone/" + version},
		EventRetention: time.Duration(cfg.EventRetentionDays) * 24 * time.Hour,
		Prices: dialtone.Prices{NumberMonthlyMicros: cfg.PriceNumberMonthlyMicros,
			OutboundMinuteMicros: cfg.PriceOutboundMinuteMicros, InboundMinuteMicros: cfg.PriceInboundMinuteMicros,
			OutboundSegmentMicros: cfg.PriceOutboundSegmentMicros, InboundSegmentMicros: cfg.PriceInboundSegmentMicros},
		Calls: core.CallOptions{MaxConcurrent: cfg.MaxConcurrentCalls, MaxQueued: cfg.MaxQueuedCalls,
			TimeScale: cfg.SandboxTimeScale, Logger: log, Conversations: engine, RecordingPath: engine.RecordingPath},
		Messages: core.MessageOptions{Responder: engine.Responder, Logger: log},
	})
	key, created, err := s.svc.Organizations.Bootstrap(ctx)
	if err != nil {
		return nil, fmt.Errorf("create the first organization: %w", err)
	}
	s.created, s.credential = created, key.Credential
	tw.Attach(s.svc.Ingress)
	s.jobs, err = jobs.New(ctx, jobs.Config{Store: st, Webhooks: s.svc.Webhooks, Messages: s.svc.Messages, Campaigns: s.svc.Campaigns, Logger: riverLogger(log)})
	if err != nil {
		return nil, err
	}
	if err := s.jobs.Start(ctx); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		mediaCollector{engine: engine, clock: s.clock})
	handler := api.New(api.Options{
		Services: s.svc, Voices: voices, Logger: log, Registry: reg, PublicURL: public,
		ReadsPerMinute: cfg.ReadsPerMinute, WritesPerMinute: cfg.WritesPerMinute, Version: version,
		Carriers: map[string]http.Handler{"/twilio/": tw.Handler()},
	})
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { s.errc <- s.http.Serve(ln) }()

	background, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go periodically(background, time.Hour, log, "swept expired idempotency records", s.svc.Idempotency.Sweep)
	go periodically(background, time.Hour, log, "deleted events past their retention", s.svc.Events.Sweep)
	go periodically(background, time.Hour, log, "charged monthly number rentals", func(ctx context.Context) (int64, error) {
		n, err := s.svc.PhoneNumbers.ChargeRentals(ctx)
		return int64(n), err
	})
	go func() { defer close(s.dispatched); s.svc.Calls.Run(background) }()
	ok = true
	return s, nil
}

// stop drains in-flight requests (until ctx ends), ends the calls this server holds, stops
// the jobs (a delivery still running when ctx ends is cancelled and retried later), the media
// clock, and closes the database.
func (s *server) stop(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	s.cancel()
	<-s.dispatched
	if jerr := s.jobs.Stop(ctx); jerr != nil {
		s.log.Warn("stop jobs", "error", jerr)
	}
	_ = s.clock.Stop(context.Background())
	s.store.Close()
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-s.errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openSecrets returns the box sealing users' secrets: under --secret-key, or else under the
// key file in the data directory (created on first start).
func openSecrets(cfg *config.Config) (*secretbox.Box, error) {
	var key []byte
	var err error
	if cfg.SecretKey != "" {
		key, err = secretbox.ParseKey(cfg.SecretKey)
	} else {
		key, err = secretbox.LoadOrCreateKey(cfg.DataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return secretbox.New(key)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// periodically runs job now and then every interval until ctx ends, logging what it did
// (done, with the count it returns) and its failures.
func periodically(ctx context.Context, every time.Duration, log *slog.Logger, done string, job func(context.Context) (int64, error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := job(ctx); err != nil && ctx.Err() == nil {
			log.Warn("periodic job failed", "job", done, "error", err)
		} else if n > 0 {
			log.Info(done, "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// voiceCatalog is the voices this server offers: the sandbox tone voices, and espeak-ng's
// when it is installed.
func voiceCatalog() dialtone.VoiceCatalog {
	if espeak.Available() {
		return speech.Catalogs{sandbox.Voices{}, espeak.Voices{}}
	}
	return sandbox.Voices{}
}

// riverLogger is the logger River logs through: warnings and errors only, since every
// delivery attempt, failed or not, is in the deliveries log already.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn})
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
