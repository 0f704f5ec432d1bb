package core

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// pollInterval is how often the dispatcher looks for queued calls and checks prepaid
// balances without being woken: it picks up calls queued by other processes sharing the
// database, and lines they free.
const pollInterval = 200 * time.Millisecond

// heartbeatInterval is how often a process records that it is alive; a live call whose
// process has been silent for nodeTimeout is ended with node_lost by the others.
const (
	// defaultCarrierGrace is how long after a call's ring timeout the carrier may still report
	// it answered (or not) before core gives up on it.
	defaultCarrierGrace = 30 * time.Second
	heartbeatInterval   = 2 * time.Second
	nodeTimeout         = 15 * time.Second
)

// Run dispatches queued calls and watches prepaid balances until ctx ends. Every process
// that serves the API runs it; the database decides which process dials each call. ctx also
// bounds the carriers' work on the calls this process places, so when it ends those calls
// end too, recorded with node_lost.
func (s *Calls) Run(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var beat time.Time
	for {
		if time.Since(beat) >= heartbeatInterval {
			beat = time.Now()
			if err := s.store.Heartbeat(ctx, s.node, s.now()); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "heartbeat", "error", err)
			}
			s.reapOrphans(ctx)
		}
		s.dispatch(ctx)
		s.reconcile(ctx)
		s.enforceBalances(ctx)
		select {
		case <-ctx.Done():
			s.abandon()
			return
		case <-s.kick:
		case <-tick.C:
		}
	}
}

// wake makes the dispatcher look at the queues now.
func (s *Calls) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// dispatch dials queued calls, oldest first in each organization, while the organization has
// free lines.
func (s *Calls) dispatch(ctx context.Context) {
	orgs, err := s.store.QueuedOrganizations(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "list queued calls", "error", err)
		}
		return
	}
	for _, org := range orgs {
		for ctx.Err() == nil {
			c, ok, err := s.store.ClaimCall(ctx, org, s.maxLive, func(n CallCounts, c *dialtone.Call) (Effects, bool) {
				if n.Live >= s.maxLive {
					return Effects{}, false
				}
				fx, err := s.transition(c, dialtone.CallDialing, "", s.now())
				c.NodeID = s.node
				return fx, err == nil
			})
			if err != nil {
				s.log.ErrorContext(ctx, "claim queued call", "organization_id", org, "error", err)
			}
			if err != nil || !ok {
				break
			}
			s.dial(ctx, c)
		}
	}
}

// dial hands a call that just left the queue to its number's carrier; a carrier that is not
// configured or refuses the call fails it with carrier_error, a prepaid organization whose
// balance ran out while the call waited fails it with balance_exhausted, and a number released
// or switched to outbound_enabled false meanwhile fails it with number_unavailable.
func (s *Calls) dial(ctx context.Context, c dialtone.Call) {
	prepaid, err := s.checkBalance(ctx, c.OrganizationID)
	if err != nil {
		s.fail(ctx, c.ID, dialtone.EndedBalanceExhausted)
		return
	}
	n, err := s.store.GetPhoneNumber(ctx, c.OrganizationID, c.PhoneNumberID)
	if err != nil || !n.OutboundEnabled {
		s.fail(ctx, c.ID, dialtone.EndedNumberGone)
		return
	}
	account, err := numberAccount(ctx, s.store, s.secrets, n)
	if err != nil {
		s.log.ErrorContext(ctx, "dial: open the number's carrier account", "call_id", c.ID, "error", err)
		s.fail(ctx, c.ID, dialtone.EndedCarrierError)
		return
	}
	carrier := s.carriers[c.Carrier]
	if carrier == nil {
		s.log.ErrorContext(ctx, "dial: carrier not configured", "call_id", c.ID, "carrier", c.Carrier)
		s.fail(ctx, c.ID, dialtone.EndedCarrierError)
		return
	}
	s.track(c, carrier, prepaid)
	// A carrier that goes silent must not hold the line forever: a call still unanswered well
	// after its ring timeout fails. The grace is real time, not scaled: it covers the
	// carrier's and the database's latency, which no time scale shrinks.
	s.afterReal(c.ID, s.scaled(time.Duration(c.RingTimeoutSeconds)*time.Second)+s.carrierGrace, func(ctx context.Context) {
		s.failUnanswered(ctx, c.ID)
	})
	req := dialtone.DialRequest{CallID: c.ID, From: c.FromNumber, To: c.ToNumber,
		RingTimeout: time.Duration(c.RingTimeoutSeconds) * time.Second, DetectMachine: true, Account: account}
	if c.AgentID != nil {
		if a, err := s.store.GetAgent(ctx, c.OrganizationID, *c.AgentID); err == nil {
			req.AgentVoice, req.DetectMachine = a.Voice, a.Voicemail.Action.DetectsMachines()
		}
	}
	if err := carrier.Dial(ctx, req, s); err != nil {
		s.log.WarnContext(ctx, "dial refused by carrier", "call_id", c.ID, "carrier", c.Carrier, "error", err)
		s.failWith(ctx, c.ID, dialtone.EndedCarrierError, dialtone.CarrierRefusal(c.Carrier, err))
	}
}

// enforceBalances ends, with balance_exhausted, the answered calls this process holds for
// each prepaid organization whose balance no longer covers what its answered calls (on every
// process) have used so far. Postpaid organizations cost it nothing.
func (s *Calls) enforceBalances(ctx context.Context) {
	for _, org := range s.prepaidOrganizations() {
		balance, err := s.store.Balance(ctx, org)
		if err != nil {
			continue
		}
		calls, err := s.store.CallsInProgress(ctx, org)
		if err != nil || len(calls) == 0 {
			continue
		}
		now := s.now()
		var used int64
		for _, c := range calls {
			secs := int64(now.Sub(*c.StartedAt).Seconds()) + 1 // billed per started second
			used += dialtone.CallCostMicros(secs, s.prices.MinuteMicros(c.Direction))
		}
		if balance-used > 0 {
			continue
		}
		for _, c := range calls {
			if s.holds(c.ID) {
				s.endQuietly(ctx, c.ID, dialtone.EndedBalanceExhausted)
			}
		}
	}
}

// prepaidOrganizations returns the prepaid organizations of the calls this process holds.
func (s *Calls) prepaidOrganizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool)
	var orgs []string
	for _, lc := range s.live {
		if lc.prepaid && !seen[lc.orgID] {
			seen[lc.orgID] = true
			orgs = append(orgs, lc.orgID)
		}
	}
	return orgs
}

func (s *Calls) holds(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[id] != nil
}

// checkBalance reports whether orgID is prepaid, and returns insufficient_balance when it is
// and has no balance left.
func (s *Calls) checkBalance(ctx context.Context, orgID string) (prepaid bool, err error) {
	o, err := s.store.GetOrganization(ctx, orgID)
	if err != nil {
		return false, dialtone.Internal(err)
	}
	if o.BillingMode != dialtone.BillingPrepaid {
		return false, nil
	}
	balance, err := s.store.Balance(ctx, orgID)
	if err != nil {
		return true, dialtone.Internal(err)
	}
	if balance > 0 {
		return true, nil
	}
	return true, dialtone.Errorf(dialtone.CodeInsufficientBalance,
		"Calls need a positive balance; your organization's balance is %s.", formatUSD(balance)).
		WithDetail("balance_micros", balance).WithDetail("required_micros", 1)
}

// reapOrphans ends the live calls of processes that stopped sending heartbeats, with
// node_lost; an answered one is billed up to its process's last heartbeat.
func (s *Calls) reapOrphans(ctx context.Context) {
	orphans, err := s.store.OrphanedCalls(ctx, s.now().Add(-nodeTimeout))
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "list orphaned calls", "error", err)
		}
		return
	}
	for _, o := range orphans {
		_, err := s.store.UpdateCall(ctx, o.Call.ID, func(c *dialtone.Call) (Effects, error) {
			if !c.Live() || c.NodeID == s.node {
				return Effects{}, errStale
			}
			end := s.now()
			if c.StartedAt != nil && o.LastSeen.After(*c.StartedAt) && o.LastSeen.Before(end) {
				end = o.LastSeen
			} else if c.StartedAt != nil {
				end = *c.StartedAt
			}
			return s.transition(c, dialtone.CallFailed, dialtone.EndedNodeLost, end)
		})
		if err != nil && !errors.Is(err, errStale) {
			s.log.ErrorContext(ctx, "end orphaned call", "call_id", o.Call.ID, "error", err)
			continue
		}
		s.log.WarnContext(ctx, "ended a call whose server stopped", "call_id", o.Call.ID, "node", o.Call.NodeID)
		s.wake()
	}
}

// reconcile lets go of the calls this process holds that were ended elsewhere (by another
// process serving the API, or by the reaper), hanging up their carrier legs.
func (s *Calls) reconcile(ctx context.Context) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.live))
	for id := range s.live {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	ended, err := s.store.EndedCalls(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "reconcile calls", "error", err)
		}
		return
	}
	for _, id := range ended {
		s.hangUp(ctx, id)
	}
}

// Held returns how many live calls this process holds (placed or answered, not yet ended).
func (s *Calls) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// abandon records the end of every call this process still holds, which end with it, as
// node_lost; it runs when Run's context ends, with ten seconds to finish.
func (s *Calls) abandon() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.live))
	for id := range s.live {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range ids {
		conv, hadConv := s.stopConversation(id)
		_, err := s.store.UpdateCall(ctx, id, func(c *dialtone.Call) (Effects, error) {
			if c.Ended() {
				return Effects{}, errStale
			}
			if hadConv {
				c.ApplyConversation(conv)
			}
			to := dialtone.CallFailed
			if c.Status == dialtone.CallInProgress {
				to = dialtone.CallCompleted
			}
			return s.transition(c, to, dialtone.EndedNodeLost, s.now())
		})
		if err != nil && !errors.Is(err, errStale) {
			s.log.Error("end call at shutdown", "call_id", id, "error", err)
		}
		s.forget(id)
	}
}
