package twilio

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone"
)

var (
	errUnknownStream = errors.New("twilio: no call is waiting for this stream")
	errWrongCall     = errors.New("twilio: the stream's start names another call")
)

// stream accepts the Media Streams WebSocket of a call connected by streamTwiML: the upgrade
// must be signed with the call's account (over the ws(s) form of PublicURL), the stream's
// start must name the call's CallSid, and the stream then carries the call's audio until
// either side ends it. A placed call is reported in_progress here (with the beep at once when
// a machine's greeting already ended); an arriving call's leg goes to the routing waiting for
// it.
func (c *Carrier) stream(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	c.mu.Lock()
	lc := c.waiting[key]
	if lc != nil && lc.ctx != nil {
		delete(c.waiting, key) // one stream per call
	} else {
		lc = nil
	}
	c.mu.Unlock()
	if lc == nil {
		c.refuse(w, r, errUnknownStream)
		return
	}
	if !c.verified(w, r, c.streams, lc.account, nil) {
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the failed upgrade
	}
	leg, info, err := NewStreamLeg(lc.ctx, conn, StreamLegOptions{PlayoutEvery: DefaultPlayoutEvery})
	if err == nil {
		c.mu.Lock()
		sid := lc.sid
		c.mu.Unlock()
		if info.CallSID != sid || info.AccountSID != lc.account.AccountSID {
			leg.Close()
			err = errWrongCall
		}
	}
	if err != nil {
		c.log.WarnContext(r.Context(), "twilio: media stream refused", "call_id", lc.id, "reason", err.Error())
		if !lc.inbound {
			c.mu.Lock()
			c.forgetLocked(lc)
			c.mu.Unlock()
			_ = c.end(context.WithoutCancel(r.Context()), lc, "completed")
			lc.events.CallEvent(r.Context(), dialtone.CarrierEvent{CallID: lc.id, Status: dialtone.CallFailed, EndedReason: dialtone.EndedCarrierError})
		}
		return
	}
	c.mu.Lock()
	lc.leg, lc.started = leg, true
	by := lc.answeredBy
	c.mu.Unlock()
	if lc.inbound {
		lc.legs <- leg
	} else {
		who, greetingOver := answeredBy(by)
		lc.events.CallEvent(lc.ctx, dialtone.CarrierEvent{CallID: lc.id, Status: dialtone.CallInProgress, AnsweredBy: who, Media: leg})
		if greetingOver {
			lc.events.CallEvent(lc.ctx, dialtone.CarrierEvent{CallID: lc.id, Beep: true})
		}
	}
	<-leg.Done()
}
