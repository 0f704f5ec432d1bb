package twiliotest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
)

// ErrRejected is returned by IncomingCall when the server's TwiML rejected or hung up the call
// instead of connecting a stream.
var ErrRejected = errors.New("twiliotest: the call was rejected")

// twiml is the part of a TwiML document the fake acts on.
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Connect *struct {
		Stream struct {
			URL        string `xml:"url,attr"`
			Parameters []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"Parameter"`
		} `xml:"Stream"`
	} `xml:"Connect"`
	Reject *struct {
		Reason string `xml:"reason,attr"`
	} `xml:"Reject"`
	Hangup *struct{} `xml:"Hangup"`
}

// connect follows the TwiML body: a <Connect><Stream> opens the stream as Twilio does (the
// upgrade signed with token over the stream URL, the start naming account and call and
// carrying the <Parameter>s, media sent every 20 ms: Continuous); <Reject> and <Hangup> give
// ErrRejected.
func (f *Fake) connect(ctx context.Context, body []byte, token, account, callSid string, opts StreamOptions) (*Stream, error) {
	var doc twiml
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("twiliotest: the TwiML does not parse: %w: %q", err, body)
	}
	switch {
	case doc.Reject != nil:
		return nil, fmt.Errorf("%w: <Reject reason=%q>", ErrRejected, doc.Reject.Reason)
	case doc.Hangup != nil:
		return nil, fmt.Errorf("%w: <Hangup>", ErrRejected)
	case doc.Connect == nil || doc.Connect.Stream.URL == "":
		return nil, fmt.Errorf("twiliotest: the TwiML connects no stream: %q", body)
	}
	s := doc.Connect.Stream
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.RawQuery != "" {
		// Twilio refuses query strings on a stream URL: <Parameter> carries values.
		return nil, fmt.Errorf("twiliotest: %q is not a ws(s) URL without a query", s.URL)
	}
	opts.AccountSID, opts.CallSID, opts.Continuous = account, callSid, true
	if opts.CustomParameters == nil {
		opts.CustomParameters = map[string]string{}
	}
	for _, p := range s.Parameters {
		opts.CustomParameters[p.Name] = p.Value
	}
	opts.Header = http.Header{}
	opts.Header.Set(twilio.HeaderSignature, twilio.Signature(token, s.URL, nil))
	return DialStream(ctx, s.URL, opts)
}

// AnswerCall picks up the placed call callSid as Twilio does once the callee answers (and,
// when the call asked for MachineDetection, once detection decided answeredBy: human,
// machine_end_beep, …): it requests the call's Url with the call's parameters and
// AnsweredBy, and follows the TwiML, which must connect a Media Stream. It returns the
// stream, as the callee's side of the call. The in-progress status callback is not sent:
// send it with SendStatusCallback when a test needs it.
func (f *Fake) AnswerCall(ctx context.Context, callSid, answeredBy string, opts StreamOptions) (*Stream, error) {
	f.mu.Lock()
	c := f.findCall("", callSid)
	if c == nil {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w: call %s", ErrUnknown, callSid)
	}
	target, method := c.Params.Get("Url"), c.Params.Get("Method")
	params := url.Values{
		"CallSid": {c.SID}, "AccountSid": {c.AccountSID}, "From": {c.From}, "To": {c.To},
		"Caller": {c.From}, "Called": {c.To}, "CallStatus": {"in-progress"},
		"Direction": {"outbound-api"}, "ApiVersion": {APIVersion},
	}
	if c.Params.Get("MachineDetection") != "" && answeredBy != "" {
		params.Set("AnsweredBy", answeredBy)
	}
	c.Status = "in-progress"
	if c.Answered.IsZero() {
		c.Answered = f.now()
	}
	token, account := f.accounts[c.AccountSID], c.AccountSID
	f.mu.Unlock()
	if target == "" {
		return nil, fmt.Errorf("%w: call %s has no Url", ErrNoCallbackURL, callSid)
	}
	body, err := f.deliver(ctx, token, method, target, params)
	if err != nil {
		return nil, err
	}
	return f.connect(ctx, body, token, account, callSid, opts)
}

// InboundCall is a call the fake delivered to one of an account's numbers.
type InboundCall struct {
	SID, AccountSID, From, To string
	Status                    string
}

// IncomingCall rings the account's number to from from as Twilio does: it requests the
// number's VoiceUrl (CallSid, AccountSid, From, To, CallStatus ringing, Direction inbound, …)
// and follows the TwiML: a connected stream is returned as the caller's side of the call;
// <Reject> or <Hangup> give ErrRejected (with the call's SID).
func (f *Fake) IncomingCall(ctx context.Context, accountSid, from, to string, opts StreamOptions) (string, *Stream, error) {
	f.mu.Lock()
	n, token, err := f.accountNumberLocked(accountSid, to)
	if err != nil {
		f.mu.Unlock()
		return "", nil, err
	}
	c := &InboundCall{SID: newSID("CA"), AccountSID: accountSid, From: from, To: to, Status: "ringing"}
	if f.inbound == nil {
		f.inbound = map[string]*InboundCall{}
	}
	f.inbound[c.SID] = c
	target, method := n.VoiceURL, n.VoiceMethod
	f.mu.Unlock()
	if target == "" {
		return c.SID, nil, fmt.Errorf("%w: number %s has no VoiceUrl", ErrNoCallbackURL, to)
	}
	params := url.Values{
		"CallSid": {c.SID}, "AccountSid": {accountSid}, "From": {from}, "To": {to},
		"Caller": {from}, "Called": {to}, "CallStatus": {"ringing"}, "Direction": {"inbound"},
		"ApiVersion": {APIVersion},
	}
	body, err := f.deliver(ctx, token, method, target, params)
	if err != nil {
		return c.SID, nil, err
	}
	s, err := f.connect(ctx, body, token, accountSid, c.SID, opts)
	if err == nil {
		f.mu.Lock()
		c.Status = "in-progress"
		f.mu.Unlock()
	}
	return c.SID, s, err
}

// EndIncomingCall ends the arriving call callSid with status (completed, when the caller
// hangs up) and sends the number's StatusCallback for it, as Twilio does: CallSid,
// AccountSid, From, To, CallStatus, Direction inbound, ApiVersion, signed.
func (f *Fake) EndIncomingCall(ctx context.Context, callSid, status string) error {
	f.mu.Lock()
	c := f.inbound[callSid]
	if c == nil {
		f.mu.Unlock()
		return fmt.Errorf("%w: inbound call %s", ErrUnknown, callSid)
	}
	c.Status = status
	n, token, err := f.accountNumberLocked(c.AccountSID, c.To)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	target, method := n.StatusCallback, n.StatusCallbackMethod
	if target == "" {
		return fmt.Errorf("%w: number %s has no StatusCallback", ErrNoCallbackURL, c.To)
	}
	params := url.Values{
		"CallSid": {c.SID}, "AccountSid": {c.AccountSID}, "From": {c.From}, "To": {c.To},
		"CallStatus": {status}, "Direction": {"inbound"}, "ApiVersion": {APIVersion},
		"CallbackSource": {"call-progress-events"}, "SequenceNumber": {strconv.Itoa(0)},
	}
	_, err = f.deliver(ctx, token, method, target, params)
	return err
}

// Inbound returns the arriving call callSid.
func (f *Fake) Inbound(callSid string) (InboundCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.inbound[callSid]; c != nil {
		return *c, true
	}
	return InboundCall{}, false
}
