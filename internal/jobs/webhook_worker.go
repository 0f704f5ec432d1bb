package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// webhookJobTimeout bounds one delivery job: the attempt's own timeout plus time to load and
// record it.
const webhookJobTimeout = webhook.DefaultTimeout + 20*time.Second

// webhookWorker works core.WebhookDeliveryJob: one attempt per run. River retries the job at
// the time core.WebhookRetryAt gives (the documented schedule, webhook.RetrySchedule) while
// attempts are left and the outcome is retrying; a permanent failure or a 410 cancels it.
type webhookWorker struct {
	river.WorkerDefaults[core.WebhookDeliveryJob]
	svc *core.WebhookDeliveries
}

// errRetrying fails a job whose attempt failed transiently, so that River runs it again.
var errRetrying = errors.New("delivery failed; retrying (see the endpoint's deliveries log)")

// Work makes one attempt.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[core.WebhookDeliveryJob]) error {
	retryAt := w.NextRetry(job)
	outcome, err := w.svc.Deliver(ctx, job.Args, job.Attempt, retryAt)
	if err != nil {
		return err
	}
	switch outcome {
	case dialtone.DeliveryRetrying:
		return errRetrying
	case dialtone.DeliveryFailed, dialtone.DeliveryGone:
		return river.JobCancel(errors.New("delivery failed permanently: " + outcome))
	}
	return nil
}

// NextRetry is when the job runs again after a failed attempt: the attempt's start plus the
// schedule's delay (the same time Work records as next_retry_at); zero after the last attempt.
func (w *webhookWorker) NextRetry(job *river.Job[core.WebhookDeliveryJob]) time.Time {
	if job.Attempt >= job.MaxAttempts || job.AttemptedAt == nil {
		return time.Time{}
	}
	t, _ := core.WebhookRetryAt(job.ID, job.Attempt, *job.AttemptedAt)
	return t
}

// Timeout bounds one run.
func (w *webhookWorker) Timeout(*river.Job[core.WebhookDeliveryJob]) time.Duration {
	return webhookJobTimeout
}
