package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone/internal/core"
)

// Campaign dialer settings.
const (
	// DefaultCampaignWorkers is how many dialer turns one process runs at once (a turn is one
	// short transaction).
	DefaultCampaignWorkers = 20
	// campaignJobTimeout bounds one dialer turn.
	campaignJobTimeout = 30 * time.Second
	// sweepEvery is how often the sweep looks for active campaigns whose dialer is not armed.
	sweepEvery = 5 * time.Second
)

// campaignDialWorker works core.CampaignDialJob: one turn of a campaign's dialer.
type campaignDialWorker struct {
	river.WorkerDefaults[core.CampaignDialJob]
	svc *core.Campaigns
}

// Work runs the turn; an error (the database failed) runs it again later, which is safe: a
// turn decides from what is stored, in one transaction.
func (w *campaignDialWorker) Work(ctx context.Context, job *river.Job[core.CampaignDialJob]) error {
	return w.svc.Dial(ctx, job.Args)
}

// Timeout bounds one turn.
func (w *campaignDialWorker) Timeout(*river.Job[core.CampaignDialJob]) time.Duration {
	return campaignJobTimeout
}

// campaignSweepWorker works core.CampaignSweepJob, which River's leader inserts every
// sweepEvery.
type campaignSweepWorker struct {
	river.WorkerDefaults[core.CampaignSweepJob]
	svc *core.Campaigns
}

// Work arms the dialer of every active campaign that has none on the way.
func (w *campaignSweepWorker) Work(ctx context.Context, _ *river.Job[core.CampaignSweepJob]) error {
	return w.svc.Sweep(ctx)
}

// campaignSweep is the periodic job that inserts the sweep.
func campaignSweep() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return core.CampaignSweepJob{}, &river.InsertOpts{Queue: core.QueueCampaigns, MaxAttempts: 1}
		}, &river.PeriodicJobOpts{RunOnStart: true})
}
