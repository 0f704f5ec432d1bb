package core

import (
	"context"
	"errors"

	"github.com/dialtonehq/dialtone"
)

// ValidateSandboxCall returns every invalid field of a simulated inbound call.
func (s *Calls) ValidateSandboxCall(params dialtone.SandboxCallParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	requireE164(&fe, "from", params.From)
	requireE164(&fe, "to", params.To)
	if params.Persona.HasValue() {
		if sim := s.simulator(); sim != nil {
			fe = append(fe, sim.CheckPersona(params.Persona.Value, "persona")...)
		}
	}
	return fe
}

// simulator is the sandbox carrier's simulated people, or nil.
func (s *Calls) simulator() dialtone.CallSimulator {
	sim, _ := s.carriers["sandbox"].(dialtone.CallSimulator)
	return sim
}

// SandboxCall makes a simulated person call one of p's organization's sandbox numbers (write
// role) and returns the inbound call as routing left it: answered (in_progress), failed
// because the number has no agent or refuses inbound calls, or busy over the organization's
// cap on live calls. A number the organization does not hold is phone_number_not_found
// (param to); a number of another carrier is invalid_value.
func (s *Calls) SandboxCall(ctx context.Context, p dialtone.Principal, params dialtone.SandboxCallParams) (dialtone.Call, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Call{}, err
	}
	if fe := s.ValidateSandboxCall(params); len(fe) > 0 {
		return dialtone.Call{}, fe.Err()
	}
	n, err := s.store.GetPhoneNumberByNumber(ctx, p.OrganizationID, params.To.Value)
	if errors.Is(err, ErrNotFound) {
		return dialtone.Call{}, dialtone.Errorf(dialtone.CodePhoneNumberNotFound,
			"%s is not one of your organization's numbers.", params.To.Value).WithParam("to")
	}
	if err != nil {
		return dialtone.Call{}, dialtone.Internal(err)
	}
	if n.Carrier != "sandbox" {
		return dialtone.Call{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"%s is a %s number; simulated callers can only call sandbox numbers.", n.Number, n.Carrier).WithParam("to")
	}
	sim := s.simulator()
	if sim == nil {
		return dialtone.Call{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"This server's sandbox carrier cannot simulate callers.").WithParam("to")
	}
	id := dialtone.NewID(dialtone.PrefixCall)
	answer := func(ctx context.Context, id string) (dialtone.MediaLeg, error) {
		req := dialtone.SimulatedCall{CallID: id, From: params.From.Value, To: n.Number, Persona: params.Persona.Value}
		if n.AgentID != nil {
			if a, err := s.store.GetAgent(ctx, p.OrganizationID, *n.AgentID); err == nil {
				req.AgentVoice = a.Voice
			}
		}
		return sim.SimulateCaller(ctx, req, s)
	}
	return s.receive(ctx, p.OrganizationID, n, id, params.From.Value, answer)
}

// Receive routes a call arriving from the number from at organization orgID's number n (as
// carriers report it) and returns the call: to the number's agent, which answers at once;
// failed with no_agent or inbound_disabled when the number has no agent or refuses inbound
// calls; busy with concurrency_limit when the organization already has its maximum of live
// calls. The routing decision and the count it depends on are one transaction.
//
// answer connects the call's audio once routing accepted it (the carrier's media leg), given
// the call's id; nil for a call without audio.
func (s *Calls) Receive(ctx context.Context, orgID string, n dialtone.PhoneNumber, from string,
	answer func(ctx context.Context, callID string) (dialtone.MediaLeg, error)) (dialtone.Call, error) {
	return s.receive(ctx, orgID, n, dialtone.NewID(dialtone.PrefixCall), from, answer)
}

func (s *Calls) receive(ctx context.Context, orgID string, n dialtone.PhoneNumber, id, from string,
	answer func(ctx context.Context, callID string) (dialtone.MediaLeg, error)) (dialtone.Call, error) {
	now := s.now()
	c := dialtone.Call{
		ID: id, Object: "call", Direction: dialtone.CallInbound,
		AgentID: n.AgentID, PhoneNumberID: n.ID, FromNumber: from, ToNumber: n.Number,
		Carrier: n.Carrier, RingTimeoutSeconds: dialtone.DefaultRingTimeoutSeconds,
		Variables: map[string]string{}, Metadata: map[string]string{}, Transcript: []dialtone.TranscriptTurn{},
		QueuedAt: now, Cost: dialtone.USD(0), CreatedAt: now, UpdatedAt: now,
	}
	c, err := s.store.InsertCall(ctx, orgID, CallCounts{Live: s.maxLive}, func(counts CallCounts) (dialtone.Call, Effects, error) {
		c := c
		c.OrganizationID, c.NodeID = orgID, s.node
		var status dialtone.CallStatus
		var reason dialtone.EndedReason
		switch {
		case n.AgentID == nil:
			status, reason = dialtone.CallFailed, dialtone.EndedNoAgent
		case !n.InboundEnabled:
			status, reason = dialtone.CallFailed, dialtone.EndedInboundDisabled
		case counts.Live >= s.maxLive:
			status, reason = dialtone.CallBusy, dialtone.EndedConcurrencyLimit
		default:
			c.Status, c.DialedAt = dialtone.CallRinging, &now
			return c, Effects{Events: []dialtone.Event{callEvent(c, now)}}, nil
		}
		c.Status = dialtone.CallRinging
		fx, err := s.transition(&c, status, reason, now)
		return c, fx, err
	})
	if err != nil {
		return dialtone.Call{}, storeError(err, dialtone.CodeCallNotFound)
	}
	if c.Ended() {
		return c, nil
	}
	// A prepaid organization with no balance still answers: the balance watch ends the call.
	prepaid, _ := s.checkBalance(ctx, orgID)
	s.track(c, s.carriers[c.Carrier], prepaid)
	var leg dialtone.MediaLeg
	if answer != nil {
		// The leg outlives the request: it is bounded by Run's context, like dialled calls.
		s.mu.Lock()
		runCtx := s.ctx
		s.mu.Unlock()
		if leg, err = answer(runCtx, c.ID); err != nil {
			s.log.ErrorContext(ctx, "connect inbound audio", "call_id", c.ID, "error", err)
			s.fail(ctx, c.ID, dialtone.EndedCarrierError)
			c, err = s.store.GetCall(ctx, orgID, c.ID)
			return c, storeError(err, dialtone.CodeCallNotFound)
		}
	}
	s.CallEvent(ctx, dialtone.CarrierEvent{CallID: c.ID, Status: dialtone.CallInProgress, AnsweredBy: dialtone.AnsweredByHuman, Media: leg})
	c, err = s.store.GetCall(ctx, orgID, c.ID)
	return c, storeError(err, dialtone.CodeCallNotFound)
}
