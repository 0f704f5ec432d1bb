// Package jobs runs Dialtone's background work on River (DESIGN §6): the job client, its
// queues, and a worker per job kind. Jobs are inserted by the store in the transaction of the
// change that caused them; this package only works them.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/dialtonehq/dialtone/internal/core"
)

// Defaults of Config.
const (
	// DefaultWebhookWorkers is how many deliveries one process sends at once.
	DefaultWebhookWorkers = 200
	// fetchCooldown is the least time between two fetches of one queue.
	fetchCooldown = 2 * time.Millisecond
)

// Store is what the job client needs of the store.
type Store interface {
	// NewJobClient returns a River client working jobs in the store's database.
	NewJobClient(ctx context.Context, cfg *river.Config) (*river.Client[*sql.Tx], error)
	// JobPollInterval is how often a job client should look for jobs unprompted.
	JobPollInterval() time.Duration
}

// Config configures a Runner.
type Config struct {
	Store    Store
	Webhooks *core.WebhookDeliveries
	// Messages sends messages and answers inbound ones.
	Messages *core.Messages
	// Campaigns runs the campaign dialer.
	Campaigns *core.Campaigns
	Logger    *slog.Logger
	// WebhookWorkers bounds concurrent deliveries; 0 means DefaultWebhookWorkers.
	WebhookWorkers int
	// Time replaces River's clock (tests drive retries with a fake clock); nil is the real one.
	Time rivertype.TimeGenerator
}

// Runner works Dialtone's jobs until stopped.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// New returns a Runner that is not started.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Store == nil || cfg.Webhooks == nil || cfg.Messages == nil || cfg.Campaigns == nil {
		return nil, errors.New("jobs: Store, Webhooks, Messages and Campaigns are required")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	if err := errors.Join(
		river.AddWorkerSafely(workers, &webhookWorker{svc: cfg.Webhooks}),
		river.AddWorkerSafely(workers, &messageSendWorker{svc: cfg.Messages}),
		river.AddWorkerSafely(workers, &messageReplyWorker{svc: cfg.Messages}),
		river.AddWorkerSafely(workers, &campaignDialWorker{svc: cfg.Campaigns}),
		river.AddWorkerSafely(workers, &campaignSweepWorker{svc: cfg.Campaigns}),
	); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	n := cfg.WebhookWorkers
	if n <= 0 {
		n = DefaultWebhookWorkers
	}
	rc := &river.Config{
		Queues: map[string]river.QueueConfig{
			core.QueueWebhooks:  {MaxWorkers: n},
			core.QueueMessages:  {MaxWorkers: DefaultMessageWorkers},
			core.QueueReplies:   {MaxWorkers: DefaultReplyWorkers},
			core.QueueCampaigns: {MaxWorkers: DefaultCampaignWorkers},
		},
		PeriodicJobs:      []*river.PeriodicJob{campaignSweep()},
		Workers:           workers,
		FetchCooldown:     fetchCooldown,
		FetchPollInterval: cfg.Store.JobPollInterval(),
		Logger:            logger,
		JobTimeout:        webhookJobTimeout,
		// A job still "running" this long after it started belongs to a process that died
		// (a job never runs longer than its timeout): River hands it to another worker.
		RescueStuckJobsAfter: max(webhookJobTimeout, core.MessageSendTimeout(), replyJobTimeout) + 30*time.Second,
	}
	if cfg.Time != nil {
		rc.Test.Time = cfg.Time
	}
	client, err := cfg.Store.NewJobClient(ctx, rc)
	if err != nil {
		return nil, err
	}
	return &Runner{client: client}, nil
}

// Start starts working jobs; ctx only bounds starting.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones until ctx ends, then cancels them
// (a cancelled delivery is retried later, by this process or another).
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, r.client.StopAndCancel(cctx))
}

// Client is the River client, for tests that inspect jobs.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }
