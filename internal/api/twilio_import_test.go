package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// The Twilio account of the tests: a well-formed SID and a token that must never show.
const (
	twilioAccount = "AC0123456789abcdef0123456789abcdef"
	twilioToken   = "tok_5ecret_never_shown_0123456789"
)

// twilioEnv starts the server with the Twilio carrier over a fake Twilio holding
// twilioAccount.
func twilioEnv(t *testing.T, dialect string, opts apitest.Options) (*apitest.Env, *twiliotest.Fake) {
	t.Helper()
	fake := twiliotest.New()
	t.Cleanup(fake.Close)
	fake.AddAccount(twilioAccount, twilioToken)
	opts.TwilioAPIURL = fake.URL()
	return apitest.Start(t, dialect, opts), fake
}

// importNumber imports number from twilioAccount, attached to agentID ("" for none).
func importNumber(t *testing.T, env *apitest.Env, number, agentID string) dialtone.PhoneNumber {
	t.Helper()
	agent := ""
	if agentID != "" {
		agent = `,"agent_id":"` + agentID + `"`
	}
	r := call(t, env, "POST", "/v1/phone-numbers/import", env.Admin, `{"phone_number":"`+number+
		`","carrier":"twilio","twilio_account_sid":"`+twilioAccount+`","twilio_auth_token":"`+twilioToken+`"`+agent+`}`)
	mustStatus(t, r, http.StatusCreated)
	return decode[dialtone.PhoneNumber](t, r.Raw)
}

// TestImportTwilioNumber: an import points the number's webhooks at this server, keeps the
// token out of every answer, charges nothing, and a delete clears the webhooks at Twilio
// without releasing the number there.
func TestImportTwilioNumber(t *testing.T) {
	t.Parallel()
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			env, fake := twilioEnv(t, d, apitest.Options{})
			fake.AddNumber(twilioAccount, "+14155550181")
			agent := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Receptionist"}`).JSON["id"].(string)
			n := importNumber(t, env, "+14155550181", agent)
			if n.Carrier != "twilio" || n.Source != dialtone.PhoneNumberSourceImported || n.CarrierAccountSID == nil ||
				*n.CarrierAccountSID != twilioAccount || n.AgentID == nil || *n.AgentID != agent || !n.PaidThrough.IsZero() || n.Country != "US" {
				t.Fatalf("imported number %+v", n)
			}
			at, _ := fake.Number("+14155550181")
			if at.VoiceURL != env.URL+"/twilio/voice" || at.SMSURL != env.URL+"/twilio/sms" || at.StatusCallback != env.URL+"/twilio/voice/status" {
				t.Fatalf("webhooks at Twilio: %+v", at)
			}
			for _, path := range []string{"/v1/phone-numbers/" + n.ID, "/v1/phone-numbers", "/v1/events?limit=100", "/v1/usage"} {
				r := call(t, env, "GET", path, env.Admin, "")
				mustStatus(t, r, http.StatusOK)
				if strings.Contains(string(r.Raw), twilioToken) {
					t.Fatalf("GET %s shows the auth token: %s", path, r.Raw)
				}
			}
			mustStatus(t, call(t, env, "DELETE", "/v1/phone-numbers/"+n.ID, env.Admin, ""), http.StatusOK)
			at, ok := fake.Number("+14155550181")
			if !ok || at.VoiceURL != "" || at.SMSURL != "" || at.StatusCallback != "" {
				t.Fatalf("after delete, at Twilio: %+v (still there: %v)", at, ok)
			}
			// Deleted here, it can be imported again.
			importNumber(t, env, "+14155550181", "")
		})
	}
}
