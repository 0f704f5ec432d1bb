package twilio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
)

const (
	restAccount = "AC0123456789abcdef0123456789abcdef"
	restToken   = "s3cr3t-auth-token-7f9a2c41e8d3b6a5"
	ourNumber   = "+14155550100"
	theirNumber = "+14155550199"
)

var (
	callSIDRe    = regexp.MustCompile(`^CA[0-9a-f]{32}$`)
	messageSIDRe = regexp.MustCompile(`^SM[0-9a-f]{32}$`)
	numberSIDRe  = regexp.MustCompile(`^PN[0-9a-f]{32}$`)
)

type restEnv struct {
	fake      *twiliotest.Fake
	client    *twilio.REST
	numberSID string
}

func newRESTEnv(t *testing.T) restEnv {
	t.Helper()
	f := twiliotest.New()
	t.Cleanup(f.Close)
	f.AddAccount(restAccount, restToken)
	sid := f.AddNumber(restAccount, ourNumber)
	return restEnv{
		fake:      f,
		client:    &twilio.REST{BaseURL: f.URL(), AccountSID: restAccount, AuthToken: restToken, Timeout: 5 * time.Second},
		numberSID: sid,
	}
}

// checkNoSecret fails if err's text contains the auth token.
func checkNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, restToken) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text contains a secret: %q", err.Error())
		}
	}
}

func apiErr(t *testing.T, err error) *twilio.APIError {
	t.Helper()
	e, ok := twilio.AsAPIError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return e
}

func TestRESTFindIncomingNumber(t *testing.T) {
	env := newRESTEnv(t)
	env.fake.AddNumber(restAccount, "+14155550101") // shares a prefix with the searches below
	ctx := context.Background()

	n, err := env.client.FindIncomingNumber(ctx, ourNumber)
	if err != nil {
		t.Fatalf("FindIncomingNumber: %v", err)
	}
	if n.SID != env.numberSID || !numberSIDRe.MatchString(n.SID) {
		t.Errorf("SID = %q, want %q", n.SID, env.numberSID)
	}
	if n.PhoneNumber != ourNumber || n.AccountSID != restAccount {
		t.Errorf("number = %+v", n)
	}
	if !n.Capabilities.Voice || !n.Capabilities.SMS {
		t.Errorf("capabilities = %+v", n.Capabilities)
	}

	// Twilio's PhoneNumber filter matches parts of numbers: only an exact match counts.
	_, err = env.client.FindIncomingNumber(ctx, "+1415555010")
	if !errors.Is(err, twilio.ErrNumberNotFound) || !twilio.IsNotFound(err) {
		t.Errorf("partial number: err = %v, want ErrNumberNotFound", err)
	}
	_, err = env.client.FindIncomingNumber(ctx, "+442071838750")
	if !errors.Is(err, twilio.ErrNumberNotFound) || !twilio.IsNotFound(err) {
		t.Errorf("unknown number: err = %v, want ErrNumberNotFound", err)
	}
	if twilio.IsAuth(err) || twilio.IsRateLimited(err) {
		t.Errorf("unknown number classified as auth/rate limit: %v", err)
	}

	// A number of another account is not found either.
	const other = "AC99999999999999999999999999999999"
	env.fake.AddAccount(other, "other-token")
	env.fake.AddNumber(other, "+14155550177")
	if _, err := env.client.FindIncomingNumber(ctx, "+14155550177"); !errors.Is(err, twilio.ErrNumberNotFound) {
		t.Errorf("other account's number: err = %v, want ErrNumberNotFound", err)
	}
}

func TestRESTWrongCredentials(t *testing.T) {
	env := newRESTEnv(t)
	const wrong = "wrong-token-0b1c2d3e4f"
	bad := *env.client
	bad.AuthToken = wrong
	ctx := context.Background()

	errs := map[string]error{}
	_, errs["find"] = bad.FindIncomingNumber(ctx, ourNumber)
	errs["update number"] = bad.UpdateIncomingNumber(ctx, env.numberSID, twilio.NumberWebhooks{VoiceURL: "https://x.example/voice"})
	_, errs["call"] = bad.CreateCall(ctx, twilio.CallParams{To: theirNumber, From: ourNumber, Twiml: "<Response/>"})
	_, errs["message"] = bad.CreateMessage(ctx, twilio.MessageParams{To: theirNumber, From: ourNumber, Body: "hi"})
	for name, err := range errs {
		e := apiErr(t, err)
		if e.Status != 401 || e.Code != 20003 || e.Message != "Authenticate" || e.MoreInfo != "https://www.twilio.com/docs/errors/20003" {
			t.Errorf("%s: APIError = %+v, want 401 / 20003 Authenticate", name, e)
		}
		if !twilio.IsAuth(err) || twilio.IsNotFound(err) || twilio.IsServerError(err) {
			t.Errorf("%s: classification wrong for %v", name, err)
		}
		checkNoSecret(t, err, wrong)
	}
	if n, _ := env.fake.Number(ourNumber); n.Updates != 0 || n.VoiceURL != "" {
		t.Errorf("a refused update changed the number: %+v", n)
	}
	if len(env.fake.Calls()) != 0 || len(env.fake.Messages()) != 0 {
		t.Error("a refused request created a call or message")
	}

	// An unknown account is refused the same way.
	unknown := *env.client
	unknown.AccountSID = "ACffffffffffffffffffffffffffffffff"
	if _, err := unknown.FindIncomingNumber(ctx, ourNumber); !twilio.IsAuth(err) {
		t.Errorf("unknown account: err = %v, want 20003", err)
	}
}

func TestRESTUpdateIncomingNumber(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()
	hooks := twilio.NumberWebhooks{
		VoiceURL:       "https://dialtone.example.com/twilio/voice",
		SMSURL:         "https://dialtone.example.com/twilio/sms",
		StatusCallback: "https://dialtone.example.com/twilio/status",
	}
	if err := env.client.UpdateIncomingNumber(ctx, env.numberSID, hooks); err != nil {
		t.Fatalf("UpdateIncomingNumber: %v", err)
	}
	n, _ := env.fake.Number(ourNumber)
	if n.VoiceURL != hooks.VoiceURL || n.SMSURL != hooks.SMSURL || n.StatusCallback != hooks.StatusCallback {
		t.Errorf("webhooks = %+v", n)
	}
	if n.VoiceMethod != "POST" || n.SMSMethod != "POST" || n.StatusCallbackMethod != "POST" || n.Updates != 1 {
		t.Errorf("methods/updates = %+v", n)
	}
	got, err := env.client.FindIncomingNumber(ctx, ourNumber)
	if err != nil || got.VoiceURL != hooks.VoiceURL || got.SMSURL != hooks.SMSURL || got.StatusCallback != hooks.StatusCallback {
		t.Errorf("FindIncomingNumber after update = %+v, %v", got, err)
	}

	// Empty URLs clear the webhooks.
	if err := env.client.UpdateIncomingNumber(ctx, env.numberSID, twilio.NumberWebhooks{}); err != nil {
		t.Fatalf("clearing: %v", err)
	}
	if n, _ := env.fake.Number(ourNumber); n.VoiceURL != "" || n.SMSURL != "" || n.StatusCallback != "" || n.Updates != 2 {
		t.Errorf("after clearing: %+v", n)
	}

	err = env.client.UpdateIncomingNumber(ctx, "PN00000000000000000000000000000000", hooks)
	if e := apiErr(t, err); e.Status != 404 || e.Code != 20404 || !twilio.IsNotFound(err) {
		t.Errorf("unknown number SID: %+v", e)
	}
	if err := env.client.UpdateIncomingNumber(ctx, "PN/../Calls", hooks); !errors.Is(err, twilio.ErrInvalidArgument) {
		t.Errorf("malformed SID: err = %v, want ErrInvalidArgument", err)
	}
}

func TestRESTCreateAndUpdateCall(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()
	twiml := `<Response><Connect><Stream url="wss://dialtone.example.com/twilio/media"/></Connect></Response>`
	created := make(chan twiliotest.OutboundCall, 1)
	updated := make(chan url.Values, 4)
	env.fake.SetCallHooks(func(c twiliotest.OutboundCall) { created <- c },
		func(_ twiliotest.OutboundCall, u url.Values) { updated <- u })

	call, err := env.client.CreateCall(ctx, twilio.CallParams{
		To: theirNumber, From: ourNumber, Twiml: twiml,
		StatusCallback:         "https://dialtone.example.com/twilio/status?call=c1",
		StatusCallbackEvents:   []string{"initiated", "ringing", "answered", "completed"},
		StatusCallbackMethod:   "POST",
		Timeout:                30 * time.Second,
		MachineDetection:       "DetectMessageEnd",
		AsyncAMD:               true,
		AsyncAMDStatusCallback: "https://dialtone.example.com/twilio/amd",
	})
	if err != nil {
		t.Fatalf("CreateCall: %v", err)
	}
	if !callSIDRe.MatchString(call.SID) || call.Status != "queued" || call.To != theirNumber ||
		call.From != ourNumber || call.AccountSID != restAccount || call.Direction != "outbound-api" {
		t.Errorf("call = %+v", call)
	}
	select {
	case c := <-created:
		if c.SID != call.SID {
			t.Errorf("created hook got %s, want %s", c.SID, call.SID)
		}
	case <-time.After(2 * time.Second):
		t.Error("created hook not called")
	}
	calls := env.fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("fake has %d calls", len(calls))
	}
	p := calls[0].Params
	want := map[string]string{
		"To": theirNumber, "From": ourNumber, "Twiml": twiml, "Timeout": "30",
		"MachineDetection": "DetectMessageEnd", "AsyncAmd": "true",
		"AsyncAmdStatusCallback": "https://dialtone.example.com/twilio/amd",
		"StatusCallback":         "https://dialtone.example.com/twilio/status?call=c1", "StatusCallbackMethod": "POST",
	}
	for k, v := range want {
		if p.Get(k) != v {
			t.Errorf("param %s = %q, want %q", k, p.Get(k), v)
		}
	}
	if ev := p["StatusCallbackEvent"]; !slices.Equal(ev, []string{"initiated", "ringing", "answered", "completed"}) {
		t.Errorf("StatusCallbackEvent = %q", ev)
	}
	if p.Has("Url") {
		t.Error("Url sent along with Twiml")
	}

	// Redirect (a transfer), then hang up.
	dial := `<Response><Dial>+14155550142</Dial></Response>`
	if err := env.client.UpdateCall(ctx, call.SID, twilio.CallUpdate{Twiml: dial}); err != nil {
		t.Fatalf("UpdateCall redirect: %v", err)
	}
	if err := env.client.UpdateCall(ctx, call.SID, twilio.CallUpdate{Status: "completed"}); err != nil {
		t.Fatalf("UpdateCall hang up: %v", err)
	}
	c, _ := env.fake.Call(call.SID)
	if c.Status != "completed" || len(c.Updates) != 2 || c.Updates[0].Get("Twiml") != dial || c.Updates[1].Get("Status") != "completed" {
		t.Errorf("call after updates = %+v", c)
	}
	for i := range 2 {
		select {
		case <-updated:
		case <-time.After(2 * time.Second):
			t.Fatalf("updated hook call %d missing", i)
		}
	}
	// A finished call cannot be redirected.
	err = env.client.UpdateCall(ctx, call.SID, twilio.CallUpdate{Twiml: `<Response><Play digits="1"/></Response>`})
	if e := apiErr(t, err); e.Code != 21220 || e.Status != 400 {
		t.Errorf("redirect of a completed call: %+v", e)
	}

	err = env.client.UpdateCall(ctx, "CA00000000000000000000000000000000", twilio.CallUpdate{Status: "completed"})
	if e := apiErr(t, err); e.Code != 20404 || e.Status != 404 || !twilio.IsNotFound(err) {
		t.Errorf("unknown call: %+v", e)
	}
	if err := env.client.UpdateCall(ctx, call.SID, twilio.CallUpdate{}); !errors.Is(err, twilio.ErrInvalidArgument) {
		t.Errorf("empty update: err = %v", err)
	}
	if _, err := env.client.CreateCall(ctx, twilio.CallParams{To: theirNumber, From: ourNumber}); !errors.Is(err, twilio.ErrInvalidArgument) {
		t.Errorf("call without Twiml or URL: err = %v", err)
	}
}

func TestRESTCallRefusals(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()
	params := func(to string) twilio.CallParams {
		return twilio.CallParams{To: to, From: ourNumber, Twiml: "<Response/>"}
	}

	_, err := env.client.CreateCall(ctx, params("555-0100"))
	if e := apiErr(t, err); e.Status != 400 || e.Code != 21211 || !twilio.IsInvalidNumber(err) || twilio.IsDestinationNotAllowed(err) {
		t.Errorf("invalid To: %+v", e)
	}

	for _, code := range []int{21215, 21214, 13227} {
		to := "+88216" + strings.Repeat("1", 5)
		env.fake.RejectDestination(to, code)
		_, err := env.client.CreateCall(ctx, params(to))
		if e := apiErr(t, err); e.Status != 400 || e.Code != code || !twilio.IsDestinationNotAllowed(err) || twilio.IsInvalidNumber(err) {
			t.Errorf("rejected destination %d: %+v", code, e)
		}
	}

	// From must be one of the account's numbers.
	_, err = env.client.CreateCall(ctx, twilio.CallParams{To: theirNumber, From: "+14155550111", Twiml: "<Response/>"})
	if e := apiErr(t, err); e.Code != 21210 {
		t.Errorf("foreign From: %+v", e)
	}
	if n := len(env.fake.Calls()); n != 0 {
		t.Errorf("refused calls were created: %d", n)
	}
}

func TestRESTCreateMessage(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()
	msg, err := env.client.CreateMessage(ctx, twilio.MessageParams{
		To: theirNumber, From: ourNumber, Body: "Your appointment is at 3pm.",
		StatusCallback: "https://dialtone.example.com/twilio/sms-status",
	})
	if err != nil {
		t.Fatalf("CreateMessage: %v", err)
	}
	if !messageSIDRe.MatchString(msg.SID) || msg.Status != "queued" || msg.To != theirNumber ||
		msg.From != ourNumber || msg.Body != "Your appointment is at 3pm." || msg.NumSegments != "1" || msg.ErrorCode != nil {
		t.Errorf("message = %+v", msg)
	}
	ms := env.fake.Messages()
	if len(ms) != 1 || ms[0].SID != msg.SID || ms[0].StatusCallback != "https://dialtone.example.com/twilio/sms-status" ||
		ms[0].Direction != "outbound-api" {
		t.Errorf("fake messages = %+v", ms)
	}

	_, err = env.client.CreateMessage(ctx, twilio.MessageParams{To: "not-a-number", From: ourNumber, Body: "x"})
	if e := apiErr(t, err); e.Code != 21211 || e.Status != 400 || !twilio.IsInvalidNumber(err) {
		t.Errorf("invalid To: %+v", e)
	}
	env.fake.RejectDestination("+14155550123", 21610)
	_, err = env.client.CreateMessage(ctx, twilio.MessageParams{To: "+14155550123", From: ourNumber, Body: "x"})
	if e := apiErr(t, err); e.Code != 21610 || e.Status != 400 || !twilio.IsUnsubscribed(err) || twilio.IsInvalidNumber(err) {
		t.Errorf("unsubscribed: %+v", e)
	}
	env.fake.RejectDestination("+8613800000000", 21408)
	_, err = env.client.CreateMessage(ctx, twilio.MessageParams{To: "+8613800000000", From: ourNumber, Body: "x"})
	if !twilio.IsDestinationNotAllowed(err) || twilio.Code(err) != 21408 {
		t.Errorf("geo permission: %v", err)
	}
	if n := len(env.fake.Messages()); n != 1 {
		t.Errorf("refused messages were recorded: %d", n)
	}
}

func TestRESTRateLimitAndServerErrors(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()

	env.fake.FailNext(429)
	_, err := env.client.CreateMessage(ctx, twilio.MessageParams{To: theirNumber, From: ourNumber, Body: "x"})
	e := apiErr(t, err)
	if e.Status != 429 || e.Code != 20429 || !twilio.IsRateLimited(err) || e.RetryAfter != time.Second || twilio.IsServerError(err) {
		t.Errorf("429: %+v", e)
	}
	checkNoSecret(t, err)

	env.fake.FailNext(500)
	_, err = env.client.CreateCall(ctx, twilio.CallParams{To: theirNumber, From: ourNumber, Twiml: "<Response/>"})
	e = apiErr(t, err)
	if e.Status != 500 || e.Code != 20500 || !twilio.IsServerError(err) || twilio.IsRateLimited(err) {
		t.Errorf("500: %+v", e)
	}

	env.fake.FailNextRaw(502, "text/html", "<html><body>502 Bad Gateway</body></html>")
	_, err = env.client.FindIncomingNumber(ctx, ourNumber)
	e = apiErr(t, err)
	if e.Status != 502 || e.Code != 0 || e.Message != "Bad Gateway" || !twilio.IsServerError(err) {
		t.Errorf("non-JSON 502: %+v", e)
	}

	// The failures were one-shot: the next request succeeds.
	if _, err := env.client.FindIncomingNumber(ctx, ourNumber); err != nil {
		t.Errorf("after injected failures: %v", err)
	}
	if n := len(env.fake.Calls()) + len(env.fake.Messages()); n != 0 {
		t.Errorf("failed requests created %d resources", n)
	}
}

func TestRESTTimeouts(t *testing.T) {
	env := newRESTEnv(t)

	// The client's own per-request timeout.
	env.client.Timeout = 100 * time.Millisecond
	env.fake.DelayNext(2 * time.Second)
	start := time.Now()
	_, err := env.client.FindIncomingNumber(context.Background(), ourNumber)
	if !twilio.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("per-request timeout: err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v", d)
	}
	checkNoSecret(t, err)
	if _, ok := twilio.AsAPIError(err); ok {
		t.Errorf("timeout reported as an APIError: %v", err)
	}

	// The caller's context deadline.
	env.client.Timeout = 5 * time.Second
	env.fake.DelayNext(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = env.client.CreateCall(ctx, twilio.CallParams{To: theirNumber, From: ourNumber, Twiml: "<Response/>"})
	if !twilio.IsTimeout(err) {
		t.Errorf("context deadline: err = %v, want ErrTimeout", err)
	}

	// The HTTP client's timeout.
	env.client.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	env.fake.DelayNext(2 * time.Second)
	_, err = env.client.CreateMessage(context.Background(), twilio.MessageParams{To: theirNumber, From: ourNumber, Body: "x"})
	if !twilio.IsTimeout(err) {
		t.Errorf("http.Client timeout: err = %v, want ErrTimeout", err)
	}
	checkNoSecret(t, err)

	// A canceled context is not a timeout.
	env.client.HTTPClient = nil
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = env.client.FindIncomingNumber(ctx, ourNumber)
	if twilio.IsTimeout(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err = %v", err)
	}
}

func TestRESTTransportErrorHasNoToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	c := &twilio.REST{BaseURL: srv.URL, AccountSID: restAccount, AuthToken: restToken, Timeout: time.Second}
	_, err := c.FindIncomingNumber(context.Background(), ourNumber)
	if err == nil || twilio.IsTimeout(err) {
		t.Fatalf("err = %v, want a connection error", err)
	}
	checkNoSecret(t, err)
}

// webhookSink records the webhook requests it receives.
type webhookSink struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []webhookRequest
	reply string
}

type webhookRequest struct {
	method, fullURL, signature string
	params                     url.Values
}

func newSink(t *testing.T, reply string) *webhookSink {
	s := &webhookSink{reply: reply}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, _ := url.ParseQuery(string(body))
		if r.Method == http.MethodGet {
			params = nil
		}
		s.mu.Lock()
		s.got = append(s.got, webhookRequest{r.Method, s.srv.URL + r.RequestURI, r.Header.Get(twilio.HeaderSignature), params})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, s.reply)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *webhookSink) requests() []webhookRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func checkSigned(t *testing.T, r webhookRequest) {
	t.Helper()
	if !twilio.ValidRequest(restToken, r.fullURL, r.params, r.signature) {
		t.Errorf("signature of %s does not validate", r.fullURL)
	}
	if twilio.ValidRequest("not-the-token", r.fullURL, r.params, r.signature) {
		t.Errorf("signature of %s validates with a wrong token", r.fullURL)
	}
}

func TestFakeCallStatusCallbacks(t *testing.T) {
	env := newRESTEnv(t)
	sink := newSink(t, "")
	ctx := context.Background()
	call, err := env.client.CreateCall(ctx, twilio.CallParams{
		To: theirNumber, From: ourNumber, Twiml: "<Response/>",
		StatusCallback:       sink.srv.URL + "/twilio/status?call=c1",
		StatusCallbackEvents: []string{"ringing", "answered", "completed"},
		AsyncAMD:             true, MachineDetection: "Enable",
		AsyncAMDStatusCallback: sink.srv.URL + "/twilio/amd",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.fake.SendStatusCallback(ctx, call.SID, "initiated", nil); !errors.Is(err, twiliotest.ErrNotSubscribed) {
		t.Errorf("unsubscribed event: err = %v, want ErrNotSubscribed", err)
	}
	for _, st := range []string{"ringing", "in-progress"} {
		if err := env.fake.SendStatusCallback(ctx, call.SID, st, nil); err != nil {
			t.Fatalf("SendStatusCallback %s: %v", st, err)
		}
	}
	if err := env.fake.SendAMDResult(ctx, call.SID, "machine_end_beep", 3200*time.Millisecond); err != nil {
		t.Fatalf("SendAMDResult: %v", err)
	}
	if err := env.fake.SendStatusCallback(ctx, call.SID, "completed", url.Values{"SipResponseCode": {"200"}}); err != nil {
		t.Fatalf("SendStatusCallback completed: %v", err)
	}

	reqs := sink.requests()
	if len(reqs) != 4 {
		t.Fatalf("got %d webhook requests, want 4", len(reqs))
	}
	status := []webhookRequest{reqs[0], reqs[1], reqs[3]}
	for i, want := range []string{"ringing", "in-progress", "completed"} {
		r := status[i]
		checkSigned(t, r)
		p := r.params
		if r.method != "POST" || r.fullURL != sink.srv.URL+"/twilio/status?call=c1" {
			t.Errorf("%s: %s %s", want, r.method, r.fullURL)
		}
		wantParams := map[string]string{
			"CallSid": call.SID, "AccountSid": restAccount, "From": ourNumber, "To": theirNumber,
			"CallStatus": want, "Direction": "outbound-api", "ApiVersion": "2010-04-01",
			"CallbackSource": "call-progress-events", "SequenceNumber": []string{"0", "1", "2"}[i],
		}
		for k, v := range wantParams {
			if p.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", want, k, p.Get(k), v)
			}
		}
		if _, err := time.Parse(time.RFC1123Z, p.Get("Timestamp")); err != nil {
			t.Errorf("%s: Timestamp %q: %v", want, p.Get("Timestamp"), err)
		}
		if (want == "completed") != p.Has("CallDuration") {
			t.Errorf("%s: CallDuration present = %v", want, p.Has("CallDuration"))
		}
	}
	if reqs[3].params.Get("SipResponseCode") != "200" {
		t.Error("extra parameter not sent")
	}
	amd := reqs[2]
	checkSigned(t, amd)
	if amd.fullURL != sink.srv.URL+"/twilio/amd" || amd.params.Get("AnsweredBy") != "machine_end_beep" ||
		amd.params.Get("MachineDetectionDuration") != "3200" || amd.params.Get("CallSid") != call.SID {
		t.Errorf("AMD callback = %+v", amd)
	}
	if c, _ := env.fake.Call(call.SID); c.Status != "completed" {
		t.Errorf("fake call status = %q", c.Status)
	}

	// The handler's own validation accepts the request too.
	req := httptest.NewRequest("POST", "/twilio/status?call=c1", strings.NewReader(reqs[0].params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, reqs[0].signature)
	if err := twilio.VerifyRequest(req, sink.srv.URL, restToken); err != nil {
		t.Errorf("VerifyRequest: %v", err)
	}
}

func TestFakeMessageWebhooks(t *testing.T) {
	env := newRESTEnv(t)
	ctx := context.Background()
	reply := `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks!</Message></Response>`
	sink := newSink(t, reply)
	if err := env.client.UpdateIncomingNumber(ctx, env.numberSID, twilio.NumberWebhooks{SMSURL: sink.srv.URL + "/twilio/sms"}); err != nil {
		t.Fatal(err)
	}
	msg, err := env.client.CreateMessage(ctx, twilio.MessageParams{
		To: theirNumber, From: ourNumber, Body: "hello", StatusCallback: sink.srv.URL + "/twilio/sms-status",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.fake.SendMessageStatus(ctx, msg.SID, "delivered", 0); err != nil {
		t.Fatal(err)
	}
	if err := env.fake.SendMessageStatus(ctx, msg.SID, "undelivered", 30003); err != nil {
		t.Fatal(err)
	}
	inSID, twiml, err := env.fake.SendInboundSMS(ctx, restAccount, theirNumber, ourNumber, "STOP please")
	if err != nil {
		t.Fatal(err)
	}
	if string(twiml) != reply || !messageSIDRe.MatchString(inSID) {
		t.Errorf("inbound SMS: sid %q, reply %q", inSID, twiml)
	}

	reqs := sink.requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d webhook requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		checkSigned(t, r)
	}
	d := reqs[0].params
	if d.Get("MessageSid") != msg.SID || d.Get("MessageStatus") != "delivered" || d.Get("AccountSid") != restAccount ||
		d.Get("From") != ourNumber || d.Get("To") != theirNumber || d.Get("ApiVersion") != "2010-04-01" || d.Has("ErrorCode") {
		t.Errorf("delivered callback = %v", d)
	}
	if u := reqs[1].params; u.Get("MessageStatus") != "undelivered" || u.Get("ErrorCode") != "30003" {
		t.Errorf("undelivered callback = %v", u)
	}
	in := reqs[2]
	if in.fullURL != sink.srv.URL+"/twilio/sms" {
		t.Errorf("inbound SMS went to %s", in.fullURL)
	}
	wantIn := map[string]string{
		"MessageSid": inSID, "SmsSid": inSID, "AccountSid": restAccount, "From": theirNumber, "To": ourNumber,
		"Body": "STOP please", "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01",
	}
	for k, v := range wantIn {
		if in.params.Get(k) != v {
			t.Errorf("inbound %s = %q, want %q", k, in.params.Get(k), v)
		}
	}
}

func TestFakeSegments(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{"hello", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("é", 160), 1}, // é is in GSM-7
		{strings.Repeat("ж", 70), 1},
		{strings.Repeat("ж", 71), 2},
		{strings.Repeat("{", 80), 1}, // extension characters take two septets
		{strings.Repeat("{", 81), 2},
	} {
		if got := twiliotest.Segments(tc.body); got != tc.want {
			t.Errorf("Segments(%d × %q) = %d, want %d", len([]rune(tc.body)), []rune(tc.body)[0], got, tc.want)
		}
	}
}
