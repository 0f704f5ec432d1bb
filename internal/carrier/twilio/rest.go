package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is Twilio's REST API host; the 2010-04-01 API lives under
// /2010-04-01/Accounts/{AccountSid}/.
const DefaultBaseURL = "https://api.twilio.com"

// DefaultTimeout bounds each REST request when REST.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// apiVersion is the path prefix of the REST API the client speaks.
const apiVersion = "2010-04-01"

// maxResponse bounds how much of a response body the client reads.
const maxResponse = 1 << 20

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	numberSIDPattern  = regexp.MustCompile(`^PN[0-9a-fA-F]{32}$`)
	callSIDPattern    = regexp.MustCompile(`^CA[0-9a-fA-F]{32}$`)
)

// REST is a client of the parts of Twilio's REST API (2010-04-01) that Dialtone uses, for one
// Twilio account: HTTP Basic authentication with the Account SID and auth token, form-encoded
// request bodies, JSON answers (the .json resources). It is safe for concurrent use.
//
// Errors: every method returns *APIError (see IsAuth, IsNotFound, IsRateLimited,
// IsInvalidNumber, IsDestinationNotAllowed, IsUnsubscribed, IsServerError) when Twilio answers
// with an error status; an error wrapping ErrTimeout when the request did not complete within
// Timeout or the context's deadline; an error wrapping ErrInvalidArgument for arguments refused
// before sending; the context's error if it was canceled; or a transport or decoding error.
// No error text ever contains the auth token.
type REST struct {
	BaseURL    string        // default DefaultBaseURL; a test points it at twiliotest's fake
	AccountSID string        // "AC" + 32 hex digits
	AuthToken  string        // the account's auth token; never logged nor put in errors
	HTTPClient *http.Client  // default http.DefaultClient
	Timeout    time.Duration // per request; default DefaultTimeout
	UserAgent  string        // optional User-Agent header
}

// IncomingNumber is an IncomingPhoneNumber resource (sid "PN…") of the account.
type IncomingNumber struct {
	SID                  string `json:"sid"`
	AccountSID           string `json:"account_sid"`
	PhoneNumber          string `json:"phone_number"`
	FriendlyName         string `json:"friendly_name"`
	VoiceURL             string `json:"voice_url"`
	VoiceMethod          string `json:"voice_method"`
	SMSURL               string `json:"sms_url"`
	SMSMethod            string `json:"sms_method"`
	StatusCallback       string `json:"status_callback"`
	StatusCallbackMethod string `json:"status_callback_method"`
	Status               string `json:"status"`
	Capabilities         struct {
		Voice bool `json:"voice"`
		SMS   bool `json:"sms"`
		MMS   bool `json:"mms"`
		Fax   bool `json:"fax"`
	} `json:"capabilities"`
}

// NumberWebhooks are the webhook settings UpdateIncomingNumber writes. Every URL is sent, so
// an empty one clears that webhook at Twilio; an empty method is sent as POST.
type NumberWebhooks struct {
	VoiceURL             string
	VoiceMethod          string
	SMSURL               string
	SMSMethod            string
	StatusCallback       string
	StatusCallbackMethod string
}

// CallParams are the parameters of an outbound call (POST Calls.json). Exactly one of Twiml
// and URL says what the call does once answered.
type CallParams struct {
	To, From string
	Twiml    string // TwiML document to run, e.g. <Response><Connect><Stream url="wss://…"/></Connect></Response>
	URL      string // or a URL returning TwiML
	Method   string // for URL; Twilio's default is POST

	StatusCallback       string
	StatusCallbackEvents []string // of initiated, ringing, answered, completed
	StatusCallbackMethod string   // Twilio's default is POST

	Timeout time.Duration // how long to let it ring; 0 → Twilio's default (60 s)

	MachineDetection       string // "", "Enable" or "DetectMessageEnd"
	AsyncAMD               bool   // report the AMD result to AsyncAMDStatusCallback instead of blocking the call
	AsyncAMDStatusCallback string
}

// CallResource is the Call resource Twilio returns for a created call.
type CallResource struct {
	SID         string `json:"sid"`
	AccountSID  string `json:"account_sid"`
	To          string `json:"to"`
	From        string `json:"from"`
	Status      string `json:"status"` // "queued" on creation
	Direction   string `json:"direction"`
	APIVersion  string `json:"api_version"`
	DateCreated string `json:"date_created"` // RFC 2822
}

// CallUpdate changes a live call (POST Calls/{Sid}.json). Set Status to "completed" to hang
// up an answered call ("canceled" for one still queued or ringing), or Twiml / URL to replace
// what the call is doing (a <Dial> for a transfer, <Play digits="…"/>, …).
type CallUpdate struct {
	Status string
	Twiml  string
	URL    string
	Method string // for URL
}

// MessageParams are the parameters of an outbound SMS (POST Messages.json).
type MessageParams struct {
	To, From       string
	Body           string
	StatusCallback string
}

// MessageResource is the Message resource Twilio returns for a created message.
type MessageResource struct {
	SID          string  `json:"sid"` // "SM…"
	AccountSID   string  `json:"account_sid"`
	To           string  `json:"to"`
	From         string  `json:"from"`
	Body         string  `json:"body"`
	Status       string  `json:"status"` // "queued" ("accepted" through a Messaging Service)
	Direction    string  `json:"direction"`
	NumSegments  string  `json:"num_segments"`
	ErrorCode    *int    `json:"error_code"`
	ErrorMessage *string `json:"error_message"`
	APIVersion   string  `json:"api_version"`
	DateCreated  string  `json:"date_created"`
}

// FindIncomingNumber returns the account's IncomingPhoneNumber for e164, found with
// GET IncomingPhoneNumbers.json?PhoneNumber=… (Twilio's filter matches parts of numbers, so
// only an exact match counts). A number the account does not have gives an error wrapping
// ErrNumberNotFound (IsNotFound is true); rejected credentials give an *APIError with Code
// 20003 (IsAuth); otherwise the errors of REST.
func (c *REST) FindIncomingNumber(ctx context.Context, e164 string) (IncomingNumber, error) {
	if e164 == "" {
		return IncomingNumber{}, fmt.Errorf("%w: empty phone number", ErrInvalidArgument)
	}
	var page struct {
		IncomingPhoneNumbers []IncomingNumber `json:"incoming_phone_numbers"`
	}
	q := url.Values{"PhoneNumber": {e164}}
	if err := c.do(ctx, http.MethodGet, "IncomingPhoneNumbers.json?"+q.Encode(), nil, &page); err != nil {
		return IncomingNumber{}, err
	}
	for _, n := range page.IncomingPhoneNumbers {
		if n.PhoneNumber == e164 {
			return n, nil
		}
	}
	return IncomingNumber{}, fmt.Errorf("%w: %s", ErrNumberNotFound, e164)
}

// UpdateIncomingNumber points the number sid ("PN…") at the given webhooks with POST
// IncomingPhoneNumbers/{Sid}.json. An unknown sid gives an *APIError with Code 20404
// (IsNotFound); a malformed one an error wrapping ErrInvalidArgument; otherwise the errors
// of REST.
func (c *REST) UpdateIncomingNumber(ctx context.Context, sid string, p NumberWebhooks) error {
	if !numberSIDPattern.MatchString(sid) {
		return fmt.Errorf("%w: phone number SID %q", ErrInvalidArgument, sid)
	}
	form := url.Values{
		"VoiceUrl":             {p.VoiceURL},
		"VoiceMethod":          {orPost(p.VoiceMethod)},
		"SmsUrl":               {p.SMSURL},
		"SmsMethod":            {orPost(p.SMSMethod)},
		"StatusCallback":       {p.StatusCallback},
		"StatusCallbackMethod": {orPost(p.StatusCallbackMethod)},
	}
	return c.do(ctx, http.MethodPost, "IncomingPhoneNumbers/"+sid+".json", form, nil)
}

// CreateCall places an outbound call with POST Calls.json and returns the new Call resource
// (status "queued"). Twilio's refusals come as *APIError: 21211 for an invalid To
// (IsInvalidNumber), 21215 / 21214 / 13227 for a destination the account may not reach
// (IsDestinationNotAllowed), 20003 (IsAuth), 20429 (IsRateLimited); otherwise the errors of
// REST. Missing To, From, or both or neither of Twiml and URL give ErrInvalidArgument.
func (c *REST) CreateCall(ctx context.Context, p CallParams) (CallResource, error) {
	if p.To == "" || p.From == "" {
		return CallResource{}, fmt.Errorf("%w: a call needs To and From", ErrInvalidArgument)
	}
	if (p.Twiml == "") == (p.URL == "") {
		return CallResource{}, fmt.Errorf("%w: a call needs exactly one of Twiml and URL", ErrInvalidArgument)
	}
	form := url.Values{"To": {p.To}, "From": {p.From}}
	setIf(form, "Twiml", p.Twiml)
	setIf(form, "Url", p.URL)
	setIf(form, "Method", p.Method)
	setIf(form, "StatusCallback", p.StatusCallback)
	for _, ev := range p.StatusCallbackEvents {
		form.Add("StatusCallbackEvent", ev)
	}
	setIf(form, "StatusCallbackMethod", p.StatusCallbackMethod)
	if p.Timeout > 0 {
		form.Set("Timeout", strconv.Itoa(int((p.Timeout+time.Second-1)/time.Second)))
	}
	setIf(form, "MachineDetection", p.MachineDetection)
	if p.AsyncAMD {
		form.Set("AsyncAmd", "true")
	}
	setIf(form, "AsyncAmdStatusCallback", p.AsyncAMDStatusCallback)
	var call CallResource
	if err := c.do(ctx, http.MethodPost, "Calls.json", form, &call); err != nil {
		return CallResource{}, err
	}
	return call, nil
}

// UpdateCall modifies the live call sid ("CA…") with POST Calls/{Sid}.json: hang it up
// (Status "completed") or redirect it to new TwiML. An unknown call gives an *APIError with
// Code 20404 (IsNotFound); a malformed sid or an empty update an error wrapping
// ErrInvalidArgument; otherwise the errors of REST.
func (c *REST) UpdateCall(ctx context.Context, sid string, p CallUpdate) error {
	if !callSIDPattern.MatchString(sid) {
		return fmt.Errorf("%w: call SID %q", ErrInvalidArgument, sid)
	}
	if p.Status == "" && p.Twiml == "" && p.URL == "" {
		return fmt.Errorf("%w: empty call update", ErrInvalidArgument)
	}
	form := url.Values{}
	setIf(form, "Status", p.Status)
	setIf(form, "Twiml", p.Twiml)
	setIf(form, "Url", p.URL)
	setIf(form, "Method", p.Method)
	return c.do(ctx, http.MethodPost, "Calls/"+sid+".json", form, nil)
}

// CreateMessage sends an SMS with POST Messages.json and returns the new Message resource
// (status "queued"). Twilio's refusals come as *APIError: 21211 for an invalid To
// (IsInvalidNumber), 21610 for a recipient who opted out (IsUnsubscribed), 21408 for a region
// the account may not text (IsDestinationNotAllowed), 20003 (IsAuth), 20429 (IsRateLimited);
// otherwise the errors of REST. Missing To, From or Body give ErrInvalidArgument.
func (c *REST) CreateMessage(ctx context.Context, p MessageParams) (MessageResource, error) {
	if p.To == "" || p.From == "" || p.Body == "" {
		return MessageResource{}, fmt.Errorf("%w: a message needs To, From and Body", ErrInvalidArgument)
	}
	form := url.Values{"To": {p.To}, "From": {p.From}, "Body": {p.Body}}
	setIf(form, "StatusCallback", p.StatusCallback)
	var msg MessageResource
	if err := c.do(ctx, http.MethodPost, "Messages.json", form, &msg); err != nil {
		return MessageResource{}, err
	}
	return msg, nil
}

func setIf(form url.Values, name, value string) {
	if value != "" {
		form.Set(name, value)
	}
}

func orPost(method string) string {
	if method == "" {
		return http.MethodPost
	}
	return method
}

// do sends one request to {BaseURL}/2010-04-01/Accounts/{AccountSid}/{rel} and decodes a 2xx
// JSON answer into out (if not nil).
func (c *REST) do(ctx context.Context, method, rel string, form url.Values, out any) error {
	if !accountSIDPattern.MatchString(c.AccountSID) {
		return fmt.Errorf("%w: account SID %q", ErrInvalidArgument, c.AccountSID)
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	endpoint := strings.TrimSuffix(base, "/") + "/" + apiVersion + "/Accounts/" + c.AccountSID + "/" + rel
	// What errors name: the method and the resource path, never the query or credentials.
	op := method + " " + strings.SplitN(rel, "?", 2)[0]

	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return fmt.Errorf("twilio: %s: building the request: %w", op, err)
	}
	req.SetBasicAuth(c.AccountSID, c.AuthToken)
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}

	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.transportError(ctx, op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w [%s]", parseAPIError(resp.StatusCode, resp.Header, data), op)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("twilio: %s: decoding the response: %w", op, err)
	}
	return nil
}

// transportError classifies a failure to get a response. The *url.Error from the HTTP client
// names the request URL, which has no credentials (they travel in the Authorization header);
// its text is still scrubbed of the token in case a caller put it somewhere unexpected.
func (c *REST) transportError(ctx context.Context, op string, err error) error {
	var ne net.Error
	timedOut := errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
	if timedOut {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s: %w", ErrTimeout, op, context.DeadlineExceeded)
		}
		return fmt.Errorf("%w: %s", ErrTimeout, op)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("twilio: %s: %w", op, context.Canceled)
	}
	return fmt.Errorf("twilio: %s: %s", op, c.scrub(err.Error()))
}

func (c *REST) scrub(s string) string {
	if c.AuthToken == "" {
		return s
	}
	return strings.ReplaceAll(s, c.AuthToken, "[redacted]")
}
