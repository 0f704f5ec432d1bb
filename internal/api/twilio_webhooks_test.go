package api_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
)

// TestTwilioSMS sends a text through Twilio's Messages API and follows its status callbacks,
// and receives texts through the SMS webhook (a STOP opts the sender out and the
// confirmation goes out through the Messages API).
func TestTwilioSMS(t *testing.T) {
	t.Parallel()
	env, fake := twilioEnv(t, "sqlite", apitest.Options{ReadsPerMinute: pollReads})
	fake.AddNumber(twilioAccount, "+14155550186")
	num := importNumber(t, env, "+14155550186", "")
	mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"a2p_10dlc_registered":true}`), http.StatusOK)

	sent := func(to string) (dialtone.Message, twiliotest.SMSMessage) {
		t.Helper()
		r := send(t, env, env.Admin, `{"to_number":"`+to+`","from_number":"+14155550186","body":"Your table is ready."}`)
		mustStatus(t, r, http.StatusCreated)
		m := decode[dialtone.Message](t, r.Raw)
		var at twiliotest.SMSMessage
		waitFor(t, "the message at Twilio", func() bool {
			i := slices.IndexFunc(fake.Messages(), func(x twiliotest.SMSMessage) bool { return x.To == to && x.Direction == "outbound-api" })
			if i >= 0 {
				at = fake.Messages()[i]
			}
			return i >= 0
		})
		if at.From != "+14155550186" || at.Body != "Your table is ready." || at.StatusCallback != env.URL+"/twilio/messages/"+m.ID+"/status" {
			t.Fatalf("at Twilio: %+v", at)
		}
		return m, at
	}
	m, at := sent("+12125550161")
	m = waitMessage(t, env, m.ID, dialtone.MessageSent)
	if m.CarrierMessageID == nil || *m.CarrierMessageID != at.SID {
		t.Fatalf("carrier id %v, want %s", m.CarrierMessageID, at.SID)
	}
	if err := fake.SendMessageStatus(t.Context(), at.SID, "delivered", 0); err != nil {
		t.Fatal(err)
	}
	waitMessage(t, env, m.ID, dialtone.MessageDelivered)

	m, at = sent("+12125550162")
	waitMessage(t, env, m.ID, dialtone.MessageSent)
	if err := fake.SendMessageStatus(t.Context(), at.SID, "undelivered", 30003); err != nil {
		t.Fatal(err)
	}
	m = waitMessage(t, env, m.ID, dialtone.MessageUndelivered)
	if m.ErrorCode == nil || *m.ErrorCode != dialtone.MessageErrorUnreachable {
		t.Fatalf("error_code %v", m.ErrorCode)
	}

	// Twilio refuses a recipient who replied STOP to this sender at Twilio.
	fake.RejectDestination("+12125550163", 21610)
	m, _ = sendTo(t, env, "+12125550163")
	m = waitMessage(t, env, m.ID, dialtone.MessageFailed)
	if *m.ErrorCode != dialtone.MessageErrorUnsubscribed {
		t.Fatalf("error_code %v", *m.ErrorCode)
	}

	_, twiml, err := fake.SendInboundSMS(t.Context(), twilioAccount, "+12125550164", "+14155550186", " stop ")
	if err != nil || !strings.Contains(string(twiml), "<Response/>") {
		t.Fatalf("inbound STOP: %v %s", err, twiml)
	}
	waitFor(t, "the opt-out confirmation at Twilio", func() bool {
		return slices.ContainsFunc(fake.Messages(), func(x twiliotest.SMSMessage) bool {
			return x.To == "+12125550164" && x.Body == dialtone.OptOutConfirmationText
		})
	})
	wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550164","from_number":"+14155550186","body":"Hi"}`),
		dialtone.CodeRecipientUnsubscribed, "to_number")
}

// sendTo sends a text from the test's imported number.
func sendTo(t *testing.T, env *apitest.Env, to string) (dialtone.Message, resp) {
	t.Helper()
	r := send(t, env, env.Admin, `{"to_number":"`+to+`","from_number":"+14155550186","body":"Hello"}`)
	mustStatus(t, r, http.StatusCreated)
	return decode[dialtone.Message](t, r.Raw), r
}

// waitMessage waits until message id has status st and returns it.
func waitMessage(t *testing.T, env *apitest.Env, id string, st dialtone.MessageStatus) dialtone.Message {
	t.Helper()
	var m dialtone.Message
	waitFor(t, "message "+id+" "+string(st), func() bool {
		m = decode[dialtone.Message](t, call(t, env, "GET", "/v1/messages/"+id, env.Admin, "").Raw)
		return m.Status == st
	})
	return m
}

// TestTwilioSignatures: a webhook or stream upgrade without Twilio's signature, with a forged
// one, or signed with another account's token is refused with 403 and changes nothing; the
// refusal is logged without the request's content. No log line and no answer ever holds the
// auth token.
func TestTwilioSignatures(t *testing.T) {
	t.Parallel()
	logs := &apitest.LogBuffer{}
	env, fake := twilioEnv(t, "sqlite", apitest.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	fake.AddNumber(twilioAccount, "+14155550187")
	agent := call(t, env, "POST", "/v1/agents", env.Admin, twilioAgent).JSON["id"].(string)
	importNumber(t, env, "+14155550187", agent)
	wantError(t, env, call(t, env, "POST", "/v1/phone-numbers/import", env.Admin, `{"phone_number":"+14155550188","carrier":"twilio",
		"twilio_account_sid":"`+twilioAccount+`","twilio_auth_token":"`+twilioToken+`x"}`), dialtone.CodeCarrierCredentialsInvalid, "twilio_auth_token")

	voice := url.Values{"CallSid": {twiliotest.NewSID("CA")}, "AccountSid": {twilioAccount}, "From": {"+12125550165"},
		"To": {"+14155550187"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
	sms := url.Values{"MessageSid": {twiliotest.NewSID("SM")}, "AccountSid": {twilioAccount}, "From": {"+12125550165"},
		"To": {"+14155550187"}, "Body": {"STOP"}}
	post := func(path string, form url.Values, signature string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signature != "" {
			req.Header.Set(twilio.HeaderSignature, signature)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	otherAccount := strings.Replace(twilioAccount, "AC0", "AC9", 1)
	forged := url.Values{}
	for k, v := range voice {
		forged[k] = v
	}
	forged.Set("From", "+19005550100") // signed, then changed on the way
	for _, tc := range []struct {
		name, path string
		form       url.Values
		signature  string
	}{
		{"voice without a signature", "/twilio/voice", voice, ""},
		{"voice with a forged signature", "/twilio/voice", voice, "bm90IGEgc2lnbmF0dXJl"},
		{"voice signed with another token", "/twilio/voice", voice, twilio.Signature("another-token", env.URL+"/twilio/voice", voice)},
		{"voice with changed parameters", "/twilio/voice", forged, twilio.Signature(twilioToken, env.URL+"/twilio/voice", voice)},
		{"voice for another account", "/twilio/voice", withAccount(voice, otherAccount),
			twilio.Signature(twilioToken, env.URL+"/twilio/voice", withAccount(voice, otherAccount))},
		{"sms without a signature", "/twilio/sms", sms, ""},
		{"sms signed over another URL", "/twilio/sms", sms, twilio.Signature(twilioToken, "https://elsewhere.example/twilio/sms", sms)},
		{"status of an unknown call", "/twilio/calls/call_nope/status", voice, "bm90IGEgc2lnbmF0dXJl"},
		{"message status", "/twilio/messages/msg_nope/status", sms, ""},
	} {
		if got := post(tc.path, tc.form, tc.signature); got != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, got)
		}
	}
	if calls := decode[dialtone.List[dialtone.Call]](t, call(t, env, "GET", "/v1/calls", env.Admin, "").Raw).Data; len(calls) != 0 {
		t.Errorf("refused requests made calls: %+v", calls)
	}
	if msgs := decode[dialtone.List[dialtone.Message]](t, call(t, env, "GET", "/v1/messages", env.Admin, "").Raw).Data; len(msgs) != 0 {
		t.Errorf("refused requests stored messages: %+v", msgs)
	}
	// The stream's upgrade is signed too: without a signature, no socket.
	_, res, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(env.URL, "http")+"/twilio/stream/call_nope", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned stream upgrade: %v (%v)", err, res)
	}
	// Correctly signed, the same voice request is answered.
	if got := post("/twilio/voice", voice, twilio.Signature(twilioToken, env.URL+"/twilio/voice", voice)); got != http.StatusOK {
		t.Errorf("signed voice webhook: %d", got)
	}

	out := logs.String()
	if n := strings.Count(out, "twilio webhook refused"); n < 9 {
		t.Errorf("%d refusals logged, want at least 9:\n%s", n, out)
	}
	for _, secret := range []string{twilioToken, "STOP", "+19005550100"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}

func withAccount(form url.Values, account string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("AccountSid", account)
	return out
}
