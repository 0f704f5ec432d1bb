package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dialtonehq/dialtone"
)

// maxDurationGrace is how long past its maximum duration a call with a conversation may run
// before the call service ends it itself (the conversation normally ends it on time).
const maxDurationGrace = 10 * time.Second

// errStale is how a mutate of UpdateCall declines a carrier report that no longer applies
// (the call already ended, or is already in the reported status); nothing is stored.
var errStale = errors.New("stale carrier report")

// transition moves c to status to at t through the call state machine, and returns the
// effects to store with it. It sets the timestamp of the new status and, for a terminal one,
// the ended reason and, when the call had been answered, its billable duration (whole
// seconds from answer, rounded up), its cost and the ledger charge. An illegal transition is
// a *dialtone.TransitionError and changes nothing.
func (s *Calls) transition(c *dialtone.Call, to dialtone.CallStatus, reason dialtone.EndedReason, t time.Time) (Effects, error) {
	states := dialtone.CallStates()
	if err := states.Check(c.Status, to); err != nil {
		return Effects{}, err
	}
	c.Status, c.UpdatedAt = to, t
	var fx Effects
	switch {
	case to == dialtone.CallDialing:
		c.DialedAt = &t
	case to == dialtone.CallInProgress:
		c.StartedAt = &t
	case states.Terminal(to):
		c.EndedAt, c.EndedReason = &t, &reason
		if c.StartedAt != nil {
			c.DurationSeconds = int64(math.Ceil(t.Sub(*c.StartedAt).Seconds()))
			cost := dialtone.CallCostMicros(c.DurationSeconds, s.prices.MinuteMicros(c.Direction))
			c.Cost = dialtone.USD(cost)
			if cost > 0 {
				fx.Charge = &dialtone.LedgerEntry{
					ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry",
					Kind: dialtone.LedgerKindCall, Amount: dialtone.USD(-cost),
					Description: fmt.Sprintf("%s call %s → %s, %d s", c.Direction, c.FromNumber, c.ToNumber, c.DurationSeconds),
					ReferenceID: c.ID, CreatedAt: t,
				}
			}
		}
	}
	fx.Events = append(fx.Events, callEvent(*c, t))
	if states.Terminal(to) {
		fx.Attempt = attemptEnd(*c, t) // a campaign's call: its lead learns the outcome
	}
	return fx, nil
}

// CallEvent applies what a carrier reports about a call: a new status goes through the state
// machine and is stored with its events (a report that no longer applies, such as a ringing
// after the API hung up, is dropped), an answer starts the call's timers, and an end frees
// its line for the queue.
func (s *Calls) CallEvent(ctx context.Context, ev dialtone.CarrierEvent) {
	if ev.Beep {
		s.onBeep(ctx, ev.CallID)
		return
	}
	var conv dialtone.ConversationResult
	var hadConv bool
	if dialtone.CallStates().Terminal(ev.Status) {
		conv, hadConv = s.stopConversation(ev.CallID)
	}
	c, err := s.store.UpdateCall(ctx, ev.CallID, func(c *dialtone.Call) (Effects, error) {
		if c.Ended() || c.Status == ev.Status {
			return Effects{}, errStale
		}
		if ev.Status == dialtone.CallInProgress && ev.AnsweredBy != "" {
			by := ev.AnsweredBy
			c.AnsweredBy = &by // nil: the carrier was not asked to tell
		}
		if hadConv {
			c.ApplyConversation(conv)
		}
		return s.transition(c, ev.Status, ev.EndedReason, s.now())
	})
	switch {
	case errors.Is(err, errStale):
		return
	case err != nil:
		s.log.ErrorContext(ctx, "apply carrier event", "call_id", ev.CallID, "status", ev.Status, "error", err)
		return
	}
	switch {
	case c.Ended():
		s.forget(c.ID)
		s.wake()
	case c.Status == dialtone.CallInProgress:
		s.answered(ctx, c, ev.Media)
	}
}

// answered starts what follows an answer: when a machine answered and the agent hangs up on
// voicemail, the hang-up itself; otherwise the call's conversation over leg, which keeps the
// agent's maximum duration, or, for a call without one, a timer for it.
func (s *Calls) answered(ctx context.Context, c dialtone.Call, leg dialtone.MediaLeg) {
	maxDuration, vm := dialtone.DefaultMaxCallDuration, dialtone.VoicemailHangUp
	if c.AgentID != nil {
		if a, err := s.store.GetAgent(ctx, c.OrganizationID, *c.AgentID); err == nil {
			maxDuration, vm = a.MaxCallDurationSeconds, a.Voicemail.Action
		}
	}
	if c.AnsweredBy != nil && *c.AnsweredBy == dialtone.AnsweredByMachine && vm != dialtone.VoicemailLeaveMessage {
		s.endQuietly(ctx, c.ID, dialtone.EndedVoicemail)
		return
	}
	if s.converse(ctx, c, leg) {
		// The conversation keeps the maximum duration on the call's audio clock; this
		// backstop bounds the call on the wall clock should the audio stall.
		// The grace is not scaled by --sandbox-time-scale: it is a margin for a slow
		// machine, not call time, and a compressed call's audio clock may lag the most.
		s.afterReal(c.ID, s.scaled(time.Duration(maxDuration)*time.Second)+maxDurationGrace, func(ctx context.Context) {
			s.endQuietly(ctx, c.ID, dialtone.EndedMaxDuration)
		})
		return
	}
	s.after(c.ID, time.Duration(maxDuration)*time.Second, func(ctx context.Context) {
		s.endQuietly(ctx, c.ID, dialtone.EndedMaxDuration)
	})
}

// onBeep tells the call's conversation that the voicemail greeting ended, so it speaks the
// agent's message; a call without a conversation ends there with ended_reason voicemail.
func (s *Calls) onBeep(ctx context.Context, id string) {
	if !s.beep(id) {
		s.endQuietly(ctx, id, dialtone.EndedVoicemail)
	}
}

// after runs fn once d (scaled by the time scale) has passed, unless call id ends first (or
// this process does not hold it).
func (s *Calls) after(id string, d time.Duration, fn func(context.Context)) {
	s.afterReal(id, s.scaled(d), fn)
}

// afterReal is after with d taken as is.
func (s *Calls) afterReal(id string, d time.Duration, fn func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lc := s.live[id]
	if lc == nil {
		return
	}
	ctx := s.ctx
	lc.timers = append(lc.timers, time.AfterFunc(d, func() { fn(ctx) }))
}

func (s *Calls) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.scale)
}

// endQuietly ends call id with reason unless it already ended, logging other failures: for
// timers and carrier-driven endings, where nobody waits for the answer.
func (s *Calls) endQuietly(ctx context.Context, id string, reason dialtone.EndedReason) {
	if _, err := s.end(ctx, id, reason); err != nil && !dialtone.HasCode(err, dialtone.CodeCallAlreadyEnded) {
		s.log.ErrorContext(ctx, "end call", "call_id", id, "reason", reason, "error", err)
	}
}

// end ends call id from our side with reason: an answered call becomes completed, one not
// yet answered canceled (with ended_reason canceled when the API hung up). The carrier's leg
// is hung up and the line freed. A call that already ended is call_already_ended.
func (s *Calls) end(ctx context.Context, id string, reason dialtone.EndedReason) (dialtone.Call, error) {
	conv, hadConv := s.stopConversation(id)
	c, err := s.store.UpdateCall(ctx, id, func(c *dialtone.Call) (Effects, error) {
		if hadConv {
			c.ApplyConversation(conv)
		}
		if c.Ended() {
			return Effects{}, dialtone.Errorf(dialtone.CodeCallAlreadyEnded,
				"Call %s already ended: its status is %s.", c.ID, c.Status).WithDetail("status", c.Status)
		}
		to, r := dialtone.CallCompleted, reason
		if c.Status != dialtone.CallInProgress {
			to = dialtone.CallCanceled
			if reason == dialtone.EndedAPIHangup {
				r = dialtone.EndedCanceled
			}
		}
		return s.transition(c, to, r, s.now())
	})
	if err != nil {
		return dialtone.Call{}, storeError(err, dialtone.CodeCallNotFound)
	}
	s.hangUp(ctx, id)
	s.wake()
	return c, nil
}

// fail records that call id could not go on (failed, with reason), unless it already ended.
func (s *Calls) fail(ctx context.Context, id string, reason dialtone.EndedReason) {
	s.failWith(ctx, id, reason, nil)
}

// failWith is fail that also stores why the carrier refused the call, when refusal is not nil.
func (s *Calls) failWith(ctx context.Context, id string, reason dialtone.EndedReason, refusal *dialtone.CarrierError) {
	_, err := s.store.UpdateCall(ctx, id, func(c *dialtone.Call) (Effects, error) {
		if c.Ended() {
			return Effects{}, errStale
		}
		c.CarrierError = refusal
		return s.transition(c, dialtone.CallFailed, reason, s.now())
	})
	if err != nil && !errors.Is(err, errStale) {
		s.log.ErrorContext(ctx, "fail call", "call_id", id, "reason", reason, "error", err)
	}
	s.hangUp(ctx, id)
	s.wake()
}

// failUnanswered fails call id with carrier_error unless it was answered or ended: the
// carrier never said what became of it.
func (s *Calls) failUnanswered(ctx context.Context, id string) {
	_, err := s.store.UpdateCall(ctx, id, func(c *dialtone.Call) (Effects, error) {
		if c.Status != dialtone.CallDialing && c.Status != dialtone.CallRinging {
			return Effects{}, errStale
		}
		return s.transition(c, dialtone.CallFailed, dialtone.EndedCarrierError, s.now())
	})
	if errors.Is(err, errStale) {
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "fail silent call", "call_id", id, "error", err)
		return
	}
	s.log.WarnContext(ctx, "the carrier never reported on a call; failed it", "call_id", id)
	s.hangUp(ctx, id)
	s.wake()
}

// track remembers a call this process placed or answered, with the carrier holding its leg
// and whether its organization is prepaid.
func (s *Calls) track(c dialtone.Call, carrier dialtone.CallCarrier, prepaid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[c.ID] = &liveCall{orgID: c.OrganizationID, carrier: carrier, prepaid: prepaid}
}

// forget drops a call that ended from this process's memory and stops its timers; it
// returns what was held, or nil.
func (s *Calls) forget(id string) *liveCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	lc := s.live[id]
	if lc == nil {
		return nil
	}
	delete(s.live, id)
	for _, t := range lc.timers {
		t.Stop()
	}
	return lc
}

// hangUp forgets call id and, when this process holds its carrier leg, hangs that up.
func (s *Calls) hangUp(ctx context.Context, id string) {
	lc := s.forget(id)
	if lc == nil || lc.carrier == nil {
		return
	}
	if err := lc.carrier.Hangup(ctx, id); err != nil {
		s.log.ErrorContext(ctx, "carrier hangup", "call_id", id, "carrier", lc.carrier.Name(), "error", err)
	}
}

// marshalObject is the JSON of an event's object. The objects marshalled here hold only
// strings, numbers, string maps, slices of such structs and times between years 0 and 9999,
// so marshalling cannot fail; if it ever did, the event would carry an empty object.
func marshalObject(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}
