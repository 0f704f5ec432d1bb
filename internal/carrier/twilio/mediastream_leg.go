package twilio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
)

// Defaults of StreamLegOptions.
const (
	DefaultStartTimeout  = 10 * time.Second
	DefaultSendBuffer    = 256 // frames (5.12 s) waiting for the writer
	DefaultInboundBuffer = 64  // frames (1.28 s) waiting on Inbound
	dtmfBuffer           = 32
	markEventBuffer      = 64
)

// StreamLegOptions tunes a StreamLeg; the zero value is usable.
type StreamLegOptions struct {
	// StartTimeout bounds the wait for the connected and start messages.
	StartTimeout time.Duration
	// SendBuffer is how many agent frames (and marks) may wait for the writer before Send
	// drops.
	SendBuffer int
	// InboundBuffer is how many caller frames may wait on Inbound before the reader drops
	// them (the reader never waits for the engine, so marks, keys and stop are never late).
	InboundBuffer int
	// PlayoutEvery places a playout mark after every PlayoutEvery frames sent, so that
	// Unplayed knows what Twilio has played; 0 places none (Unplayed then reports 0).
	PlayoutEvery int
}

// StartInfo is what the start message says about the stream.
type StartInfo struct {
	StreamSID        string
	AccountSID       string
	CallSID          string
	Tracks           []string
	CustomParameters map[string]string
	MediaFormat      MediaFormat
	Protocol         string // from connected: "Call"
	Version          string // from connected: "1.0.0"
}

// MarkState is where a mark placed with StreamLeg.Mark stands.
type MarkState int

const (
	MarkUnknown MarkState = iota // never placed (or the name was reused and forgotten)
	MarkPending                  // queued or sent, not echoed yet
	MarkPlayed                   // Twilio echoed it: the audio before it was played
	MarkCleared                  // a Clear came first: the audio before it may not all have played
)

func (s MarkState) String() string {
	switch s {
	case MarkPending:
		return "pending"
	case MarkPlayed:
		return "played"
	case MarkCleared:
		return "cleared"
	}
	return "unknown"
}

// MarkEvent is a mark Twilio echoed: Played is false when the echo came because of a Clear.
type MarkEvent struct {
	Name   string
	Played bool
}

// StreamStats counts what a StreamLeg dropped or refused.
type StreamStats struct {
	InboundDropped int // caller frames lost because Inbound was full
	SendDropped    int // agent frames refused by Send (buffer full or leg closed)
	Malformed      int // messages from Twilio that failed ParseMessage (ignored)
	DTMFDropped    int // keys lost because the DTMF channel was full
}

// StreamLeg is a dialtone.MediaLeg over one Twilio Media Streams WebSocket
// (<Connect><Stream>, bidirectional).
//
// Concurrency contract:
//   - One reader goroutine owns the socket's reads. It turns media into 20 ms frames on
//     Inbound (re-framing payloads that are not 160 bytes), keys into DTMF, and mark echoes
//     into mark states and MarkEvents. It never blocks on a consumer: when a channel is full
//     the item is dropped and counted in Stats. It closes Inbound, DTMF and Marks when the
//     leg ends, and it is the only goroutine that sends on or closes them.
//   - One writer goroutine owns the socket's data writes, in the order of Send, Mark and
//     Clear calls.
//   - Send, Mark, Clear, MarkState, Played, Stats, StreamSID and Close are safe to call from
//     any goroutine. Send and Mark never block and never allocate per frame: they copy into
//     a bounded queue and wake the writer; they report false when the queue is full or the
//     leg is closed.
//   - The leg ends when Twilio sends stop, the socket fails or closes, the context given to
//     NewStreamLeg ends, or Close is called. Done is closed once both goroutines exited.
//
// Marks: place one with Mark after an utterance's last frame; Twilio echoes it once the
// audio before it has played. Clear sends clear, drops queued frames and marks (those marks
// become MarkCleared at once) and turns marks already sent into MarkCleared when Twilio
// echoes them (Twilio echoes every pending mark on clear). An echo that crosses a Clear on
// the wire is counted as cleared: the caller may have heard slightly more than reported,
// never less. Mark names should be unique per leg.
type StreamLeg struct {
	conn  *websocket.Conn
	info  StartInfo
	enc   encoder
	ctx   context.Context
	stop  context.CancelFunc
	in    chan dialtone.AudioFrame
	dtmf  chan string
	marks chan MarkEvent
	wake  chan struct{}
	done  chan struct{}

	readerDone chan struct{}
	writerDone chan struct{}

	mu        sync.Mutex
	closed    bool
	needClear bool
	queue     []queued // ring buffer
	head, n   int
	markState map[string]MarkState
	stats     StreamStats
	// Playout (Unplayed): frames Send accepted, and frames Twilio confirmed played through
	// the playout marks; marksOut holds, in order, the frame count of each playout mark
	// written and not echoed yet (-1 once a Clear discarded it).
	framesIn, framesPlayed int64
	marksOut               []int64
	playoutEvery           int64
	stopMsg                *StopPayload
	err                    error
}

type queued struct {
	frame   dialtone.AudioFrame
	mark    string // non-empty: a mark, not a frame
	playout int64  // > 0: a playout mark after this many frames
}

// playoutMark names the marks a StreamLeg places by itself every PlayoutEvery frames to learn
// how much of its audio Twilio has played (Unplayed); they are not reported on Marks.
const playoutMark = "dialtone-playout"

// DefaultPlayoutEvery is the playout mark spacing the carrier uses: 100 ms.
const DefaultPlayoutEvery = 5

var _ dialtone.PlayoutLeg = (*StreamLeg)(nil)

// NewStreamLeg reads the connected and start messages from conn (a WebSocket Twilio opened to
// us, already accepted) within opts.StartTimeout, then runs the leg until it ends (see
// StreamLeg). On error conn is closed. The leg stops when ctx ends.
func NewStreamLeg(ctx context.Context, conn *websocket.Conn, opts StreamLegOptions) (*StreamLeg, StartInfo, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.SendBuffer <= 0 {
		opts.SendBuffer = DefaultSendBuffer
	}
	if opts.InboundBuffer <= 0 {
		opts.InboundBuffer = DefaultInboundBuffer
	}
	info, err := readStart(ctx, conn, opts.StartTimeout)
	if err != nil {
		conn.Close(websocket.StatusPolicyViolation, "expected connected then start")
		return nil, StartInfo{}, err
	}
	lctx, cancel := context.WithCancel(ctx)
	l := &StreamLeg{
		conn:         conn,
		info:         info,
		ctx:          lctx,
		stop:         cancel,
		in:           make(chan dialtone.AudioFrame, opts.InboundBuffer),
		dtmf:         make(chan string, dtmfBuffer),
		marks:        make(chan MarkEvent, markEventBuffer),
		wake:         make(chan struct{}, 1),
		done:         make(chan struct{}),
		readerDone:   make(chan struct{}),
		writerDone:   make(chan struct{}),
		queue:        make([]queued, opts.SendBuffer),
		markState:    make(map[string]MarkState),
		playoutEvery: int64(opts.PlayoutEvery),
	}
	l.enc.init(info.StreamSID)
	// Reads and writes use a context without Done, which costs coder/websocket nothing per
	// message; ending the leg closes the socket instead, which unblocks both.
	context.AfterFunc(lctx, func() { conn.CloseNow() })
	go l.read()
	go l.write()
	go func() {
		<-l.readerDone
		<-l.writerDone
		close(l.done)
	}()
	return l, info, nil
}

func readStart(ctx context.Context, conn *websocket.Conn, timeout time.Duration) (StartInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		info StartInfo
		d    decoder
		m    Message
	)
	for i, want := range []string{EventConnected, EventStart} {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return info, fmt.Errorf("twilio media stream: waiting for %s: %w", want, err)
		}
		if typ != websocket.MessageText {
			return info, malformed("binary message where %s was expected", want)
		}
		if err := d.parse(data, &m); err != nil {
			return info, err
		}
		if m.Event != want {
			return info, malformed("message %d is %q, want %q", i+1, m.Event, want)
		}
		if want == EventConnected {
			info.Protocol, info.Version = m.Protocol, m.Version
			continue
		}
		s := m.Start
		info.StreamSID, info.AccountSID, info.CallSID = s.StreamSID, s.AccountSID, s.CallSID
		info.Tracks, info.CustomParameters, info.MediaFormat = s.Tracks, s.CustomParameters, s.MediaFormat
	}
	return info, nil
}

// Info returns what the start message said.
func (l *StreamLeg) Info() StartInfo { return l.info }

// StreamSID returns the stream's SID (MZ…).
func (l *StreamLeg) StreamSID() string { return l.info.StreamSID }

// Inbound delivers the caller's audio, 20 ms per frame, in order; closed when the leg ends.
func (l *StreamLeg) Inbound() <-chan dialtone.AudioFrame { return l.in }

// DTMF delivers the keys the caller pressed ("0"-"9", "*", "#", "A"-"D"), in order; closed
// when the leg ends.
func (l *StreamLeg) DTMF() <-chan string { return l.dtmf }

// Marks delivers the marks Twilio echoed, in order; closed when the leg ends. Reading it is
// optional (MarkState and Played tell the same); events are dropped when it is full.
func (l *StreamLeg) Marks() <-chan MarkEvent { return l.marks }

// Done is closed once the leg has ended and its goroutines have exited.
func (l *StreamLeg) Done() <-chan struct{} { return l.done }

// Err returns why the leg ended: nil while it runs and after a stop message or Close.
func (l *StreamLeg) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Stopped returns the stop message's payload, or nil when none came.
func (l *StreamLeg) Stopped() *StopPayload {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopMsg
}

// Stats returns the leg's counters.
func (l *StreamLeg) Stats() StreamStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Send queues one frame of agent audio for Twilio. It never blocks; it reports false when
// the leg is closed or its send buffer is full (the frame is dropped).
func (l *StreamLeg) Send(f *dialtone.AudioFrame) bool {
	l.mu.Lock()
	if l.closed || l.n == len(l.queue) {
		l.stats.SendDropped++
		l.mu.Unlock()
		return false
	}
	q := &l.queue[(l.head+l.n)%len(l.queue)]
	q.frame, q.mark, q.playout = *f, "", 0
	l.n++
	l.framesIn++
	if l.playoutEvery > 0 && l.framesIn%l.playoutEvery == 0 && l.n < len(l.queue) {
		q := &l.queue[(l.head+l.n)%len(l.queue)]
		q.mark, q.playout = playoutMark, l.framesIn
		l.n++
	}
	l.mu.Unlock()
	l.signal()
	return true
}

// Unplayed returns how many frames Send accepted that Twilio has not yet confirmed played:
// those queued here, on the wire, and in Twilio's buffer. Twilio confirms them in steps of
// PlayoutEvery frames, so it may count up to PlayoutEvery-1 frames already played; it never
// counts fewer than are unplayed. A Clear discards them all: Unplayed is 0 after it. Without
// playout marks (PlayoutEvery 0) it is always 0.
func (l *StreamLeg) Unplayed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.playoutEvery == 0 {
		return 0
	}
	return int(max(0, l.framesIn-l.framesPlayed))
}

// Mark queues a mark named name after the frames sent so far; Twilio echoes it once they
// have played. It reports false (and the mark is not placed) when the leg is closed, the
// buffer is full or name is empty.
func (l *StreamLeg) Mark(name string) bool {
	if name == "" {
		return false
	}
	l.mu.Lock()
	if l.closed || l.n == len(l.queue) {
		l.mu.Unlock()
		return false
	}
	q := &l.queue[(l.head+l.n)%len(l.queue)]
	q.mark = name
	l.n++
	l.markState[name] = MarkPending
	l.mu.Unlock()
	l.signal()
	return true
}

// MarkState returns where the mark named name stands.
func (l *StreamLeg) MarkState(name string) MarkState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.markState[name]
}

// Played reports whether Twilio echoed the mark named name without a Clear in between: the
// caller heard all the audio sent before it.
func (l *StreamLeg) Played(name string) bool { return l.MarkState(name) == MarkPlayed }

// Clear discards the agent audio queued here and tells Twilio to discard what it buffered
// (barge-in). Frames sent after Clear returns are played after the clear.
func (l *StreamLeg) Clear() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	for name, s := range l.markState {
		if s == MarkPending {
			l.markState[name] = MarkCleared
		}
	}
	for i := range l.marksOut {
		l.marksOut[i] = -1 // Twilio echoes them as the clear discards their audio
	}
	l.framesIn = l.framesPlayed
	l.head, l.n = 0, 0
	l.needClear = true
	l.mu.Unlock()
	l.signal()
}

// Close ends the leg and closes the socket normally; on a <Connect><Stream> call that ends
// the <Connect> verb. It waits for the leg's goroutines.
func (l *StreamLeg) Close() error {
	l.shut(nil)
	_ = l.conn.Close(websocket.StatusNormalClosure, "")
	l.stop()
	<-l.done
	return nil
}

func (l *StreamLeg) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// shut marks the leg closed (Send and Mark refuse from here) and records why, once.
func (l *StreamLeg) shut(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	l.err = err
	l.head, l.n = 0, 0
}

func (l *StreamLeg) read() {
	defer close(l.readerDone)
	defer close(l.marks)
	defer close(l.dtmf)
	defer close(l.in)
	var (
		buf     bytes.Buffer
		d       decoder
		m       Message
		partial dialtone.AudioFrame
		have    int // bytes of partial filled
	)
	flush := func() {
		if have > 0 {
			for i := have; i < len(partial); i++ {
				partial[i] = media.MulawSilence
			}
			l.deliver(&partial)
			have = 0
		}
	}
	bg := context.Background()
	for {
		typ, r, err := l.conn.Reader(bg)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			flush()
			if l.ctx.Err() != nil || websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				err = nil
			}
			l.shut(err)
			l.stop()
			return
		}
		if typ != websocket.MessageText {
			l.countMalformed()
			continue
		}
		if err := d.parse(buf.Bytes(), &m); err != nil {
			l.countMalformed()
			continue
		}
		switch m.Event {
		case EventMedia:
			audio := d.audio
			for len(audio) > 0 {
				c := copy(partial[have:], audio)
				have += c
				audio = audio[c:]
				if have == len(partial) {
					l.deliver(&partial)
					have = 0
				}
			}
		case EventDTMF:
			select {
			case l.dtmf <- m.DTMF.Digit:
			default:
				l.mu.Lock()
				l.stats.DTMFDropped++
				l.mu.Unlock()
			}
		case EventMark:
			l.mu.Lock()
			if m.Mark.Name == playoutMark && len(l.marksOut) > 0 {
				if at := l.marksOut[0]; at > l.framesPlayed {
					l.framesPlayed = at
				}
				l.marksOut = l.marksOut[1:]
				l.mu.Unlock()
				continue
			}
			played := l.markState[m.Mark.Name] == MarkPending
			if played {
				l.markState[m.Mark.Name] = MarkPlayed
			}
			l.mu.Unlock()
			select {
			case l.marks <- MarkEvent{Name: m.Mark.Name, Played: played}:
			default:
			}
		case EventStop:
			flush()
			l.mu.Lock()
			stop := *m.Stop
			l.stopMsg = &stop
			l.mu.Unlock()
			l.shut(nil)
			// Twilio closes the socket after stop; answer its close (or start the
			// handshake), then end the leg.
			_ = l.conn.Close(websocket.StatusNormalClosure, "")
			l.stop()
			return
		default:
			// connected/start again, or clear (which Twilio never sends): not for us.
			l.countMalformed()
		}
	}
}

func (l *StreamLeg) deliver(f *dialtone.AudioFrame) {
	select {
	case l.in <- *f:
	default:
		l.mu.Lock()
		l.stats.InboundDropped++
		l.mu.Unlock()
	}
}

func (l *StreamLeg) countMalformed() {
	l.mu.Lock()
	l.stats.Malformed++
	l.mu.Unlock()
}

var errWriterStopped = errors.New("twilio media stream: write failed")

func (l *StreamLeg) write() {
	defer close(l.writerDone)
	var (
		buf  []byte
		item queued
		bg   = context.Background()
	)
	clearMsg := EncodeClear(l.info.StreamSID)
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-l.wake:
		}
	drain:
		for {
			l.mu.Lock()
			if l.closed {
				l.mu.Unlock()
				return
			}
			var msg []byte
			switch {
			case l.needClear:
				l.needClear = false
				msg = clearMsg
			case l.n > 0:
				item = l.queue[l.head]
				l.head = (l.head + 1) % len(l.queue)
				l.n--
				if item.playout > 0 {
					l.marksOut = append(l.marksOut, item.playout)
				}
			default:
				l.mu.Unlock()
				break drain
			}
			l.mu.Unlock()
			if msg == nil {
				if item.mark != "" {
					msg = EncodeMark(l.info.StreamSID, item.mark)
				} else {
					buf = l.enc.media(buf, item.frame[:])
					msg = buf
				}
			}
			if err := l.conn.Write(bg, websocket.MessageText, msg); err != nil {
				if l.ctx.Err() == nil {
					l.shut(fmt.Errorf("%w: %w", errWriterStopped, err))
				}
				l.stop()
				return
			}
		}
	}
}
