package session

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/dtmf"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/media/vad"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// maxPendingEvents bounds the events of a call waiting to be stored.
const maxPendingEvents = 256

// frameMS is the length of a frame in milliseconds.
const frameMS = int64(dialtone.FrameDuration / time.Millisecond)

// frames converts d to a whole number of frames, at least 1.
func frames(d time.Duration) int64 {
	return max(1, int64((d+dialtone.FrameDuration-1)/dialtone.FrameDuration))
}

// session is one live conversation. Everything below "run state" belongs to the run
// goroutine.
type session struct {
	eng   *Engine
	st    dialtone.ConversationStart
	brain dialtone.Responder
	out   *outQueue

	// Text-to-speech, used by the reply goroutines: the providers in the order they are tried,
	// the one in use (ttsAt; len(tts) once every one failed), whether they are the agent's
	// cloud providers (cloudTTS: they fall back, and the apology ends the call), the apology
	// rendered at the start, whether the call is apologising (noVoice), and the switches not
	// yet published (fallbacks, under fallbackMu).
	tts        []synthesizer
	ttsAt      atomic.Int32
	cloudTTS   bool
	apology    apology
	noVoice    atomic.Bool
	fallbackMu sync.Mutex
	fallbacks  []dialtone.SpeechFallback

	stream *pacer.Stream
	// events waits for the publisher goroutine, which closes published when done.
	events    chan dialtone.ConversationEvent
	published chan struct{}
	cancel    context.CancelFunc
	beep      chan struct{}
	done      chan struct{}
	result    dialtone.ConversationResult

	// Limits in frames.
	endOfTurn, bargeIn, reminderAfter, maxFrames int64
	reminders                                    int
	reminder                                     string

	// run state
	ctx        context.Context
	frame      int64 // caller frames processed: the call's clock
	pcm        media.PCMFrame
	vad        *vad.Detector
	dtmf       *dtmf.Detector
	digitBuf   []byte
	stt        speech.Recognizer // nil until run opens one
	sttAt      int               // position of stt in sttSources
	sttSources []recognizerSource
	rec        *media.Recorder
	recFile    *os.File
	recName    string
	// agent audio to record
	sentBuf   [sentLogSize]dialtone.AudioFrame
	sentTags  [sentLogSize]frameTag
	sentNext  int64 // next agent frame to record, on the agent's timeline
	agentSlot int64 // last slot an agent frame was recorded in
	agentPCM  media.PCMFrame

	turn       callerTurn
	reply      *reply // the agent's turn in progress, nil when the agent is silent
	transcript []dialtone.TranscriptTurn
	latencies  []dialtone.TurnLatency
	lastSound  int64        // last frame either side was heard
	reminded   int          // reminders said since the caller last spoke
	nextUtt    atomic.Int32 // numbers the utterances of every reply, from 1
	machine    bool         // a voicemail answered
	ending     dialtone.EndedReason
	transfer   string
	endOnce    sync.Once
}

// callerTurn is the caller's turn being heard.
type callerTurn struct {
	open       bool
	start      int64 // first frame of the turn's speech
	lastVoice  int64 // last frame with voice activity or a key
	runStart   int64 // first frame of the current stretch of speech, -1 outside one
	texts      []string
	digits     []byte
	finalFrame int64 // when the last transcript arrived
	speechEnd  int64 // end of speech per the recognizer, in ms; -1 when unknown
}

// speechLength is the length in frames of the current stretch of speech, from its first to
// its last frame that sounded like speech; 0 outside one.
func (t *callerTurn) speechLength() int64 {
	if t.runStart < 0 {
		return 0
	}
	return t.lastVoice - t.runStart + 1
}

func newSession(e *Engine, st dialtone.ConversationStart, brain dialtone.Responder, tts []synthesizer, stt []recognizerSource) *session {
	turns := st.Agent.TurnTaking.OrDefault()
	maxSeconds := st.Agent.MaxCallDurationSeconds
	if maxSeconds <= 0 {
		maxSeconds = dialtone.DefaultMaxCallDuration
	}
	return &session{
		eng: e, st: st, brain: brain, tts: tts, out: newOutQueue(st.Leg),
		beep: make(chan struct{}, 1), done: make(chan struct{}),
		endOfTurn: frames(turns.EndOfTurnSilence()), bargeIn: frames(turns.BargeInMinimum()),
		reminderAfter: frames(turns.SilenceReminder()), reminders: turns.SilenceReminders, reminder: turns.ReminderText,
		maxFrames: int64(maxSeconds) * int64(time.Second/dialtone.FrameDuration),
		vad:       vad.New(vad.DefaultConfig()), dtmf: dtmf.NewDetector(), digitBuf: make([]byte, 0, 8),
		sttSources: stt, agentSlot: -1, turn: callerTurn{runStart: -1},
		machine: st.Call.AnsweredBy != nil && *st.Call.AnsweredBy == dialtone.AnsweredByMachine,
	}
}

// start opens the recording, joins the send clock and starts the run goroutine.
func (s *session) start(ctx context.Context) error {
	if dir := s.eng.cfg.RecordingsDir; dir != "" {
		name := s.st.Call.ID + ".wav"
		f, err := os.OpenFile(s.eng.RecordingPath(name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		rec, err := media.NewRecorder(f)
		if err != nil {
			f.Close()
			return err
		}
		s.rec, s.recFile, s.recName = rec, f, name
	}
	stream, err := s.eng.cfg.Pacer.Add(s.out)
	if err != nil {
		s.closeRecording()
		return err
	}
	s.stream = stream
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.events, s.published = make(chan dialtone.ConversationEvent, maxPendingEvents), make(chan struct{})
	go s.publisher()
	go s.run()
	return nil
}

// Beep tells the session the voicemail greeting ended.
func (s *session) Beep() {
	select {
	case s.beep <- struct{}{}:
	default:
	}
}

// Done is closed when the conversation ended.
func (s *session) Done() <-chan struct{} { return s.done }

// Result waits for the end and returns what the conversation leaves on the call.
func (s *session) Result() dialtone.ConversationResult {
	<-s.done
	return s.result
}

// run is the session's goroutine: it reacts to the caller's frames, the replies' progress,
// the beep and the end, until the conversation ends.
func (s *session) run() {
	defer s.finish()
	inbound := s.st.Leg.Inbound()
	var keys <-chan string
	if k, ok := s.st.Leg.(dialtone.DTMFLeg); ok {
		keys = k.DTMF()
		s.dtmf = nil // the carrier reports keys; tones left in the audio must not count twice
	}
	s.stt, s.sttAt = s.openRecognizer(s.ctx, 0)
	switch {
	case s.stt == nil:
		s.stt = silentRecognizer{}
		s.apologize()
	case !s.machine && s.st.Greeting != "":
		s.say(kindGreeting, s.st.Greeting, nil)
	}
	for s.ending == "" {
		select {
		case f, ok := <-inbound:
			if !ok {
				return // the far end hung up, or the leg was hung up
			}
			s.onFrame(&f)
		case k, ok := <-keys:
			if !ok {
				keys = nil
				continue
			}
			s.onKeys([]byte(k))
		case <-s.beep:
			s.onBeep()
		case <-s.ctx.Done():
			return
		}
	}
}

// onFrame processes one frame of the caller's audio: the heart of turn-taking.
func (s *session) onFrame(f *dialtone.AudioFrame) {
	media.DecodeFrame(&s.pcm, (*media.Frame)(f))
	s.record(media.ChannelCaller, s.frame, &s.pcm)
	s.recordAgent()
	voice := s.vad.Process(&s.pcm)
	s.stt.Write(s.pcm[:])
	s.checkRecognizer()
	s.publishFallbacks()
	var digits []byte
	if s.dtmf != nil {
		digits = s.dtmf.Process(s.digitBuf[:0], s.pcm[:])
	}
	if s.stt.Active() {
		digits = digits[:0] // tone speech can look like a key; a caller talking is not pressing one
	}
	t := &s.turn
	for {
		tr, ok := s.stt.Next()
		if !ok {
			break
		}
		if tr.Text == "" {
			continue
		}
		t.texts = append(t.texts, tr.Text)
		t.finalFrame = s.frame
		t.speechEnd = tr.EndSample * 1000 / media.SampleRate
		if !t.open {
			s.openTurn(s.frame)
		}
	}
	// A stretch of speech is what the detector calls speech (its hangover bridges the gaps
	// between syllables); its length is measured from its first to its last frame that itself
	// sounded like speech, so the hangover never makes a short sound (a cough) long enough to
	// interrupt. The end of a turn is likewise counted from the last such frame, so the
	// configured end-of-turn silence is what the caller actually left.
	raw := s.vad.Last().Candidate || s.stt.Active()
	switch {
	case !voice && !s.stt.Active():
		t.runStart = -1
	case raw && t.runStart < 0:
		t.runStart = s.frame
	}
	if raw {
		t.lastVoice = s.frame
		s.lastSound = s.frame
	}
	if len(digits) > 0 {
		s.onKeys(digits)
	}
	if t.speechLength() >= s.bargeIn {
		if !t.open {
			s.openTurn(t.runStart)
		}
		s.bargeInNow()
	}
	s.followReply()
	switch {
	case t.open && s.frame-t.lastVoice >= s.endOfTurn && !s.stt.Active():
		s.endCallerTurn()
	case s.frame >= s.maxFrames:
		s.end(dialtone.EndedMaxDuration)
	case s.reply == nil && !t.open && !s.machine && s.frame-s.lastSound >= s.reminderAfter:
		if s.reminded >= s.reminders {
			s.end(dialtone.EndedSilence)
			break
		}
		s.reminded++
		s.lastSound = s.frame
		s.say(kindReminder, s.reminder, nil)
	}
	s.frame++
}

// onKeys takes keys the caller pressed (heard in the audio, or reported by the carrier): they
// join the caller's turn, opening one if needed, and interrupt the agent.
func (s *session) onKeys(digits []byte) {
	t := &s.turn
	t.digits = append(t.digits, digits...)
	t.lastVoice, s.lastSound = s.frame, s.frame
	if !t.open {
		s.openTurn(s.frame)
	}
	s.bargeInNow()
}

// openTurn starts hearing a caller turn whose speech began at frame start.
func (s *session) openTurn(start int64) {
	s.turn.open, s.turn.start, s.turn.speechEnd = true, start, -1
	s.reminded = 0
}

// bargeInNow stops the agent when it is speaking, or drops its reply when it is still
// thinking: the caller took the floor. Voicemail greetings are never interrupted.
func (s *session) bargeInNow() {
	if s.reply == nil || s.machine || s.reply.kind == kindVoicemail || s.noVoice.Load() {
		return
	}
	s.interrupt()
}

// endCallerTurn closes the caller's turn. A turn with neither words nor keys (a cough, a
// noise) is not a turn: it is forgotten and nobody answers it.
func (s *session) endCallerTurn() {
	t := s.turn
	s.turn = callerTurn{lastVoice: t.lastVoice, runStart: t.runStart}
	if len(t.texts) == 0 && len(t.digits) == 0 {
		return
	}
	decided := time.Now()
	endMS := (t.lastVoice + 1) * frameMS
	speechEnd := endMS
	if t.speechEnd >= 0 && len(t.texts) > 0 {
		speechEnd = min(endMS, t.speechEnd)
	}
	turn := dialtone.TranscriptTurn{
		Speaker: dialtone.SpeakerCaller, Text: strings.Join(t.texts, " "), Digits: string(t.digits),
		StartMS: t.start * frameMS, EndMS: speechEnd,
	}
	s.addTurn(turn, nil)
	if len(t.digits) > 0 {
		s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallDTMF, Digits: string(t.digits)})
	}
	if s.machine || s.noVoice.Load() {
		return // a voicemail greeting, or a call apologising: heard and written down, not answered
	}
	lat := dialtone.TurnLatency{EndOfTurnMS: ms((s.frame+1)*frameMS - speechEnd)}
	if len(t.texts) > 0 {
		lat.TranscriptMS = ms(max(0, (t.finalFrame+1)*frameMS-speechEnd))
	}
	if s.reply != nil {
		s.interrupt() // a reminder still playing, say
	}
	s.answer(turn, lat, decided)
}

// history is the conversation so far, as brains see it.
func (s *session) history() []dialtone.Utterance {
	h := make([]dialtone.Utterance, 0, len(s.transcript))
	for _, t := range s.transcript {
		if t.Text != "" {
			h = append(h, dialtone.Utterance{Speaker: t.Speaker, Text: t.Text})
		}
	}
	return h
}

// addTurn appends a transcript turn and publishes it, with the latency of the reply it is.
func (s *session) addTurn(t dialtone.TranscriptTurn, lat *dialtone.TurnLatency) {
	s.transcript = append(s.transcript, t)
	s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallTranscriptTurn, Turn: &t, Latency: lat})
}

// publish queues a live event of the call, stamped with the current offset, for the
// publisher goroutine: storing it must not hold up the caller's audio.
func (s *session) publish(ev dialtone.ConversationEvent) {
	ev.CallID, ev.OffsetMS = s.st.Call.ID, s.frame*frameMS
	select {
	case s.events <- ev:
	default:
		s.eng.log.Error("too many conversation events waiting to be stored; dropped one", "call_id", s.st.Call.ID, "type", ev.Object)
	}
}

// publisher stores the queued events in order until the queue is closed.
func (s *session) publisher() {
	defer close(s.published)
	for ev := range s.events {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
		s.st.Control.Publish(ctx, s.st.Call.ID, ev)
		cancel()
	}
}

// onBeep speaks the voicemail message after the beep, or hangs up.
func (s *session) onBeep() {
	if !s.machine {
		return
	}
	if s.st.Agent.Voicemail.Action != dialtone.VoicemailLeaveMessage || s.st.VoicemailMessage == "" {
		s.end(dialtone.EndedVoicemail)
		return
	}
	if s.reply != nil {
		s.interrupt()
	}
	s.say(kindVoicemail, s.st.VoicemailMessage, &dialtone.BrainOutput{Action: dialtone.ActionEndCall})
}

// end ends the conversation with reason: the call service ends the call.
func (s *session) end(reason dialtone.EndedReason) {
	if s.ending == "" {
		s.ending = reason
	}
}

// record writes one frame to the recording; refused frames are dropped.
func (s *session) record(ch media.Channel, slot int64, f *media.PCMFrame) {
	if s.rec != nil {
		_ = s.rec.WriteFrame(ch, slot, f)
	}
}

// recordAgent records the agent frames sent since the last call and places the reply's
// frames among them (placeReply). The agent's timeline can run ahead of the caller's (a
// reply's first frame leaves without waiting for the clock, and frames sent while the
// session was catching up on the caller's land after the caller's frame being processed);
// silent frames while it is ahead are skipped, which brings the two back together.
func (s *session) recordAgent() {
	first, n := s.out.copySent(s.sentNext, &s.sentBuf, &s.sentTags)
	for i := 0; i < n; i++ {
		f := &s.sentBuf[i]
		slot := max(s.agentSlot+1, s.frame-int64(n-1-i))
		if slot > s.frame+2 && isSilence(f) {
			continue
		}
		media.DecodeFrame(&s.agentPCM, (*media.Frame)(f))
		s.record(media.ChannelAgent, slot, &s.agentPCM)
		s.agentSlot = slot
		s.placeReply(s.sentTags[i], slot)
	}
	s.sentNext = first + int64(n)
}

// placeReply notes that a frame holding tag was recorded at slot: when it belongs to the
// reply in progress, the reply's turn spans it. The agent's turns are thus timed where
// their audio is in the recording, which is where the caller heard it, even when the
// session decided a barge-in some frames after the frame it was processing was heard.
func (s *session) placeReply(tag frameTag, slot int64) {
	r := s.reply
	if r == nil || tag.utterance == 0 {
		return
	}
	r.mu.Lock()
	first := r.firstID
	r.mu.Unlock()
	if first == 0 || tag.utterance < first {
		return
	}
	if r.startFrame < 0 {
		r.startFrame = slot
	}
	r.endFrame = slot + 1
}

func isSilence(f *dialtone.AudioFrame) bool {
	for _, b := range f {
		if b != media.MulawSilence && b != 0x7F {
			return false
		}
	}
	return true
}

// finish stops everything and publishes the result.
func (s *session) finish() {
	s.endOnce.Do(func() {
		if s.reply != nil {
			s.interrupt()
		}
		s.stream.Cancel()
		s.closeRecognizer()
		s.publishFallbacks()
		s.recordAgent()
		s.closeRecording()
		close(s.events)
		<-s.published // every event is stored before the call can end
		s.cancel()
		s.result = dialtone.ConversationResult{
			EndedReason: s.ending, Transcript: s.transcript, Latency: summarize(s.latencies),
			Recording: s.recName, TransferredTo: s.transfer,
		}
		if s.transcript == nil {
			s.result.Transcript = []dialtone.TranscriptTurn{}
		}
		s.result.Summary = s.summarize()
		s.eng.live.Add(-1)
		close(s.done)
	})
}

// summaryWait bounds how long the end of a call waits for its brain's summary.
const summaryWait = 3 * time.Second

// summarize asks a brain that offers summaries for one; "" when it does not, the call had no
// words, or it fails (logged).
func (s *session) summarize() string {
	sum, ok := s.brain.(dialtone.Summarizer)
	if !ok || len(s.history()) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), summaryWait)
	defer cancel()
	text, err := sum.Summarize(ctx, s.st.Agent, s.transcript)
	if err != nil {
		s.eng.log.Warn("call summary", "call_id", s.st.Call.ID, "error", err)
		return ""
	}
	return text
}

func (s *session) closeRecording() {
	if s.rec == nil {
		return
	}
	if err := s.rec.Close(); err != nil {
		s.eng.log.Error("close recording", "call_id", s.st.Call.ID, "error", err)
	}
	if err := s.recFile.Close(); err != nil {
		s.eng.log.Error("close recording file", "call_id", s.st.Call.ID, "error", err)
	}
	s.rec = nil
}

func ms(v int64) *float64 {
	f := float64(v)
	return &f
}
