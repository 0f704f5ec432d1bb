package session

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// testLeg is a lockstep leg for the engine's own tests: every agent frame sent is heard by a
// scripted far end, which answers one frame per frame. The far end says each line of its
// script once the agent has been quiet for quietFrames after speaking (or, with
// interruptAfter > 0, that many frames into the agent's speech).
type testLeg struct {
	in    chan dialtone.AudioFrame
	mu    sync.Mutex
	dec   *sandbox.ToneDecoder
	said  []dialtone.AudioFrame
	heard []string

	script         []string
	cues           []string // when set, script[i] waits until a line heard since the last one said ends with cues[i]
	heardMark      int      // len(heard) when the last script line was said
	interruptAfter int
	quietFrames    int
	agentSound     int // frames of agent sound in the current stretch
	quiet          int
	closed         bool
	cleared        int
	sent           int
	// soundAfterClear counts the frames with sound sent after the first Clear.
	soundAfterClear int
	// burst, when above 1, holds the far end's frames back and delivers them that many at a
	// time, as a session that falls behind the send clock sees them.
	burst   int
	pending []dialtone.AudioFrame
}

func newTestLeg(script ...string) *testLeg {
	return &testLeg{in: make(chan dialtone.AudioFrame, 1024), dec: sandbox.NewToneDecoder(sandbox.RegisterLow), script: script, quietFrames: 35}
}

func (l *testLeg) Inbound() <-chan dialtone.AudioFrame { return l.in }

func (l *testLeg) Clear() {
	l.mu.Lock()
	l.cleared++
	l.mu.Unlock()
}

func (l *testLeg) Send(f *dialtone.AudioFrame) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.sent++
	var pcm media.PCMFrame
	media.DecodeFrame(&pcm, (*media.Frame)(f))
	l.dec.Write(pcm[:])
	for {
		u, ok := l.dec.Next()
		if !ok {
			break
		}
		l.heard = append(l.heard, u.Text)
	}
	loud := false
	for _, s := range pcm {
		if s > 2000 || s < -2000 {
			loud = true
			break
		}
	}
	if loud {
		l.agentSound++
		l.quiet = 0
		if l.cleared > 0 {
			l.soundAfterClear++
		}
	} else {
		l.quiet++
	}
	speaking := len(l.said) > 0
	cued := len(l.cues) == 0 || slices.ContainsFunc(l.heard[l.heardMark:], func(h string) bool { return strings.HasSuffix(h, l.cues[0]) })
	if !speaking && len(l.script) > 0 && l.agentSound > 0 && cued &&
		(l.quiet >= l.quietFrames || (l.interruptAfter > 0 && l.agentSound >= l.interruptAfter)) {
		l.say(l.script[0])
		l.script, l.heardMark = l.script[1:], len(l.heard)
		if len(l.cues) > 0 {
			l.cues = l.cues[1:]
		}
		l.agentSound, l.interruptAfter = 0, 0
	}
	out := dialtone.AudioFrame{}
	for i := range out {
		out[i] = media.MulawSilence
	}
	if len(l.said) > 0 {
		out = l.said[0]
		l.said = l.said[1:]
	}
	if l.burst > 1 {
		if l.pending = append(l.pending, out); len(l.pending) < l.burst {
			return true
		}
		for _, f := range l.pending {
			l.in <- f
		}
		l.pending = l.pending[:0]
		return true
	}
	l.in <- out
	return true
}

// say queues text in the high register.
func (l *testLeg) say(text string) {
	enc, err := sandbox.NewToneEncoder(sandbox.RegisterHigh, text)
	if err != nil {
		panic(err)
	}
	var pcm media.PCMFrame
	for enc.NextFrame((*[160]int16)(&pcm)) {
		var f dialtone.AudioFrame
		media.EncodeFrame((*media.Frame)(&f), &pcm)
		l.said = append(l.said, f)
	}
}

type testControl struct {
	mu     sync.Mutex
	events []dialtone.ConversationEvent
}

func (c *testControl) Publish(_ context.Context, _ string, ev dialtone.ConversationEvent) {
	c.mu.Lock()
	c.events = append(c.events, ev)
	c.mu.Unlock()
}

func (c *testControl) Transfer(context.Context, string, string) error { return nil }

func startTest(t *testing.T, agent dialtone.Agent, leg *testLeg) (*session, *testControl) {
	t.Helper()
	if agent.Voice == "" {
		agent.Voice = "sandbox-en-us-low"
	}
	return runTest(t, Config{RecordingsDir: t.TempDir()}, dialtone.ConversationStart{Agent: agent, Leg: leg})
}

// runTest runs the conversation st (its call, greeting and control filled in here) on an
// engine of cfg with a fast send clock, to its end.
func runTest(t *testing.T, cfg Config, st dialtone.ConversationStart) (*session, *testControl) {
	t.Helper()
	p, err := pacer.New(pacer.Config{Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	cfg.Pacer = p
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctl := &testControl{}
	st.Call, st.Greeting, st.Control = dialtone.Call{ID: "call_test"}, st.Agent.Greeting, ctl
	conv, err := e.Start(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	s := conv.(*session)
	select {
	case <-s.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the conversation did not end")
	}
	return s, ctl
}

func scriptedAgent(greeting string, rules ...dialtone.ScriptRule) dialtone.Agent {
	return dialtone.Agent{ID: "agt_test", Greeting: greeting, MaxCallDurationSeconds: 600,
		Brain: dialtone.Brain{Type: dialtone.BrainScripted, Rules: rules, Fallback: "Sorry?"}}
}

func texts(turns []dialtone.TranscriptTurn) []string {
	var out []string
	for _, t := range turns {
		s := string(t.Speaker) + ": " + t.Text
		if t.Interrupted {
			s += " [interrupted]"
		}
		out = append(out, s)
	}
	return out
}

func TestConversationTurns(t *testing.T) {
	leg := newTestLeg("What time do you open?", "Thanks, bye")
	a := scriptedAgent("Hello, this is Ada.",
		dialtone.ScriptRule{Match: "open", Say: "We open at nine."},
		dialtone.ScriptRule{Match: "bye", Say: "Goodbye.", Action: dialtone.ActionEndCall})
	s, _ := startTest(t, a, leg)
	r := s.Result()
	want := []string{"agent: Hello, this is Ada.", "caller: What time do you open?", "agent: We open at nine.",
		"caller: Thanks, bye", "agent: Goodbye."}
	got := texts(r.Transcript)
	if len(got) != len(want) {
		t.Fatalf("transcript %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("turn %d: %q, want %q", i, got[i], want[i])
		}
	}
	if r.EndedReason != dialtone.EndedAgentHangup {
		t.Errorf("ended %q", r.EndedReason)
	}
	if r.Latency == nil || len(r.Latency.Turns) != 2 || r.Latency.FirstAudio.Count != 2 {
		t.Fatalf("latency %+v", r.Latency)
	}
	if eot := *r.Latency.Turns[0].EndOfTurnMS; eot < 600 || eot > 800 {
		t.Errorf("end of turn %v ms, want 600 ms of silence plus the detector's hangover", eot)
	}
}

func TestBargeInKeepsWhatWasHeard(t *testing.T) {
	leg := newTestLeg("Stop please")
	leg.interruptAfter = 60 // 1.2 s into the greeting
	a := scriptedAgent("Hello and welcome to the very long greeting of the Dialtone test line.",
		dialtone.ScriptRule{Match: "stop", Say: "Okay.", Action: dialtone.ActionEndCall})
	s, _ := startTest(t, a, leg)
	r := s.Result()
	if len(r.Transcript) < 3 {
		t.Fatalf("transcript %q", texts(r.Transcript))
	}
	g := r.Transcript[0]
	if !g.Interrupted || g.Text == "" || len(g.Text) >= len(a.Greeting) || a.Greeting[:len(g.Text)] != g.Text {
		t.Errorf("interrupted greeting %+v", g)
	}
	if leg.cleared == 0 {
		t.Error("the leg was not told to clear")
	}
	if got := texts(r.Transcript[1:]); got[0] != "caller: Stop please" || got[1] != "agent: Okay." {
		t.Errorf("after the barge-in: %q", got)
	}
}

// A reply longer than the outbound queue holds is still being queued when the caller
// interrupts it: nothing more of it may be queued after the barge-in.
func TestBargeInStopsAReplyStillBeingQueued(t *testing.T) {
	greeting := "Hello and welcome" + strings.Repeat(" to the very long greeting", 12) + " of the Dialtone test line"
	if n := soundFrames(t, greeting); n <= 2*outCapacity {
		t.Fatalf("the greeting lasts %d frames: too short to keep the reply goroutine waiting for room", n)
	}
	leg := newTestLeg("Stop please")
	leg.interruptAfter = 60
	a := scriptedAgent(greeting, dialtone.ScriptRule{Match: "stop", Say: "Okay.", Action: dialtone.ActionEndCall})
	s, _ := startTest(t, a, leg)
	if got := texts(s.Result().Transcript); len(got) != 3 || got[1] != "caller: Stop please" || got[2] != "agent: Okay." {
		t.Fatalf("transcript %q", got)
	}
	// After the clear the caller hears at most the frame that was being sent, then "Okay.".
	if okay := soundFrames(t, "Okay."); leg.soundAfterClear > okay+1 {
		t.Errorf("%d frames with sound after the barge-in; \"Okay.\" has %d", leg.soundAfterClear, okay)
	}
}

// The agent's turns are timed where their audio is in the recording, even when the session
// decides the barge-in frames after the agent's audio it was processing left.
func TestBargeInTurnEndsWhereItsAudioEnds(t *testing.T) {
	leg := newTestLeg("Stop please")
	leg.interruptAfter, leg.burst = 60, 8
	a := scriptedAgent("Hello and welcome to the very long greeting of the Dialtone test line.",
		dialtone.ScriptRule{Match: "stop", Say: "Okay.", Action: dialtone.ActionEndCall})
	s, _ := startTest(t, a, leg)
	tr := s.Result().Transcript
	if got := texts(tr); len(got) != 3 || !tr[0].Interrupted || got[2] != "agent: Okay." {
		t.Fatalf("transcript %q", got)
	}
	// Every frame of agent sound in the recording lies within one of its turns, and each turn
	// sounds within three frames (the voice's gaps) of its start and of its end.
	agent := agentChannel(t, s)
	sounds := func(from, to int64) bool {
		return slices.Contains(agent[min(int(from/frameMS), len(agent)):min(int(to/frameMS), len(agent))], true)
	}
	var turns [][2]int64
	for _, turn := range tr {
		if turn.Speaker != dialtone.SpeakerAgent {
			continue
		}
		turns = append(turns, [2]int64{turn.StartMS, turn.EndMS})
		if !sounds(turn.StartMS, turn.StartMS+3*frameMS) || !sounds(turn.EndMS-3*frameMS, turn.EndMS) {
			t.Errorf("agent turn %q [%d, %d] ms: not where its audio is in the recording", turn.Text, turn.StartMS, turn.EndMS)
		}
	}
	for i, loud := range agent {
		ms := int64(i) * frameMS
		if loud && !slices.ContainsFunc(turns, func(r [2]int64) bool { return r[0] <= ms && ms < r[1] }) {
			t.Fatalf("the agent sounds at %d ms in the recording, outside its turns %v", ms, turns)
		}
	}
}

// agentChannel reads the session's recording and tells, frame by frame, whether the agent's
// channel has sound.
func agentChannel(t *testing.T, s *session) []bool {
	t.Helper()
	f, err := os.Open(s.eng.RecordingPath(s.Result().Recording))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wr, err := media.NewWAVReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []bool
	buf := make([]int16, 2*media.FrameSamples)
	for {
		n, err := wr.ReadSamples(buf)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if n < len(buf) {
			return out // the recording holds whole frames: a short read is its end
		}
		loud := false
		for i := 1; i < n; i += 2 {
			loud = loud || buf[i] > 2000 || buf[i] < -2000
		}
		out = append(out, loud)
	}
}

// soundFrames returns how many frames of text in the agent's sandbox voice have sound (as
// testLeg counts them).
func soundFrames(t *testing.T, text string) int {
	t.Helper()
	enc, err := sandbox.NewToneEncoder(sandbox.RegisterLow, text)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var pcm media.PCMFrame
	for enc.NextFrame((*[160]int16)(&pcm)) {
		if slices.ContainsFunc(pcm[:], func(v int16) bool { return v > 2000 || v < -2000 }) {
			n++
		}
	}
	return n
}

func TestEspeakVoiceSpeaksToTheCaller(t *testing.T) {
	if !espeak.Available() {
		t.Skip("espeak-ng is not installed: " + espeak.InstallHint)
	}
	leg := newTestLeg("Hi there")
	a := scriptedAgent("Hello, this is Ada.", dialtone.ScriptRule{Match: "hi", Say: "Goodbye.", Action: dialtone.ActionEndCall})
	a.Voice = "espeak-en-us"
	s, _ := startTest(t, a, leg)
	r := s.Result()
	if got := texts(r.Transcript); len(got) != 3 || got[0] != "agent: Hello, this is Ada." || got[1] != "caller: Hi there" || got[2] != "agent: Goodbye." {
		t.Fatalf("transcript %q", got)
	}
	if r.EndedReason != dialtone.EndedAgentHangup {
		t.Errorf("ended %q", r.EndedReason)
	}
}
