package sandbox

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/dtmf"
	tones "github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// eventLog collects what the carrier reports.
type eventLog struct {
	mu     sync.Mutex
	events []dialtone.CarrierEvent
	ch     chan dialtone.CarrierEvent
}

func newEventLog() *eventLog { return &eventLog{ch: make(chan dialtone.CarrierEvent, 16)} }

func (e *eventLog) CallEvent(_ context.Context, ev dialtone.CarrierEvent) {
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
	e.ch <- ev
}

func (e *eventLog) all() []dialtone.CarrierEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.events)
}

func (e *eventLog) has(pred func(dialtone.CarrierEvent) bool) bool {
	return slices.ContainsFunc(e.all(), pred)
}

// next waits for the next event (a test failure after a long time: the simulation is stuck).
func (e *eventLog) next(t *testing.T) dialtone.CarrierEvent {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
		return dialtone.CarrierEvent{}
	}
}

func isHangup(ev dialtone.CarrierEvent) bool {
	return ev.Status == dialtone.CallCompleted && ev.EndedReason == dialtone.EndedCallerHangup
}

// fakeAgent drives a Leg the way the conversation engine does: one Send per tick, in
// lockstep, speaking tone speech in its register and decoding the person's.
type fakeAgent struct {
	t     *testing.T
	leg   *Leg
	reg   tones.ToneRegister
	dec   *tones.ToneDecoder
	det   *dtmf.Detector
	out   []dialtone.AudioFrame // frames the agent still has to say
	lines []string              // the agent's replies, one per turn of the person
	tick  int
	// What came back.
	heard      []string // person utterances, in order
	heardAt    []int    // tick each was decoded
	digits     []byte
	firstSound int // tick of the person's first non-silent frame, -1 before
	lastSound  int // tick of the person's latest non-silent frame
	closed     bool
}

func newFakeAgent(t *testing.T, leg *Leg, agentReg tones.ToneRegister, lines ...string) *fakeAgent {
	self := tones.RegisterHigh
	if agentReg == tones.RegisterHigh {
		self = tones.RegisterLow
	}
	return &fakeAgent{t: t, leg: leg, reg: agentReg, dec: tones.NewToneDecoder(self), det: dtmf.NewDetector(),
		lines: lines, firstSound: -1, lastSound: -1}
}

func (a *fakeAgent) say(text string) {
	a.out = appendSpeech(a.out, a.reg, text)
}

// step sends one frame and takes the person's frame; it reports false once the leg closed.
func (a *fakeAgent) step() bool {
	if a.closed {
		return false
	}
	var f dialtone.AudioFrame
	if len(a.out) > 0 {
		f, a.out = a.out[0], a.out[1:]
	} else {
		media.SilenceFrame((*media.Frame)(&f))
	}
	sent := a.leg.Send(&f)
	select {
	case in, ok := <-a.leg.Inbound():
		if !ok {
			a.closed = true
			return false
		}
		a.hear(&in)
	default:
		if sent {
			a.t.Fatalf("tick %d: Send put no frame on Inbound", a.tick)
		}
	}
	if !sent {
		a.drainClosed()
		return false
	}
	select {
	case <-a.leg.stepped:
	case <-a.leg.Done():
		a.drainClosed()
	}
	a.tick++
	return !a.closed
}

// drainClosed reads what is left on Inbound until it is closed.
func (a *fakeAgent) drainClosed() {
	for in := range a.leg.Inbound() {
		a.hear(&in)
	}
	a.closed = true
}

func (a *fakeAgent) hear(in *dialtone.AudioFrame) {
	var pcm media.PCMFrame
	media.DecodeFrame(&pcm, (*media.Frame)(in))
	var sum int64
	for _, s := range pcm {
		sum += int64(s) * int64(s)
	}
	if sum > agentSoundRMS*agentSoundRMS*media.FrameSamples {
		if a.firstSound < 0 {
			a.firstSound = a.tick
		}
		a.lastSound = a.tick
	}
	a.dec.Write(pcm[:])
	for u, ok := a.dec.Next(); ok; u, ok = a.dec.Next() {
		a.heard = append(a.heard, u.Text)
		a.heardAt = append(a.heardAt, a.tick)
	}
	a.digits = a.det.Process(a.digits, pcm[:])
}

// converse runs up to n ticks: the agent says its first line at once, then its next line
// each time the person made sound and then stayed silent 40 frames. It reports whether the
// leg closed.
func (a *fakeAgent) converse(n int) bool {
	replied := -1
	for range n {
		if len(a.out) == 0 && len(a.lines) > 0 && (a.tick == 0 || a.lastSound > replied && a.tick-a.lastSound >= 40) {
			a.say(a.lines[0])
			a.lines = a.lines[1:]
			replied = a.tick
		}
		if !a.step() {
			return true
		}
	}
	return false
}

// lockstepCarrier returns a carrier whose legs run in exact lockstep with the test.
func lockstepCarrier() *Carrier { return &Carrier{lockstep: true, TimeScale: 0.001} }

func simulate(t *testing.T, c *Carrier, callID string, persona dialtone.PersonaSpec) (*Leg, *eventLog) {
	t.Helper()
	ev := newEventLog()
	m, err := c.SimulateCaller(context.Background(), dialtone.SimulatedCall{CallID: callID, From: "+14155550123",
		To: "+12125550142", AgentVoice: "sandbox-en-us-low", Persona: persona}, ev)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*Leg), ev
}

func waitDone(t *testing.T, l *Leg) {
	t.Helper()
	select {
	case <-l.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the person goroutine did not exit")
	}
}

func TestCallerPersonaConverses(t *testing.T) {
	c := lockstepCarrier()
	leg, ev := simulate(t, c, "call_1", dialtone.PersonaSpec{})
	a := newFakeAgent(t, leg, tones.RegisterLow, "Hello, this is Dialtone.", "We open at nine.", "Goodbye!")
	if !a.converse(5000) {
		t.Fatal("the caller never hung up")
	}
	want := []string{"Hi, I would like to know your opening hours.", "Thank you, goodbye."}
	if !slices.Equal(a.heard, want) {
		t.Errorf("agent heard %q, want %q", a.heard, want)
	}
	waitDone(t, leg)
	if got := ev.all(); len(got) != 1 || !isHangup(got[0]) || got[0].CallID != "call_1" {
		t.Errorf("events %+v", got)
	}
	if got := c.Heard("call_1"); !slices.Equal(got, []string{"Hello, this is Dialtone.", "We open at nine.", "Goodbye!"}) {
		t.Errorf("person heard %q", got)
	}
	if got := c.Said("call_1"); !slices.Equal(got, want) {
		t.Errorf("said %q", got)
	}
	var f dialtone.AudioFrame
	if leg.Send(&f) {
		t.Error("Send after close reported true")
	}
	if s := leg.Stats(); s != (LegStats{}) {
		t.Errorf("drops: %+v", s)
	}
}

func TestHeardWaitBargesIn(t *testing.T) {
	c := lockstepCarrier()
	leg, _ := simulate(t, c, "call_2", dialtone.PersonaSpec{Custom: &dialtone.Persona{Steps: []dialtone.PersonaStep{
		{Wait: dialtone.WaitHeard, Heard: "Opening  hours", Say: "Nine to five?"},
	}}})
	a := newFakeAgent(t, leg, tones.RegisterLow)
	long := "Our opening hours are long and varied, and we like to talk about them at great length."
	a.say(long)
	agentFrames := len(a.out)
	for range agentFrames + 400 {
		a.step()
	}
	if a.firstSound < 0 || a.firstSound >= agentFrames-1 {
		t.Errorf("the person spoke at tick %d, the agent's last frame was sent at tick %d", a.firstSound, agentFrames-1)
	}
	if !slices.Equal(a.heard, []string{"Nine to five?"}) || !slices.Equal(c.Heard("call_2"), []string{long}) {
		t.Errorf("agent heard %q, person heard %q", a.heard, c.Heard("call_2"))
	}
	c.Hangup(context.Background(), "call_2")
	waitDone(t, leg)
}

func TestInterrupterTalksDuringGreeting(t *testing.T) {
	c := lockstepCarrier()
	leg, _ := simulate(t, c, "call_3", dialtone.PersonaSpec{Name: "interrupter"})
	a := newFakeAgent(t, leg, tones.RegisterLow)
	a.say("Hello and welcome to the best bakery in town, where every loaf is baked fresh each morning.")
	greeting := len(a.out)
	for range greeting {
		a.step()
	}
	if a.firstSound != 1500/20 || a.firstSound >= greeting {
		t.Errorf("interrupter spoke at tick %d (greeting %d frames)", a.firstSound, greeting)
	}
	c.Hangup(context.Background(), "call_3")
	waitDone(t, leg)
}

func TestKeypadPersonaPressesKeys(t *testing.T) {
	c := lockstepCarrier()
	leg, ev := simulate(t, c, "call_4", dialtone.PersonaSpec{Name: "keypad"})
	a := newFakeAgent(t, leg, tones.RegisterLow, "Press your code.", "Thanks.", "Bye.")
	if !a.converse(5000) {
		t.Fatal("never hung up")
	}
	if string(a.digits) != "1234#" || !slices.Equal(a.heard, []string{"Goodbye."}) {
		t.Errorf("digits %q, heard %q", a.digits, a.heard)
	}
	waitDone(t, leg)
	if !ev.has(isHangup) {
		t.Error("no hang-up reported")
	}
}

func TestCougherAndSilentAndHangsUp(t *testing.T) {
	c := lockstepCarrier()
	leg, _ := simulate(t, c, "call_5", dialtone.PersonaSpec{Name: "cougher"})
	a := newFakeAgent(t, leg, tones.RegisterLow, "Hello, how can I help you today?", "Yes, I am here.", "Goodbye.")
	if !a.converse(5000) || a.firstSound != 1000/20 || !slices.Equal(a.heard, []string{"Hello?"}) {
		t.Errorf("cougher: closed %v, first sound %d, heard %q", a.closed, a.firstSound, a.heard)
	}
	waitDone(t, leg)

	leg, ev := simulate(t, c, "call_6", dialtone.PersonaSpec{Name: "silent"})
	a = newFakeAgent(t, leg, tones.RegisterLow, "Hello?", "Anyone there?")
	if a.converse(1000) || a.firstSound >= 0 {
		t.Errorf("silent: closed %v, first sound %d", a.closed, a.firstSound)
	}
	c.Hangup(context.Background(), "call_6")
	waitDone(t, leg)
	if len(ev.all()) != 0 {
		t.Errorf("events after Hangup: %+v", ev.all())
	}

	leg, ev = simulate(t, c, "call_7", dialtone.PersonaSpec{Name: "hangs-up"})
	a = newFakeAgent(t, leg, tones.RegisterLow, "Hello!")
	greeting := len(appendSpeech(nil, tones.RegisterLow, "Hello!"))
	if !a.converse(1000) || a.tick < greeting+agentDoneFrames-1 || a.tick > greeting+agentDoneFrames {
		t.Errorf("hangs-up: closed %v at tick %d, greeting %d frames", a.closed, a.tick, greeting)
	}
	waitDone(t, leg)
	if got := ev.all(); len(got) != 1 || !isHangup(got[0]) {
		t.Errorf("events %+v", got)
	}
}

func TestPersonAnswersInTheOtherRegister(t *testing.T) {
	c := lockstepCarrier()
	ev := newEventLog()
	m, err := c.SimulateCaller(context.Background(), dialtone.SimulatedCall{CallID: "call_8", AgentVoice: "sandbox-en-us-high",
		Persona: dialtone.PersonaSpec{Custom: &dialtone.Persona{Steps: []dialtone.PersonaStep{{Say: "Low here."}}}}}, ev)
	if err != nil {
		t.Fatal(err)
	}
	leg := m.(*Leg)
	a := newFakeAgent(t, leg, tones.RegisterHigh, "High here.")
	a.converse(500)
	if !slices.Equal(a.heard, []string{"Low here."}) || !slices.Equal(c.Heard("call_8"), []string{"High here."}) {
		t.Errorf("agent heard %q, person heard %q", a.heard, c.Heard("call_8"))
	}
	c.Hangup(context.Background(), "call_8")
	waitDone(t, leg)
}

// Without DetectMachine nothing tells a machine from a person: the voicemail box answers
// with AnsweredBy "" and still plays its greeting and beep.
func TestVoicemailWithoutDetection(t *testing.T) {
	c := lockstepCarrier()
	ev := newEventLog()
	const to = "+12125550112"
	if err := c.Dial(context.Background(), dialtone.DialRequest{CallID: "call_12", To: to, RingTimeout: 30 * time.Second,
		AgentVoice: "sandbox-en-us-low"}, ev); err != nil {
		t.Fatal(err)
	}
	var leg *Leg
	for leg == nil {
		if e := ev.next(t); e.Status == dialtone.CallInProgress {
			if e.AnsweredBy != "" {
				t.Fatalf("answered by %q without detection", e.AnsweredBy)
			}
			leg = e.Media.(*Leg)
		}
	}
	a := newFakeAgent(t, leg, tones.RegisterLow)
	for len(a.heard) == 0 && a.tick < 2000 {
		a.step()
	}
	if !slices.Equal(a.heard, []string{VoicemailGreetingText(to)}) {
		t.Fatalf("heard %q", a.heard)
	}
	c.Hangup(context.Background(), "call_12")
	waitDone(t, leg)
}

func TestVoicemailGreetingBeepAndMessage(t *testing.T) {
	c := lockstepCarrier()
	ev := newEventLog()
	const to = "+12125550112"
	if err := c.Dial(context.Background(), dialtone.DialRequest{CallID: "call_9", To: to, RingTimeout: 30 * time.Second,
		AgentVoice: "sandbox-en-us-low", DetectMachine: true}, ev); err != nil {
		t.Fatal(err)
	}
	var leg *Leg
	for leg == nil {
		if e := ev.next(t); e.Status == dialtone.CallInProgress {
			if e.AnsweredBy != dialtone.AnsweredByMachine {
				t.Fatalf("answered by %q", e.AnsweredBy)
			}
			leg = e.Media.(*Leg)
		}
	}
	a := newFakeAgent(t, leg, tones.RegisterLow)
	beepAt := -1
	for beepAt < 0 && a.tick < 2000 {
		a.step()
		if ev.has(func(e dialtone.CarrierEvent) bool { return e.Beep }) {
			beepAt = a.tick - 1
		}
	}
	if !slices.Equal(a.heard, []string{VoicemailGreetingText(to)}) {
		t.Fatalf("greeting %q", a.heard)
	}
	if beepAt != a.lastSound || beepAt-a.heardAt[0] < beepFrames {
		t.Errorf("beep reported on tick %d, its last frame on %d, greeting decoded on %d", beepAt, a.lastSound, a.heardAt[0])
	}
	t.Logf("greeting and beep: %d frames", beepAt+1)
	a.say("Please call me back.")
	for range 200 {
		a.step()
	}
	c.Hangup(context.Background(), "call_9")
	waitDone(t, leg)
	if got := c.Heard("call_9"); !slices.Equal(got, []string{"Please call me back."}) {
		t.Errorf("voicemail recorded %q", got)
	}
}

func TestAnswerThenHangUpClosesTheLeg(t *testing.T) {
	c := &Carrier{TimeScale: 0.001}
	ev := newEventLog()
	if err := c.Dial(context.Background(), dialtone.DialRequest{CallID: "call_10", To: "+12125550114", RingTimeout: 30 * time.Second}, ev); err != nil {
		t.Fatal(err)
	}
	var leg *Leg
	for {
		e := ev.next(t)
		if e.Status == dialtone.CallInProgress {
			leg = e.Media.(*Leg)
		}
		if e.Status == dialtone.CallCompleted {
			break
		}
	}
	waitDone(t, leg)
	for range leg.Inbound() { // closed
	}
}

func TestDialledPersonAnswers(t *testing.T) {
	c := lockstepCarrier()
	ev := newEventLog()
	if err := c.Dial(context.Background(), dialtone.DialRequest{CallID: "call_11", To: "+12125550105", RingTimeout: 30 * time.Second}, ev); err != nil {
		t.Fatal(err)
	}
	var leg *Leg
	for leg == nil {
		if e := ev.next(t); e.Status == dialtone.CallInProgress {
			leg = e.Media.(*Leg)
		}
	}
	a := newFakeAgent(t, leg, tones.RegisterLow, "Hello!")
	if !a.converse(1000) {
		t.Fatal("hangs-up did not hang up")
	}
	if e := ev.next(t); !isHangup(e) {
		t.Errorf("event %+v", e)
	}
	waitDone(t, leg)
}

func TestTransferClosesTheLeg(t *testing.T) {
	c := lockstepCarrier()
	leg, ev := simulate(t, c, "call_12", dialtone.PersonaSpec{Name: "silent"})
	a := newFakeAgent(t, leg, tones.RegisterLow, "One moment.")
	a.converse(10)
	if err := c.Transfer(context.Background(), "call_12", "+12125550100"); err != nil {
		t.Fatal(err)
	}
	var f dialtone.AudioFrame
	if leg.Send(&f) {
		t.Error("Send after Transfer reported true")
	}
	for range leg.Inbound() {
	}
	waitDone(t, leg)
	if got := c.Transfers("call_12"); !slices.Equal(got, []string{"+12125550100"}) {
		t.Errorf("transfers %q", got)
	}
	if len(ev.all()) != 0 {
		t.Errorf("events %+v", ev.all())
	}
	if c.Transfer(context.Background(), "call_12", "+12125550100") == nil || c.Transfer(context.Background(), "nope", "+1") == nil {
		t.Error("transfer of an ended or unknown call succeeded")
	}
}

func TestLegEndsWithItsContext(t *testing.T) {
	c := &Carrier{}
	ctx, cancel := context.WithCancel(context.Background())
	m, err := c.SimulateCaller(ctx, dialtone.SimulatedCall{CallID: "call_13"}, newEventLog())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitDone(t, m.(*Leg))
	for range m.Inbound() {
	}
	var f dialtone.AudioFrame
	if m.Send(&f) {
		t.Error("Send after the end reported true")
	}
	if _, err := c.SimulateCaller(context.Background(), dialtone.SimulatedCall{Persona: dialtone.PersonaSpec{Name: "nobody"}}, newEventLog()); err == nil {
		t.Error("unknown persona accepted")
	}
}

// TestSendRacesClose sends from one goroutine while the leg is hung up from another.
func TestSendRacesClose(t *testing.T) {
	for i := range 50 {
		c := &Carrier{}
		m, _ := c.SimulateCaller(context.Background(), dialtone.SimulatedCall{CallID: "c", Persona: dialtone.PersonaSpec{Name: "caller"}}, newEventLog())
		done := make(chan struct{})
		go func() {
			defer close(done)
			var f dialtone.AudioFrame
			for range 500 {
				m.Send(&f)
			}
		}()
		if i%2 == 0 {
			c.Hangup(context.Background(), "c")
		} else {
			c.Transfer(context.Background(), "c", "+1")
		}
		<-done
		waitDone(t, m.(*Leg))
	}
}

func TestSendDoesNotAllocate(t *testing.T) {
	l := newLeg("c", false)
	var f dialtone.AudioFrame
	if n := testing.AllocsPerRun(100, func() {
		l.Send(&f)
		<-l.in
		<-l.agent
	}); n != 0 {
		t.Errorf("Send allocates %.1f times", n)
	}
}
