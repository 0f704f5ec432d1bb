package session

import (
	"context"
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
