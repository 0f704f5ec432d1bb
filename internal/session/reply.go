package session

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/dtmf"
)

// replyKind is why the agent speaks.
type replyKind int

const (
	kindAnswer    replyKind = iota // answering a caller turn, through the brain
	kindGreeting                   // the agent's greeting
	kindReminder                   // a silence reminder
	kindVoicemail                  // the voicemail message
	kindApology                    // dialtone.SpeechApology: every speech provider of one kind failed
)

// fallbackPauseFrames is the silence, in frames, between the words of a text-to-speech
// provider that broke off and the rest of the text in the next provider's voice.
const fallbackPauseFrames = 25 // 500 ms: a breath, and longer than any gap inside speech

// interruptWait bounds how long a barge-in waits for the reply goroutine to stop (it stops
// within a frame unless a provider ignores cancellation).
const interruptWait = 2 * time.Second

// reply is one agent turn being produced and played. The reply goroutine writes the fields
// under mu and closes exited when it stops; the run goroutine owns the rest.
type reply struct {
	kind    replyKind
	ctx     context.Context
	cancel  context.CancelFunc
	exited  chan struct{}
	decided time.Time // when the caller's turn was judged over (answers)
	lat     dialtone.TurnLatency

	mu         sync.Mutex
	utts       []spoken
	firstID    int32 // the first utterance's number; 0 until one is queued
	firstToken time.Time
	action     dialtone.BrainOutput // the action to take once the reply is heard
	digits     string               // keys the agent pressed
	// providerError: the reply ended in the apology, so the call ends with provider_error.
	providerError bool

	// startFrame is the slot in the recording of its first frame, endFrame one past its
	// last: -1 until a frame of it is recorded (placeReply).
	startFrame, endFrame int64
	generated            bool // the reply goroutine finished
}

// spoken is one utterance (a sentence) of a reply.
type spoken struct {
	id   int32
	text string
	// heard returns the words heard when the first samples samples were played; called only
	// once the reply goroutine has stopped.
	heard func(samples int) string
}

// answer asks the brain for the reply to the caller's turn.
func (s *session) answer(turn dialtone.TranscriptTurn, lat dialtone.TurnLatency, decided time.Time) {
	h := s.history()
	bt := dialtone.BrainTurn{
		Agent: s.st.Agent, Call: s.st.Call, Prompt: s.st.Prompt,
		History: h[:max(0, len(h)-1)], Text: turn.Text, Digits: turn.Digits,
	}
	if turn.Text == "" {
		bt.History = h
	}
	r := s.newReply(kindAnswer)
	r.lat, r.decided = lat, decided
	go s.generate(r, "", &bt, nil)
}

// say speaks text (variables already filled), then takes action, if any.
func (s *session) say(kind replyKind, text string, action *dialtone.BrainOutput) {
	r := s.newReply(kind)
	go s.generate(r, text, nil, action)
}

func (s *session) newReply(kind replyKind) *reply {
	ctx, cancel := context.WithCancel(s.ctx)
	r := &reply{kind: kind, ctx: ctx, cancel: cancel, exited: make(chan struct{}), startFrame: -1, endFrame: -1}
	s.reply = r
	return r
}

// generate is the reply goroutine: it gets the words (from the brain, or text), cuts them
// into sentences, synthesises each as soon as it is complete and queues its frames, then
// queues any keys to press.
func (s *session) generate(r *reply, text string, turn *dialtone.BrainTurn, action *dialtone.BrainOutput) {
	defer close(r.exited)
	if turn == nil {
		if action != nil {
			r.setAction(*action)
		}
		s.speak(r, text)
		return
	}
	var split sentences
	var final dialtone.BrainOutput
	err := s.brain.Reply(r.ctx, *turn, func(o dialtone.BrainOutput) error {
		r.mu.Lock()
		if r.firstToken.IsZero() {
			r.firstToken = time.Now()
		}
		r.mu.Unlock()
		pieces := split.add(o.Text)
		if o.Flush {
			pieces = append(pieces, split.flush())
		}
		for _, sentence := range pieces {
			if err := s.speak(r, sentence); err != nil {
				return err
			}
		}
		if o.Action != "" {
			final = o
		}
		return nil
	})
	if r.ctx.Err() != nil || errors.Is(err, errNoVoice) {
		return
	}
	if err != nil {
		s.eng.log.Warn("brain failed; saying the fallback line", "call_id", s.st.Call.ID, "brain", s.st.Agent.Brain.Type, "error", err)
		if s.speak(r, split.flush()) != nil {
			return
		}
		fallback := s.st.Agent.Brain.Fallback
		if fallback == "" {
			fallback = DefaultFallbackText
		}
		s.speak(r, fallback)
		return
	}
	if s.speak(r, split.flush()) != nil {
		return
	}
	r.setAction(final)
	if final.Action == dialtone.ActionPressDigits {
		s.press(r, final.Digits)
	}
}

func (r *reply) setAction(a dialtone.BrainOutput) {
	r.mu.Lock()
	r.action = a
	r.mu.Unlock()
}

// speak synthesises text and queues its frames, falling back to the next text-to-speech
// provider when one fails (see speakWith); an error means the reply was stopped (or synthesis
// failed, which is logged, or the apology was queued: errNoVoice) and nothing more should be
// said.
func (s *session) speak(r *reply, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	return s.speakWith(r, text)
}

// speakOnce synthesises text with syn and queues its frames. When syn fails (logged) it
// returns the error and the words of text it had produced, which the transcript keeps.
func (s *session) speakOnce(r *reply, syn synthesizer, text string) (string, error) {
	u, err := syn.Synthesize(r.ctx, text)
	if err != nil {
		if r.ctx.Err() == nil {
			s.eng.log.Error("synthesize", "call_id", s.st.Call.ID, "voice", s.st.Agent.Voice, "provider", syn.name, "error", err)
		}
		return "", err
	}
	defer u.Close()
	id := s.nextUtt.Add(1)
	r.mu.Lock()
	r.utts = append(r.utts, spoken{id: id, text: text, heard: u.HeardText})
	idx := len(r.utts) - 1
	if r.firstID == 0 {
		r.firstID = id
		s.out.watchUtterance(id)
	}
	r.mu.Unlock()
	var pcm media.PCMFrame
	var f dialtone.AudioFrame
	samples := int32(0)
	for u.NextFrame(&pcm) {
		samples += media.FrameSamples
		media.EncodeFrame((*media.Frame)(&f), &pcm)
		if !s.out.push(&f, frameTag{utterance: id, samples: samples}, r.ctx.Done()) {
			return "", r.ctx.Err()
		}
	}
	if err := u.Err(); err != nil && r.ctx.Err() == nil {
		s.eng.log.Error("speech synthesis ended early", "call_id", s.st.Call.ID, "provider", syn.name, "error", err)
		heard := u.HeardText(int(samples))
		r.mu.Lock()
		r.utts[idx].text = heard // what was said; the rest is another utterance's
		r.mu.Unlock()
		// A pause between the broken-off words and the next voice's.
		var silence dialtone.AudioFrame
		media.EncodeFrame((*media.Frame)(&silence), &media.PCMFrame{})
		for range fallbackPauseFrames {
			if !s.out.push(&silence, frameTag{utterance: id, samples: samples}, r.ctx.Done()) {
				return "", r.ctx.Err()
			}
		}
		return heard, err
	}
	return "", r.ctx.Err()
}

// press queues the DTMF tones of digits ('w' is a half-second pause).
func (s *session) press(r *reply, digits string) {
	r.mu.Lock()
	r.digits = digits
	r.mu.Unlock()
	id := s.nextUtt.Add(1)
	var pcm media.PCMFrame
	var f dialtone.AudioFrame
	queue := func() bool {
		media.EncodeFrame((*media.Frame)(&f), &pcm)
		return s.out.push(&f, frameTag{utterance: id}, r.ctx.Done())
	}
	for _, part := range strings.SplitAfter(digits, "w") {
		keys := strings.TrimSuffix(part, "w")
		if keys != "" {
			g, err := dtmf.NewGenerator(keys, dtmf.DefaultGeneratorConfig())
			if err != nil {
				s.eng.log.Error("press digits", "call_id", s.st.Call.ID, "digits", digits, "error", err)
				return
			}
			for more := true; more; {
				more = g.Fill(pcm[:])
				if !queue() {
					return
				}
			}
		}
		if len(keys) < len(part) {
			pcm = media.PCMFrame{}
			for range 25 {
				if !queue() {
					return
				}
			}
		}
	}
}

// followReply watches the agent's turn on every frame, for when it has been produced and
// sent to the end. (Where its audio lies in the recording, placeReply notes.)
func (s *session) followReply() {
	r := s.reply
	if r == nil {
		return
	}
	queued, played := s.out.state()
	if queued > 0 {
		s.lastSound = s.frame
	}
	if !r.generated {
		select {
		case <-r.exited:
			r.generated = true
		default:
			return
		}
	}
	if queued == 0 {
		s.completeReply(r, false, played)
	}
}

// interrupt stops the agent's turn at once: queued audio is dropped (the next tick sends
// silence), the carrier is told to drop what it buffered, synthesis and the brain are
// canceled, and the transcript keeps only the words that were played.
func (s *session) interrupt() {
	r := s.reply
	unplayed := 0
	if p, ok := s.st.Leg.(dialtone.PlayoutLeg); ok {
		unplayed = p.Unplayed() // before Clear, which discards them
	}
	r.cancel() // first: the reply goroutine queues nothing after the clear (push)
	played := s.out.clear(unplayed)
	s.st.Leg.Clear()
	select {
	case <-r.exited:
	case <-time.After(interruptWait):
		s.eng.log.Error("a reply did not stop when interrupted", "call_id", s.st.Call.ID)
	}
	r.generated = true
	s.completeReply(r, true, played)
}

// completeReply writes the agent's turn into the transcript, records its latency and takes
// its action. cut tells whether the caller interrupted it; played is the last frame played.
func (s *session) completeReply(r *reply, cut bool, played frameTag) {
	s.recordAgent() // its frames sent since the caller's last frame: the turn ends with them
	s.reply = nil
	r.cancel()
	r.mu.Lock()
	var words []string
	full := true
	for _, u := range r.utts {
		switch {
		case u.text == "":
		case !cut || u.id < played.utterance:
			words = append(words, u.text)
		case u.id == played.utterance:
			h := u.heard(int(played.samples))
			if h != u.text {
				full = false
			}
			if h != "" {
				words = append(words, h)
			}
		default:
			full = false
		}
	}
	action, digits, firstToken, providerError := r.action, r.digits, r.firstToken, r.providerError
	r.mu.Unlock()
	text := strings.Join(words, " ")
	start, end := r.startFrame, r.endFrame
	if start < 0 {
		start, end = s.frame, s.frame
	} else {
		s.lastSound = max(s.lastSound, end-1) // silence is counted from its last frame
	}
	var lat *dialtone.TurnLatency
	if r.kind == kindAnswer {
		l := r.lat
		l.Turn = -1
		if !firstToken.IsZero() {
			l.BrainFirstTokenMS = since(r.decided, firstToken)
		}
		if t := s.out.firstOutTime(); !t.IsZero() && r.startFrame >= 0 {
			l.FirstAudioMS = since(r.decided, t)
		}
		lat = &l
	}
	if text != "" || (digits != "" && !cut) {
		t := dialtone.TranscriptTurn{Speaker: dialtone.SpeakerAgent, Text: text, StartMS: start * frameMS, EndMS: end * frameMS, Interrupted: !full}
		if !cut {
			t.Digits = digits
		}
		if lat != nil {
			lat.Turn = len(s.transcript)
		}
		s.addTurn(t, lat)
	}
	if lat != nil && lat.Turn >= 0 {
		// A reply the caller cut off before hearing a word left no turn: no latency either.
		s.latencies = append(s.latencies, *lat)
	}
	if cut {
		return
	}
	if providerError {
		s.end(dialtone.EndedProviderError)
		return
	}
	s.act(r.kind, action, digits)
}

// act takes the action that ended a reply.
func (s *session) act(kind replyKind, a dialtone.BrainOutput, digits string) {
	switch a.Action {
	case dialtone.ActionEndCall:
		s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallAction, Action: a.Action})
		if kind == kindVoicemail {
			s.end(dialtone.EndedVoicemail)
		} else {
			s.end(dialtone.EndedAgentHangup)
		}
	case dialtone.ActionTransfer:
		s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallAction, Action: a.Action, TransferTo: a.TransferTo})
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		err := s.st.Control.Transfer(ctx, s.st.Call.ID, a.TransferTo)
		cancel()
		if err != nil {
			s.eng.log.Error("transfer", "call_id", s.st.Call.ID, "to", a.TransferTo, "error", err)
			return
		}
		s.transfer = a.TransferTo
		s.end(dialtone.EndedTransferred)
	case dialtone.ActionPressDigits:
		s.publish(dialtone.ConversationEvent{Object: dialtone.EventCallAction, Action: a.Action, Digits: digits})
	}
}

func since(from, to time.Time) *float64 {
	v := float64(to.Sub(from)) / float64(time.Millisecond)
	return &v
}
