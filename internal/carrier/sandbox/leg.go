package sandbox

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
)

// Buffer sizes of a Leg.
const (
	// legAgentBuffer is how many agent frames wait for the person goroutine before Send drops.
	legAgentBuffer = 256
	// legInboundBuffer is how many person frames wait on Inbound before Send drops.
	legInboundBuffer = 64
)

// Leg is the audio of one sandbox call: a dialtone.MediaLeg whose far end is a simulated
// person (or a voicemail box) run by its own goroutine.
//
// A Leg is lockstep with the agent: every Send hands the agent's frame to the person and
// puts exactly one frame on Inbound, the next one the person queued to say or µ-law silence.
// The call's timeline is therefore counted in frames sent, not in wall time. Send never
// blocks and never allocates.
//
// The leg closes when the person hangs up, when the carrier hangs up or transfers the call,
// or when the context it was started with ends: Inbound is closed once, Send reports false
// from then on, and the person goroutine exits (Done is closed).
type Leg struct {
	callID string
	agent  chan dialtone.AudioFrame // agent frames for the person goroutine; never closed
	in     chan dialtone.AudioFrame // the person's frames, for the engine
	stop   chan struct{}            // closed by close
	done   chan struct{}            // closed when the person goroutine has exited
	// stepped, when not nil (tests), receives a value after the person goroutine has
	// handled each agent frame, so a test can run in exact lockstep.
	stepped chan struct{}

	mu     sync.Mutex
	closed bool
	queue  []dialtone.AudioFrame // frames the person will say, from head on
	head   int
	// queued is len(queue) - head, readable without mu: the person goroutine, woken by every
	// Send, checks it without waiting for the Send that woke it to let go of mu.
	queued     atomic.Int64
	agentDrops int
	inDrops    int

	recMu     sync.Mutex
	heard     []string // the agent's utterances the person decoded, in order
	said      []string // what the person said, in order
	transfers []string // numbers the call was transferred to
}

var _ dialtone.MediaLeg = (*Leg)(nil)

// LegStats counts the frames a Leg dropped.
type LegStats struct {
	AgentDropped   int // agent frames the person never heard (its buffer was full)
	InboundDropped int // person frames the engine never got (Inbound was full)
}

// newLeg returns an open leg; with lockstep (tests) its person goroutine signals stepped
// after each agent frame.
func newLeg(callID string, lockstep bool) *Leg {
	l := &Leg{
		callID: callID,
		agent:  make(chan dialtone.AudioFrame, legAgentBuffer),
		in:     make(chan dialtone.AudioFrame, legInboundBuffer),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if lockstep {
		l.stepped = make(chan struct{})
	}
	return l
}

// Inbound delivers the person's audio, one frame per Send; it is closed when the leg closes.
func (l *Leg) Inbound() <-chan dialtone.AudioFrame { return l.in }

// Send hands the person one frame of the agent's audio and puts the person's next frame on
// Inbound. It reports false when the leg is closed (nothing happens then) or when the person
// could not take the agent's frame (its buffer was full; the person's frame still goes out).
func (l *Leg) Send(f *dialtone.AudioFrame) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	// The person's frame for this tick is taken before the agent's frame wakes the person,
	// so that the person, hearing frame k, already sees its queue as it is after tick k.
	var out dialtone.AudioFrame
	if l.head < len(l.queue) {
		out = l.queue[l.head]
		l.head++
		l.queued.Add(-1)
		if l.head == len(l.queue) {
			l.queue, l.head = l.queue[:0], 0
		}
	} else {
		media.SilenceFrame((*media.Frame)(&out))
	}
	ok := true
	select {
	case l.agent <- *f:
	default:
		l.agentDrops++
		ok = false
	}
	select {
	case l.in <- out:
	default:
		l.inDrops++
	}
	return ok
}

// Clear does nothing: the sandbox network never buffers the agent's audio.
func (*Leg) Clear() {}

// Done is closed once the leg has closed and its person goroutine has exited.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Stats returns the leg's drop counters.
func (l *Leg) Stats() LegStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LegStats{AgentDropped: l.agentDrops, InboundDropped: l.inDrops}
}

// Heard returns the agent's utterances the far end decoded so far, in order.
func (l *Leg) Heard() []string {
	l.recMu.Lock()
	defer l.recMu.Unlock()
	return append([]string(nil), l.heard...)
}

// Said returns what the far end said so far (its texts, in order; keys and noise excluded).
func (l *Leg) Said() []string {
	l.recMu.Lock()
	defer l.recMu.Unlock()
	return append([]string(nil), l.said...)
}

func (l *Leg) record(to *[]string, s string) {
	l.recMu.Lock()
	*to = append(*to, s)
	l.recMu.Unlock()
}

// enqueue queues frames for the person to say, after those already queued.
func (l *Leg) enqueue(frames []dialtone.AudioFrame) {
	l.mu.Lock()
	l.queue = append(l.queue, frames...)
	l.queued.Add(int64(len(frames)))
	l.mu.Unlock()
}

// drained reports whether every frame queued so far has been sent.
func (l *Leg) drained() bool { return l.queued.Load() == 0 }

// close closes the leg (Inbound, and the person's stop signal) once; it reports whether
// this call closed it.
func (l *Leg) close() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.closed = true
	l.queue, l.head = nil, 0
	l.queued.Store(0)
	close(l.in)
	close(l.stop)
	return true
}

// run plays p on the leg until the person hangs up, ctx ends or the leg is closed; it closes
// the leg and Done before returning. hangUp is called (from this goroutine) when the person
// hangs up, after the leg closed.
func (l *Leg) run(ctx context.Context, p *person, hangUp func()) {
	defer close(l.done)
	defer l.close()
	if p.start() {
		l.close()
		hangUp()
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.stop:
			return
		case f := <-l.agent:
			if p.hear(&f) {
				l.close()
				hangUp()
				return
			}
			if l.stepped != nil {
				select {
				case l.stepped <- struct{}{}:
				case <-l.stop:
				case <-ctx.Done():
				}
			}
		}
	}
}
