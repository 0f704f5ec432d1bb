package twilio

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// liveCall is a call of this process at Twilio, from Dial (or an arriving call's voice
// webhook) until Twilio reports its end or Dialtone hangs it up.
type liveCall struct {
	id      string // the call_ id ("" for an arriving call until it is routed)
	key     string // the last path segment of its stream URL
	account dialtone.CarrierAccount
	events  dialtone.CarrierEvents
	ctx     context.Context // bounds the call's media
	inbound bool
	legs    chan *StreamLeg // an arriving call's stream, to the routing that waits for it

	// Guarded by Carrier.mu.
	sid        string // Twilio's CA…; "" until CreateCall returned
	answeredBy string // Twilio's AnsweredBy, from the answer webhook
	answered   bool   // Twilio fetched the TwiML of the answered call
	started    bool   // the stream started: Dialtone reported in_progress
	hungUp     bool   // Hangup came before CreateCall returned
	leg        *StreamLeg
}

// Dial places req through the Calls API from req.Account: when answered (after Twilio's
// answering-machine detection, with req.DetectMachine) Twilio fetches the answer webhook,
// which connects the call to the Media Streams WebSocket; the stream's start reports
// in_progress with the audio. Status callbacks report ringing and the end. Twilio's refusal is
// returned as providerError describes (destination_not_allowed for its geographic
// permissions), and nothing more is reported.
func (c *Carrier) Dial(ctx context.Context, req dialtone.DialRequest, events dialtone.CarrierEvents) error {
	if req.Account == nil {
		return errNoAccount
	}
	lc := &liveCall{id: req.CallID, key: req.CallID, account: *req.Account, events: events, ctx: ctx}
	c.mu.Lock()
	c.calls[lc.id], c.waiting[lc.key] = lc, lc
	c.mu.Unlock()
	params := CallParams{
		To: req.To, From: req.From, Timeout: req.RingTimeout,
		URL: c.opts.PublicURL + PathCalls + req.CallID + pathAnswerSuffix, Method: "POST",
		StatusCallback:       c.opts.PublicURL + PathCalls + req.CallID + pathStatusSuffix,
		StatusCallbackEvents: []string{"initiated", "ringing", "answered", "completed"}, StatusCallbackMethod: "POST",
	}
	if req.DetectMachine {
		// DetectMessageEnd holds the answered call until a person speaks or a machine's
		// greeting ends, so a voicemail message starts after the beep.
		params.MachineDetection = "DetectMessageEnd"
	}
	call, err := c.rest(lc.account).CreateCall(ctx, params)
	c.mu.Lock()
	if err != nil {
		c.forgetLocked(lc)
		c.mu.Unlock()
		return providerError(err)
	}
	lc.sid = call.SID
	cancel := lc.hungUp
	c.mu.Unlock()
	if cancel {
		c.end(context.WithoutCancel(ctx), lc, "canceled")
	}
	return nil
}

// Hangup ends callID at Twilio (canceled while it rings, completed once answered) and closes
// its stream. A call Twilio no longer has is not an error.
func (c *Carrier) Hangup(ctx context.Context, callID string) error {
	c.mu.Lock()
	lc := c.calls[callID]
	if lc == nil {
		c.mu.Unlock()
		return nil
	}
	c.forgetLocked(lc)
	if lc.sid == "" {
		lc.hungUp = true // Dial cancels it once Twilio names it
		c.mu.Unlock()
		return nil
	}
	status := "canceled"
	if lc.answered || lc.inbound {
		status = "completed"
	}
	c.mu.Unlock()
	return c.end(ctx, lc, status)
}

// end asks Twilio to end lc with status and closes its stream.
func (c *Carrier) end(ctx context.Context, lc *liveCall, status string) error {
	c.mu.Lock()
	sid := lc.sid
	c.mu.Unlock()
	err := c.rest(lc.account).UpdateCall(ctx, sid, CallUpdate{Status: status})
	c.mu.Lock()
	leg := lc.leg
	c.mu.Unlock()
	if leg != nil {
		leg.Close()
	}
	if err != nil && !IsNotFound(err) {
		return providerError(err)
	}
	return nil
}

// Transfer hands the caller of callID to number (a cold transfer: Twilio dials number and
// connects them; Dialtone's stream ends).
func (c *Carrier) Transfer(ctx context.Context, callID, number string) error {
	c.mu.Lock()
	lc := c.calls[callID]
	sid := ""
	if lc != nil {
		sid = lc.sid
	}
	c.mu.Unlock()
	if sid == "" {
		return dialtone.Errorf(dialtone.CodeCallAlreadyEnded, "Twilio no longer carries call %s.", callID)
	}
	twiml := "<Response><Dial>" + escapeXML(number) + "</Dial></Response>"
	if err := c.rest(lc.account).UpdateCall(ctx, sid, CallUpdate{Twiml: twiml}); err != nil {
		return providerError(err)
	}
	c.mu.Lock()
	c.forgetLocked(lc)
	c.mu.Unlock()
	return nil
}

// forgetLocked stops tracking lc; c.mu is held.
func (c *Carrier) forgetLocked(lc *liveCall) {
	if lc.id != "" && c.calls[lc.id] == lc {
		delete(c.calls, lc.id)
	}
	if c.waiting[lc.key] == lc {
		delete(c.waiting, lc.key)
	}
}

// streamTwiML is the TwiML that connects a call to the Media Streams WebSocket of key.
func (c *Carrier) streamTwiML(key string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="` +
		escapeXML(c.streams+PathStream+"/"+key) + `"/></Connect></Response>`
}

// rejectTwiML refuses an arriving call, as busy or (reason "") as rejected.
func rejectTwiML(busy bool) string {
	if busy {
		return `<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>`
	}
	return `<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>`
}

// emptyTwiML answers a webhook that asks nothing of Twilio.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// answeredBy maps Twilio's AnsweredBy to Dialtone's, and reports whether a machine's greeting
// is over (the message window is open). "unknown" (Twilio could not tell) counts as a person;
// "" (no detection was asked for) is "", which leaves answered_by null.
func answeredBy(twilio string) (dialtone.AnsweredBy, bool) {
	switch {
	case strings.HasPrefix(twilio, "machine_end_"):
		return dialtone.AnsweredByMachine, true
	case twilio == "machine_start" || twilio == "fax":
		return dialtone.AnsweredByMachine, false
	case twilio == "":
		return "", false
	}
	return dialtone.AnsweredByHuman, false
}

// finalStatus maps a final CallStatus of a call that never started its stream to Dialtone's
// status and reason; ok is false for a status that is not final.
func finalStatus(status string, started bool) (dialtone.CallStatus, dialtone.EndedReason, bool) {
	switch status {
	case "completed":
		if started {
			return dialtone.CallCompleted, dialtone.EndedCallerHangup, true
		}
		return dialtone.CallFailed, dialtone.EndedCarrierError, true
	case "busy":
		return dialtone.CallBusy, dialtone.EndedBusy, true
	case "no-answer":
		return dialtone.CallNoAnswer, dialtone.EndedNoAnswer, true
	case "canceled":
		return dialtone.CallCanceled, dialtone.EndedCanceled, true
	case "failed":
		return dialtone.CallFailed, dialtone.EndedCarrierError, true
	}
	return "", "", false
}
