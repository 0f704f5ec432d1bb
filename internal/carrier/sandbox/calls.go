package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
)

// The timing of a simulated call, before TimeScale.
const (
	// DialDelay is how long the network takes to start ringing (or to report busy).
	DialDelay = 500 * time.Millisecond
	// RingBeforeAnswer is how long a simulated person lets the phone ring before answering.
	RingBeforeAnswer = 2 * time.Second
	// RingBeforeVoicemail is how long a line rings before its voicemail answers.
	RingBeforeVoicemail = 4 * time.Second
	// VoicemailGreeting is how long a voicemail greeting lasts before its beep.
	VoicemailGreeting = 3 * time.Second
)

// Dial simulates an outbound call to req.To, whose last two digits choose what happens (see
// OutcomeFor and docs/sandbox.md). A number ending in 13 is refused: Dial returns an error and
// reports nothing. Otherwise Dial returns at once and the call's progress is reported to
// events: ringing after DialDelay (or busy), then, depending on the outcome, no_answer at the
// ring timeout, or in_progress answered by a person or by voicemail (which beeps after its
// greeting), and for numbers ending in 14 completed (caller_hangup) two seconds after the
// answer. An answered call otherwise stays up until Hangup or until ctx ends.
func (c *Carrier) Dial(ctx context.Context, req dialtone.DialRequest, events dialtone.CarrierEvents) error {
	o := OutcomeFor(req.To)
	if o.Kind == OutcomeCarrierError {
		return fmt.Errorf("sandbox: the network refuses calls to %s (numbers ending in 13 always fail)", req.To)
	}
	leg, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	if c.legs == nil {
		c.legs = make(map[string]context.CancelFunc)
	}
	c.legs[req.CallID] = cancel
	c.mu.Unlock()
	go func() {
		defer c.drop(req.CallID)
		c.simulate(leg, req, o, events)
	}()
	return nil
}

// simulate plays outcome o of call req, reporting to events, until the script ends or leg is
// canceled (hung up).
func (c *Carrier) simulate(leg context.Context, req dialtone.DialRequest, o Outcome, events dialtone.CarrierEvents) {
	report := func(ev dialtone.CarrierEvent) bool {
		if leg.Err() != nil {
			return false
		}
		ev.CallID = req.CallID
		events.CallEvent(leg, ev)
		return true
	}
	if !c.sleep(leg, DialDelay) {
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
	if ring > req.RingTimeout {
		if c.sleep(leg, req.RingTimeout) {
			report(dialtone.CarrierEvent{Status: dialtone.CallNoAnswer, EndedReason: dialtone.EndedNoAnswer})
		}
		return
	}
	if !c.sleep(leg, ring) || !report(dialtone.CarrierEvent{Status: dialtone.CallInProgress, AnsweredBy: by}) {
		return
	}
	switch o.Kind {
	case OutcomeVoicemail:
		if c.sleep(leg, VoicemailGreeting) {
			report(dialtone.CarrierEvent{Beep: true})
		}
	case OutcomeAnswerThenHangUp:
		if c.sleep(leg, o.HangUpAfter) {
			report(dialtone.CarrierEvent{Status: dialtone.CallCompleted, EndedReason: o.Ended})
			return
		}
	}
	<-leg.Done() // the line stays open until someone hangs up
}

// sleep waits d (scaled) and reports true, or false when leg ends first.
func (c *Carrier) sleep(leg context.Context, d time.Duration) bool {
	scale := c.TimeScale
	if scale == 0 {
		scale = 1
	}
	t := time.NewTimer(time.Duration(float64(d) * scale))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-leg.Done():
		return false
	}
}

// Hangup ends the simulation of call callID; an unknown call is not an error.
func (c *Carrier) Hangup(_ context.Context, callID string) error {
	c.mu.Lock()
	cancel := c.legs[callID]
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

func (c *Carrier) drop(callID string) {
	c.mu.Lock()
	cancel := c.legs[callID]
	delete(c.legs, callID)
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
