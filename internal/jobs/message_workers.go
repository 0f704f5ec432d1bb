package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone/internal/core"
)

// Defaults of the messaging queues.
const (
	// DefaultMessageWorkers is how many send jobs one process runs at once. Most of them
	// wait for their number's send slot (at most about six seconds), so the number is high.
	DefaultMessageWorkers = 1000
	// DefaultReplyWorkers is how many agent replies one process asks brains for at once.
	DefaultReplyWorkers = 50
	// replyJobTimeout bounds a reply: the time a brain has to answer a text plus time to
	// store the answer.
	replyJobTimeout = core.SMSReplyTimeout + 10*time.Second
)

// messageSendWorker works core.MessageSendJob: it waits for the message's slot and sends it.
type messageSendWorker struct {
	river.WorkerDefaults[core.MessageSendJob]
	svc *core.Messages
}

// Work sends the message; an error (the database failed) runs the job again later, which
// never sends a message twice.
func (w *messageSendWorker) Work(ctx context.Context, job *river.Job[core.MessageSendJob]) error {
	return w.svc.Deliver(ctx, job.Args)
}

// Timeout bounds one run: the wait for the slot and the carrier's answer.
func (w *messageSendWorker) Timeout(*river.Job[core.MessageSendJob]) time.Duration {
	return core.MessageSendTimeout()
}

// messageReplyWorker works core.MessageReplyJob: the agent answers an inbound message.
type messageReplyWorker struct {
	river.WorkerDefaults[core.MessageReplyJob]
	svc *core.Messages
}

// Work asks the agent and queues its answer; it runs once (a reply sent late is worse than
// none, and a brain's failure already falls back to the agent's fallback line).
func (w *messageReplyWorker) Work(ctx context.Context, job *river.Job[core.MessageReplyJob]) error {
	return w.svc.Reply(ctx, job.Args)
}

// Timeout bounds one reply.
func (w *messageReplyWorker) Timeout(*river.Job[core.MessageReplyJob]) time.Duration {
	return replyJobTimeout
}
