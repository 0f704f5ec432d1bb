package twilio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Handler serves Twilio's webhooks and the Media Streams WebSocket, at the Path* paths. Every
// request must carry a valid X-Twilio-Signature, computed with the auth token of the account
// of the number it is about, over PublicURL and the request's path, query and form; otherwise
// it is answered 403 (413 for a body over MaxBody), logged without its content, and changes
// nothing.
func (c *Carrier) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathVoice, c.voice)
	mux.HandleFunc("POST "+PathVoiceStatus, c.voiceStatus)
	mux.HandleFunc("POST "+PathSMS, c.sms)
	mux.HandleFunc("POST "+PathCalls+"{id}"+pathAnswerSuffix, c.answer)
	mux.HandleFunc("POST "+PathCalls+"{id}"+pathStatusSuffix, c.callStatus)
	mux.HandleFunc("POST "+PathMessages+"{id}"+pathStatusSuffix, c.messageStatus)
	mux.HandleFunc("GET "+PathStream+"/{key}", c.stream)
	return mux
}

// form reads r's form body (at most MaxBody) without trusting it, and leaves r.Body readable
// again for the signature check. It answers 413 for a larger body and reports false.
func (c *Carrier) form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	r.Body.Close()
	if err == nil && len(body) > MaxBody {
		err = ErrBodyTooLarge
	}
	if err != nil {
		c.refuse(w, r, err)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body)) // a malformed body fails the signature check
	return form, true
}

// verified checks r's signature with account's token over base (PublicURL, or its ws(s) form
// for the stream), and that r is about that account; it answers 403 and reports false when
// not.
func (c *Carrier) verified(w http.ResponseWriter, r *http.Request, base string, account dialtone.CarrierAccount, form url.Values) bool {
	err := VerifyRequest(r, base, account.AuthToken)
	if err == nil && form != nil && form.Get("AccountSid") != account.AccountSID {
		err = errors.New("twilio: AccountSid is not the number's account")
	}
	if err != nil {
		c.refuse(w, r, err)
		return false
	}
	return true
}

// refuse answers a request that cannot be trusted: 413 for a body too large, 403 otherwise.
// The log line names the path and the reason, never the request's content.
func (c *Carrier) refuse(w http.ResponseWriter, r *http.Request, reason error) {
	status := http.StatusForbidden
	if errors.Is(reason, ErrBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	c.log.WarnContext(r.Context(), "twilio webhook refused", "path", r.URL.Path, "remote", r.RemoteAddr,
		"status", status, "reason", reason.Error())
	http.Error(w, http.StatusText(status), status)
}

// numberRequest reads a webhook about the number in its form field field (To or From) and
// checks its signature: see form and number.
func (c *Carrier) numberRequest(w http.ResponseWriter, r *http.Request, field string) (url.Values, dialtone.CarrierNumber, bool) {
	form, ok := c.form(w, r)
	if !ok {
		return nil, dialtone.CarrierNumber{}, false
	}
	n, ok := c.number(w, r, form, form.Get(field))
	return form, n, ok
}

// number finds the number a webhook is about and checks the request's signature with its
// account; it answers 403 and reports false for an unknown number or a bad signature.
func (c *Carrier) number(w http.ResponseWriter, r *http.Request, form url.Values, e164 string) (dialtone.CarrierNumber, bool) {
	ing := c.core()
	if ing == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return dialtone.CarrierNumber{}, false
	}
	n, err := ing.Number(r.Context(), Name, e164)
	if err != nil {
		if !errors.Is(err, dialtone.ErrUnknownNumber) {
			c.log.ErrorContext(r.Context(), "twilio webhook: look up number", "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return dialtone.CarrierNumber{}, false
		}
		c.refuse(w, r, errors.New("twilio: the number is not imported here"))
		return dialtone.CarrierNumber{}, false
	}
	return n, c.verified(w, r, c.opts.PublicURL, n.Account, form)
}

func writeTwiML(w http.ResponseWriter, twiml string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	io.WriteString(w, twiml)
}

// errNoStream: an answered call's Media Stream did not start in time.
var errNoStream = errors.New("twilio: the call's media stream did not start")

// voice answers a call arriving at an imported number: routing accepts it (TwiML connecting
// the call to the Media Stream) or refuses it (<Reject>, as busy over the concurrency cap).
func (c *Carrier) voice(w http.ResponseWriter, r *http.Request) {
	form, n, ok := c.numberRequest(w, r, "To")
	if !ok {
		return
	}
	sid := form.Get("CallSid")
	if !callSIDPattern.MatchString(sid) {
		http.Error(w, "CallSid is missing or malformed", http.StatusBadRequest)
		return
	}
	lc := &liveCall{key: sid, account: n.Account, events: c.core(), inbound: true, legs: make(chan *StreamLeg, 1),
		sid: sid, answered: true}
	accepted := make(chan struct{})
	type outcome struct {
		call dialtone.Call
		err  error
	}
	routed := make(chan outcome, 1)
	go func() {
		call, err := c.core().IncomingCall(context.WithoutCancel(r.Context()), n, form.Get("From"),
			func(ctx context.Context, callID string) (dialtone.MediaLeg, error) {
				c.mu.Lock()
				lc.id, lc.ctx = callID, ctx
				c.calls[callID], c.waiting[lc.key] = lc, lc
				c.mu.Unlock()
				close(accepted)
				return c.awaitStream(ctx, lc)
			})
		routed <- outcome{call, err}
	}()
	select {
	case <-accepted:
		writeTwiML(w, c.streamTwiML(lc.key))
	case o := <-routed:
		if o.err != nil {
			c.log.ErrorContext(r.Context(), "twilio: route an arriving call", "call_sid", sid, "error", o.err)
		}
		writeTwiML(w, rejectTwiML(o.err == nil && o.call.Status == dialtone.CallBusy))
	}
}

// awaitStream waits for an arriving call's stream to start, for at most StreamTimeout.
func (c *Carrier) awaitStream(ctx context.Context, lc *liveCall) (dialtone.MediaLeg, error) {
	timer := time.NewTimer(c.opts.StreamTimeout)
	defer timer.Stop()
	select {
	case leg := <-lc.legs:
		return leg, nil
	case <-timer.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	if c.waiting[lc.key] == lc {
		delete(c.waiting, lc.key)
	}
	c.mu.Unlock()
	return nil, errNoStream
}

// voiceStatus reports the end of an arriving call (the number's StatusCallback).
func (c *Carrier) voiceStatus(w http.ResponseWriter, r *http.Request) {
	form, _, ok := c.numberRequest(w, r, "To")
	if !ok {
		return
	}
	sid := form.Get("CallSid")
	c.mu.Lock()
	var lc *liveCall
	for _, l := range c.calls {
		if l.inbound && l.sid == sid {
			lc = l
			break
		}
	}
	c.mu.Unlock()
	if lc != nil {
		c.report(r.Context(), lc, form.Get("CallStatus"))
	}
	w.WriteHeader(http.StatusNoContent)
}

// call finds the placed call a webhook is about and checks the request's signature with its
// account; an unknown call (ended, or placed by another process) is checked with the account
// of the number it was placed from.
func (c *Carrier) call(w http.ResponseWriter, r *http.Request) (*liveCall, url.Values, bool) {
	form, ok := c.form(w, r)
	if !ok {
		return nil, nil, false
	}
	c.mu.Lock()
	lc := c.calls[r.PathValue("id")]
	c.mu.Unlock()
	if lc == nil {
		_, ok := c.number(w, r, form, form.Get("From"))
		return nil, form, ok
	}
	return lc, form, c.verified(w, r, c.opts.PublicURL, lc.account, form)
}

// answer gives Twilio the TwiML of a placed call once it is answered (after answering-machine
// detection): connect it to its Media Stream.
func (c *Carrier) answer(w http.ResponseWriter, r *http.Request) {
	lc, form, ok := c.call(w, r)
	if !ok {
		return
	}
	if lc == nil {
		writeTwiML(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`)
		return
	}
	c.mu.Lock()
	lc.answered, lc.answeredBy = true, form.Get("AnsweredBy")
	if lc.sid == "" && callSIDPattern.MatchString(form.Get("CallSid")) {
		lc.sid = form.Get("CallSid") // answered before CreateCall's answer reached Dial
	}
	c.mu.Unlock()
	writeTwiML(w, c.streamTwiML(lc.key))
}

// callStatus reports a placed call's progress: ringing, and its end.
func (c *Carrier) callStatus(w http.ResponseWriter, r *http.Request) {
	lc, form, ok := c.call(w, r)
	if !ok {
		return
	}
	if lc != nil {
		c.report(r.Context(), lc, form.Get("CallStatus"))
	}
	w.WriteHeader(http.StatusNoContent)
}

// report tells core what Twilio reported about lc: ringing, or its end (after which the call
// is forgotten).
func (c *Carrier) report(ctx context.Context, lc *liveCall, status string) {
	if status == "ringing" && !lc.inbound {
		lc.events.CallEvent(ctx, dialtone.CarrierEvent{CallID: lc.id, Status: dialtone.CallRinging})
		return
	}
	c.mu.Lock()
	started := lc.started
	c.mu.Unlock()
	st, reason, final := finalStatus(status, started)
	if !final {
		return
	}
	c.mu.Lock()
	c.forgetLocked(lc)
	leg := lc.leg
	c.mu.Unlock()
	if leg != nil {
		leg.Close()
	}
	lc.events.CallEvent(ctx, dialtone.CarrierEvent{CallID: lc.id, Status: st, EndedReason: reason})
}
