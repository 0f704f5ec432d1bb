package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
	tones "github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// The timing of a simulated call, before TimeScale.
const (
	// DialDelay is how long the network takes to start ringing (or to report busy).
	DialDelay = 500 * time.Millisecond
	// RingBeforeAnswer is how long a simulated person lets the phone ring before answering.
	RingBeforeAnswer = 2 * time.Second
	// RingBeforeVoicemail is how long a line rings before its voicemail answers.
	RingBeforeVoicemail = 4 * time.Second
)

// maxEndedLegs is how many ended calls the carrier remembers for Heard, Said and Transfers.
const maxEndedLegs = 1000

// simCall is a call the carrier is simulating.
type simCall struct {
	cancel context.CancelFunc
	leg    *Leg // nil until answered
}

// endedLegs remembers the legs of the last maxEndedLegs calls that ended.
type endedLegs struct {
	legs  map[string]*Leg
	order []string // call ids, oldest first
}

func (e *endedLegs) add(callID string, l *Leg) {
	if e.legs == nil {
		e.legs = make(map[string]*Leg)
	}
	if _, ok := e.legs[callID]; !ok {
		e.order = append(e.order, callID)
	}
	e.legs[callID] = l
	for len(e.order) > maxEndedLegs {
		delete(e.legs, e.order[0])
		e.order = e.order[1:]
	}
}

// VoicemailGreetingText returns what the voicemail box of number says before its beep.
func VoicemailGreetingText(number string) string {
	return "Hi, you have reached the voicemail of " + number + ". Please leave a message after the tone."
}

// Dial simulates an outbound call to req.To, whose last two digits choose what happens (see
// OutcomeFor, PersonaFor and docs/sandbox.md). A number ending in 13 is refused: Dial returns
// provider_error (details.provider_code sandbox_refused) and reports nothing. Otherwise Dial
// returns at once and the call's progress is reported to events: ringing after DialDelay (or
// busy), then, depending on the outcome, no_answer at the ring timeout, or in_progress with the
// call's Leg, answered by a person playing PersonaFor(req.To) or by voicemail. The voicemail box
// plays its greeting and a beep and reports Beep once the beep's last frame was sent. A person
// that hangs up is reported as completed (caller_hangup), and so is a number ending in 14 two
// seconds after the answer. An answered call otherwise stays up until Hangup, Transfer or until
// ctx ends.
func (c *Carrier) Dial(ctx context.Context, req dialtone.DialRequest, events dialtone.CarrierEvents) error {
	o := OutcomeFor(req.To)
	if o.Kind == OutcomeCarrierError {
		return dialtone.Errorf(dialtone.CodeProviderError, "The sandbox network refuses calls to %s (numbers ending in 13 always fail).", req.To).
			WithDetail("provider_code", "sandbox_refused")
	}
	ctx, cancel := context.WithCancel(ctx)
	c.track(req.CallID, &simCall{cancel: cancel})
	go func() {
		defer c.drop(req.CallID)
		c.simulate(ctx, req, o, events)
	}()
	return nil
}

// SimulateCaller starts a simulated person calling in, playing req.Persona (DefaultPersona
// when it is empty), and returns the call's Leg. The person's hang-up is reported to events
// as completed (caller_hangup). The simulation lasts until the person hangs up, Hangup or
// Transfer of req.CallID, or the end of ctx: ctx must live as long as the call.
func (c *Carrier) SimulateCaller(ctx context.Context, req dialtone.SimulatedCall, events dialtone.CarrierEvents) (dialtone.MediaLeg, error) {
	persona, ok := resolvePersona(req.Persona)
	if !ok {
		return nil, fmt.Errorf("sandbox: no built-in persona %q", req.Persona.Name)
	}
	ctx, cancel := context.WithCancel(ctx)
	leg := newLeg(req.CallID, c.lockstep)
	c.track(req.CallID, &simCall{cancel: cancel, leg: leg})
	p := newPerson(leg, persona.Steps, req.AgentVoice)
	go func() {
		defer c.drop(req.CallID)
		leg.run(ctx, p, func() {
			if ctx.Err() == nil {
				events.CallEvent(ctx, dialtone.CarrierEvent{CallID: req.CallID, Status: dialtone.CallCompleted, EndedReason: dialtone.EndedCallerHangup})
			}
		})
	}()
	return leg, nil
}

// simulate plays outcome o of call req, reporting to events, until the script ends or ctx
// is canceled (hung up).
func (c *Carrier) simulate(ctx context.Context, req dialtone.DialRequest, o Outcome, events dialtone.CarrierEvents) {
	report := func(ev dialtone.CarrierEvent) bool {
		if ctx.Err() != nil {
			return false
		}
		ev.CallID = req.CallID
		events.CallEvent(ctx, ev)
		return true
	}
	if !c.sleep(ctx, DialDelay) {
		return
	}
	if o.Kind == OutcomeBusy {
		report(dialtone.CarrierEvent{Status: dialtone.CallBusy, EndedReason: dialtone.EndedBusy})
		return
	}
	if !report(dialtone.CarrierEvent{Status: dialtone.CallRinging}) {
		return
	}
	ring, by := RingBeforeAnswer, dialtone.AnsweredByHuman
	switch o.Kind {
	case OutcomeNoAnswer:
		ring = req.RingTimeout + time.Nanosecond // never answers
	case OutcomeVoicemail:
		ring, by = RingBeforeVoicemail, dialtone.AnsweredByMachine
	}
	if !req.DetectMachine {
		by = "" // the network was not asked to tell
	}
	if ring > req.RingTimeout {
		if c.sleep(ctx, req.RingTimeout) {
			report(dialtone.CarrierEvent{Status: dialtone.CallNoAnswer, EndedReason: dialtone.EndedNoAnswer})
		}
		return
	}
	if !c.sleep(ctx, ring) {
		return
	}
	leg := newLeg(req.CallID, c.lockstep)
	var p *person
	if o.Kind == OutcomeVoicemail {
		p = newPerson(leg, nil, req.AgentVoice)
		p.intro = appendBeep(appendSpeech(nil, p.self, VoicemailGreetingText(req.To)))
		p.introSent = func() { report(dialtone.CarrierEvent{Beep: true}) }
	} else {
		p = newPerson(leg, PersonaFor(req.To).Steps, req.AgentVoice)
	}
	c.attach(req.CallID, leg)
	report(dialtone.CarrierEvent{Status: dialtone.CallInProgress, AnsweredBy: by, Media: leg})
	go leg.run(ctx, p, func() {
		report(dialtone.CarrierEvent{Status: dialtone.CallCompleted, EndedReason: dialtone.EndedCallerHangup})
	})
	if o.Kind == OutcomeAnswerThenHangUp {
		if c.sleep(ctx, o.HangUpAfter) && leg.close() {
			<-leg.Done()
			report(dialtone.CarrierEvent{Status: dialtone.CallCompleted, EndedReason: o.Ended})
			return
		}
	}
	select { // the line stays open until someone hangs up
	case <-ctx.Done():
	case <-leg.Done():
	}
	<-leg.Done()
}

// scaled returns d multiplied by TimeScale.
func (c *Carrier) scaled(d time.Duration) time.Duration {
	if c.TimeScale == 0 {
		return d
	}
	return time.Duration(float64(d) * c.TimeScale)
}

// sleep waits d (scaled) and reports true, or false when ctx ends first.
func (c *Carrier) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(c.scaled(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Hangup ends the simulation of call callID: its leg is closed when Hangup returns, and
// nothing more is reported. An unknown call is not an error.
func (c *Carrier) Hangup(_ context.Context, callID string) error {
	c.mu.Lock()
	sc := c.calls[callID]
	c.mu.Unlock()
	if sc != nil {
		sc.cancel()
		if sc.leg != nil {
			sc.leg.close()
		}
	}
	return nil
}

// Transfer hands the far end of an answered call to number: the transfer is recorded (see
// Transfers), the call's leg is closed when Transfer returns and nothing more is reported.
// It fails for a call the carrier is not simulating or that was not answered.
func (c *Carrier) Transfer(_ context.Context, callID, number string) error {
	c.mu.Lock()
	sc := c.calls[callID]
	c.mu.Unlock()
	if sc == nil || sc.leg == nil {
		return fmt.Errorf("sandbox: no answered call %s to transfer", callID)
	}
	sc.leg.record(&sc.leg.transfers, number)
	c.drop(callID) // at once: the call is no longer ours to transfer again
	return nil
}

// Heard returns what the far end of call callID decoded of the agent's speech: its complete
// utterances, in order (for voicemail, the greeting's time included). It works during the
// call and after it, for the last 1,000 calls that ended; nil for an unknown call.
func (c *Carrier) Heard(callID string) []string {
	if l := c.legOf(callID); l != nil {
		return l.Heard()
	}
	return nil
}

// Said returns what the simulated person of call callID said, in order (like Heard, also
// after the call).
func (c *Carrier) Said(callID string) []string {
	if l := c.legOf(callID); l != nil {
		return l.Said()
	}
	return nil
}

// Transfers returns the numbers call callID was transferred to (like Heard, also after the
// call).
func (c *Carrier) Transfers(callID string) []string {
	if l := c.legOf(callID); l != nil {
		l.recMu.Lock()
		defer l.recMu.Unlock()
		return append([]string(nil), l.transfers...)
	}
	return nil
}

func (c *Carrier) legOf(callID string) *Leg {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc := c.calls[callID]; sc != nil && sc.leg != nil {
		return sc.leg
	}
	return c.ended.legs[callID]
}

func (c *Carrier) track(callID string, sc *simCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = make(map[string]*simCall)
	}
	c.calls[callID] = sc
}

func (c *Carrier) attach(callID string, leg *Leg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc := c.calls[callID]; sc != nil {
		sc.leg = leg
	}
}

// drop forgets a call whose simulation ended, keeping its leg's records.
func (c *Carrier) drop(callID string) {
	c.mu.Lock()
	sc := c.calls[callID]
	delete(c.calls, callID)
	if sc != nil && sc.leg != nil {
		c.ended.add(callID, sc.leg)
	}
	c.mu.Unlock()
	if sc != nil {
		sc.cancel()
		if sc.leg != nil {
			sc.leg.close()
		}
	}
}

// agentRegister returns the register a person assumes the agent speaks in: the register of
// a sandbox voice, else low.
func agentRegister(voice string) tones.ToneRegister {
	r, ok := tones.RegisterForVoice(voice)
	if !ok {
		return tones.RegisterLow
	}
	return r
}
