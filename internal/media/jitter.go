package media

const (
	// JitterCapacity is how many frames a JitterBuffer holds: a frame can be stored if its
	// sequence number is less than JitterCapacity ahead of the next one to play.
	JitterCapacity = 32

	// MaxJitterDepth is the largest playout delay a JitterBuffer accepts, in frames.
	MaxJitterDepth = JitterCapacity / 2

	// jitterLateResync: after this many late frames in a row, and none accepted in between, the
	// sender's numbering has moved (a restart, or a pause that kept its numbering) and the
	// buffer starts over at the late frame.
	jitterLateResync = JitterCapacity

	// jitterIdleReset: after this many lost frames in a row with nothing buffered, the stream
	// has paused; Pop stops reporting losses and the next frame starts playout afresh.
	jitterIdleReset = JitterCapacity
)

// JitterStatus says what Pop produced for one tick.
type JitterStatus int

const (
	// JitterWaiting: there is nothing to play yet, because no frame has arrived since the
	// buffer was made, Reset or found the stream idle, or because the buffer is waiting out its
	// playout delay. The caller plays silence; this is not a loss.
	JitterWaiting JitterStatus = iota
	// JitterPlayed: dst holds the frame with the returned sequence number.
	JitterPlayed
	// JitterLost: the frame with the returned sequence number did not arrive in time. dst is
	// unchanged; the caller substitutes silence or a concealment of its own.
	JitterLost
)

// PushResult says what Push did with a frame.
type PushResult int

const (
	// PushAccepted: the frame is stored and will be played.
	PushAccepted PushResult = iota
	// PushDuplicate: a frame with this sequence number is already stored; this one is dropped.
	PushDuplicate
	// PushLate: the frame's turn has passed (it was played, or reported lost); it is dropped.
	PushLate
	// PushRestarted: the frame did not fit the buffer's window (too far ahead, or one of a long
	// run of late frames), so the buffer dropped what it held and started over at this frame,
	// with a fresh playout delay.
	PushRestarted
)

// JitterStats counts what a JitterBuffer has done since it was made.
type JitterStats struct {
	Pushed     uint64 // calls to Push
	Duplicates uint64 // frames dropped as duplicates
	Late       uint64 // frames dropped as late
	Restarts   uint64 // times playout started over: after a jump, a long late run or a pause
	Discarded  uint64 // stored frames dropped by a restart or Reset before they were played
	Played     uint64 // ticks that produced a frame
	Lost       uint64 // ticks that reported a lost frame
}

// JitterBuffer turns frames that arrive unevenly, out of order, twice or not at all into one
// frame per 20 ms tick, in sequence order.
//
// Frames are keyed by a 16-bit sequence number that increases by one per frame and wraps
// around (as in RTP); the media.chunk numbers of Twilio Media Streams truncated to 16 bits
// work too. The first frame starts playout after a delay of depth ticks, so a frame may
// arrive up to depth ticks after its turn would otherwise have come and still be played in
// order. From then on Pop yields exactly one sequence number per call, whether or not its
// frame came.
//
// The buffer is a fixed ring of JitterCapacity frames: Push copies the frame in, Pop copies it
// out, and neither allocates. When the sender starts a new stream (for RTP: a new SSRC, or a
// marker bit after silence suppression) call Reset; the buffer also recovers by itself, after
// a delay, from jumps in numbering and from pauses. A JitterBuffer is not safe for concurrent
// use; Push and Pop are normally called from the same goroutine as the 20 ms clock.
type JitterBuffer struct {
	depth   int
	started bool   // a frame has arrived since the buffer was made, Reset or went idle
	paused  bool   // the buffer went idle; the next frame counts as a restart
	wait    int    // Pops still to return JitterWaiting before playout begins
	next    uint16 // sequence number of the next frame to play
	high    uint16 // highest sequence number stored since playout (re)started
	stored  int    // frames in the ring
	lateRun int    // late frames in a row
	idleRun int    // lost frames in a row with an empty ring
	stats   JitterStats
	ring    [JitterCapacity]jitterSlot // frame with sequence number s lives at s % JitterCapacity
}

type jitterSlot struct {
	full  bool
	seq   uint16
	frame Frame
}

// NewJitterBuffer returns an empty buffer whose playout delay is depth frames, clamped to
// [0, MaxJitterDepth]. Depth 0 plays each frame at the first tick after it arrives and
// tolerates no reordering; 3 (60 ms) suits most networks.
func NewJitterBuffer(depth int) *JitterBuffer {
	return &JitterBuffer{depth: min(max(depth, 0), MaxJitterDepth)}
}

// Depth returns the playout delay in frames.
func (j *JitterBuffer) Depth() int { return j.depth }

// Len returns how many frames are stored and not yet played.
func (j *JitterBuffer) Len() int { return j.stored }

// Stats returns the counters.
func (j *JitterBuffer) Stats() JitterStats { return j.stats }

// Reset drops every stored frame and waits for a new stream. Stats are kept.
func (j *JitterBuffer) Reset() {
	j.clear()
	j.started, j.paused = false, false
}

// clear empties the ring, counting the frames dropped.
func (j *JitterBuffer) clear() {
	if j.stored > 0 {
		for i := range j.ring {
			j.ring[i].full = false
		}
		j.stats.Discarded += uint64(j.stored)
		j.stored = 0
	}
	j.lateRun, j.idleRun = 0, 0
}

// start begins playout at seq after the playout delay.
func (j *JitterBuffer) start(seq uint16) {
	j.clear()
	j.started, j.paused, j.wait, j.next, j.high = true, false, j.depth, seq, seq
}

// Push stores a copy of frame f with sequence number seq.
func (j *JitterBuffer) Push(seq uint16, f *Frame) PushResult {
	j.stats.Pushed++
	result := PushAccepted
	switch ahead := int16(seq - j.next); {
	case !j.started:
		if j.paused {
			j.stats.Restarts++
		}
		j.start(seq)
	case ahead >= JitterCapacity:
		j.stats.Restarts++
		j.start(seq)
		result = PushRestarted
	case ahead < 0 && j.wait > 0 && int(int16(j.high-seq)) <= j.depth:
		// Still waiting out the playout delay: a frame that was overtaken by the first one
		// moves the start back, as long as everything stored stays within the delay.
		j.next = seq
	case ahead < 0:
		j.lateRun++
		if j.lateRun < jitterLateResync {
			j.stats.Late++
			return PushLate
		}
		j.stats.Restarts++
		j.start(seq)
		result = PushRestarted
	}
	s := &j.ring[seq%JitterCapacity]
	if s.full && s.seq == seq {
		j.stats.Duplicates++
		return PushDuplicate
	}
	s.full, s.seq, s.frame = true, seq, *f
	j.stored++
	j.lateRun = 0
	if int16(seq-j.high) > 0 {
		j.high = seq
	}
	return result
}

// Pop is called once per tick. It copies the next frame in sequence into dst and returns its
// sequence number with JitterPlayed, or returns the sequence number with JitterLost if that
// frame has not arrived (leaving dst unchanged), or JitterWaiting (sequence number 0) while
// there is nothing to play yet.
func (j *JitterBuffer) Pop(dst *Frame) (uint16, JitterStatus) {
	if !j.started {
		return 0, JitterWaiting
	}
	if j.wait > 0 {
		j.wait--
		return 0, JitterWaiting
	}
	seq := j.next
	j.next++
	s := &j.ring[seq%JitterCapacity]
	if s.full && s.seq == seq {
		*dst = s.frame
		s.full = false
		j.stored--
		j.idleRun = 0
		j.stats.Played++
		return seq, JitterPlayed
	}
	j.stats.Lost++
	j.idleRun++
	if j.stored > 0 {
		j.idleRun = 0
	} else if j.idleRun >= jitterIdleReset {
		j.started, j.paused = false, true
	}
	return seq, JitterLost
}
