package session

import (
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
)

// outCapacity is how much agent audio a call may have queued: 8 s. A reply goroutine that
// has more to say waits for room.
const outCapacity = 400

// playoutHistory is how far back, in frames sent, a carrier's playout may lag the send clock
// and still be placed exactly (PlayoutLeg): 5.12 s.
const playoutHistory = 256

// sentLogSize is how many sent frames wait for the recorder: 1.28 s of audio. The session
// drains the log on every inbound frame.
const sentLogSize = 64

// frameTag says which piece of speech a queued frame belongs to: the utterance's number
// within the session and how many of its samples have been produced once the frame is out.
type frameTag struct {
	utterance int32
	samples   int32
}

// outQueue is the agent's outbound audio of one call: frames queued by the reply goroutine,
// taken one per tick by the shared send clock (Tick), which hands each to the carrier leg.
//
// Locks: sendMu serialises the sends to the leg (a tick's, and the first frame of a reply
// sent at once), in the order the frames leave the queue; mu guards the queue and is never
// held while the leg is called, so the session goroutine, which the leg wakes, never waits
// for a send to finish. sendMu is taken before mu.
type outQueue struct {
	leg dialtone.MediaLeg

	sendMu  sync.Mutex
	sendBuf dialtone.AudioFrame // the frame being sent, under sendMu

	mu      sync.Mutex
	frames  [outCapacity]dialtone.AudioFrame
	tags    [outCapacity]frameTag
	head, n int
	idle    bool // the last tick found nothing to send: the line is quiet
	played  frameTag
	// watch is the utterance whose first frame out is being timed, firstOut when it left
	// (zero until then).
	watch    int32
	firstOut time.Time
	// sent logs every frame handed to the leg, and sentTags what each held (zero for
	// silence), for the recorder.
	sent     [sentLogSize]dialtone.AudioFrame
	sentTags [sentLogSize]frameTag
	sentHead int64 // frames logged so far (the log holds the last sentLogSize)
	// history holds, for each of the last playoutHistory frames sent, played as it was
	// once that frame left: where the far end stands when it has heard up to that frame.
	history [playoutHistory]frameTag
	room    chan struct{}
	silence dialtone.AudioFrame
}

func newOutQueue(leg dialtone.MediaLeg) *outQueue {
	q := &outQueue{leg: leg, idle: true, room: make(chan struct{}, 1)}
	for i := range q.silence {
		q.silence[i] = 0xFF
	}
	return q
}

// Tick sends the next frame, or silence, to the leg. It runs on the shared send clock: it
// never blocks for long (two uncontended locks) and does not allocate.
func (q *outQueue) Tick(pacer.Tick) {
	q.sendMu.Lock()
	q.mu.Lock()
	full := q.n == outCapacity
	if q.n == 0 {
		q.idle = true
		q.takeLocked(&q.silence, frameTag{})
	} else {
		q.popLocked()
	}
	q.history[(q.sentHead-1)%playoutHistory] = q.played
	q.mu.Unlock()
	q.leg.Send(&q.sendBuf)
	q.sendMu.Unlock()
	if full {
		select {
		case q.room <- struct{}{}:
		default:
		}
	}
}

// popLocked takes the oldest queued frame into sendBuf (mu and sendMu held).
func (q *outQueue) popLocked() {
	q.played = q.tags[q.head]
	q.takeLocked(&q.frames[q.head], q.played)
	if q.played.utterance == q.watch && q.firstOut.IsZero() {
		q.firstOut = time.Now()
	}
	q.head = (q.head + 1) % outCapacity
	q.n--
	q.idle = false
}

// takeLocked makes f, which holds tag, the frame to send and logs it for the recorder.
func (q *outQueue) takeLocked(f *dialtone.AudioFrame, tag frameTag) {
	q.sendBuf = *f
	q.sent[q.sentHead%sentLogSize] = *f
	q.sentTags[q.sentHead%sentLogSize] = tag
	q.sentHead++
}

// push queues one frame, waiting for room while the queue is full; once stop is closed it
// queues nothing and reports false. stop is checked under the queue's lock, so a clear after
// stop was closed leaves no frame of the stopped reply behind. The first frame after the
// line went quiet leaves at once rather than at the next tick: the far end's buffer is
// empty then, so the frame only makes the reply start up to 20 ms sooner.
func (q *outQueue) push(f *dialtone.AudioFrame, tag frameTag, stop <-chan struct{}) bool {
	for {
		q.mu.Lock()
		select {
		case <-stop:
			q.mu.Unlock()
			return false
		default:
		}
		if q.n < outCapacity {
			i := (q.head + q.n) % outCapacity
			q.frames[i], q.tags[i] = *f, tag
			q.n++
			kick := q.idle && q.n == 1
			q.mu.Unlock()
			if kick {
				q.kick()
			}
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.room:
		case <-stop:
			return false
		}
	}
}

// kick sends the oldest queued frame now if the line is still quiet (no tick took it since).
func (q *outQueue) kick() {
	q.sendMu.Lock()
	defer q.sendMu.Unlock()
	q.mu.Lock()
	if !q.idle || q.n == 0 {
		q.mu.Unlock()
		return
	}
	q.popLocked()
	q.mu.Unlock()
	q.leg.Send(&q.sendBuf)
}

// watchUtterance starts timing when the first frame of utterance u leaves.
func (q *outQueue) watchUtterance(u int32) {
	q.mu.Lock()
	q.watch, q.firstOut = u, time.Time{}
	q.mu.Unlock()
}

// firstOutTime returns when the first frame of the watched utterance left, or zero.
func (q *outQueue) firstOutTime() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.firstOut
}

// clear drops every queued frame (barge-in) and returns the position of the last frame that
// was played: the last sent, or, when the carrier has not played the last unplayed frames
// sent (PlayoutLeg), the last one before them. The next tick sends silence.
func (q *outQueue) clear(unplayed int) frameTag {
	q.mu.Lock()
	q.head, q.n = 0, 0
	p := q.played
	if back := int64(min(unplayed, playoutHistory-1)); back > 0 && q.sentHead > back {
		p = q.history[(q.sentHead-1-back)%playoutHistory]
	}
	q.mu.Unlock()
	select {
	case q.room <- struct{}{}:
	default:
	}
	return p
}

// state returns how many frames are queued and the position of the last frame played.
func (q *outQueue) state() (queued int, played frameTag) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n, q.played
}

// copySent copies into dst, oldest first, the frames sent from slot from on (counted on the
// agent's timeline), and into tags what each held, and returns the slot of dst[0] and how
// many it copied. Frames that left the log before they were copied are skipped.
func (q *outQueue) copySent(from int64, dst *[sentLogSize]dialtone.AudioFrame, tags *[sentLogSize]frameTag) (first int64, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	from = max(from, q.sentHead-sentLogSize)
	for s := from; s < q.sentHead; s++ {
		dst[n], tags[n] = q.sent[s%sentLogSize], q.sentTags[s%sentLogSize]
		n++
	}
	return from, n
}
