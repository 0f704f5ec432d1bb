package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
	"github.com/dialtonehq/dialtone/internal/core"
)

// TestEveryErrorCode triggers every catalogued error through the real server and checks its
// envelope; it fails when a code is added to the catalogue without a test that triggers it.
func TestEveryErrorCode(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{WritesPerMinute: 1000, IdempotencyWait: 50 * time.Millisecond})
	_, otherAdmin := env.Org(t, "other")
	readKey := env.Key(t, env.OrgID, dialtone.RoleRead, false)
	writeKey := env.Key(t, env.OrgID, dialtone.RoleWrite, false)
	keyID, _, _ := strings.Cut(env.Admin, ":")
	revoked := env.Key(t, env.OrgID, dialtone.RoleWrite, false)
	revokedID, _, _ := strings.Cut(revoked, ":")
	mustStatus(t, call(t, env, "DELETE", "/v1/keys/"+revokedID, env.Admin, ""), 200)
	agent := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"A"}`)
	mustStatus(t, agent, 201)

	// An in-flight request from "another node" holds this key, for the same request.
	sum := sha256.Sum256([]byte("POST /v1/agents\n" + `{"name":"D"}`))
	if _, claimed, err := env.Store.BeginIdempotent(context.Background(), core.IdempotencyRecord{
		OrganizationID: env.OrgID, Key: "held", Fingerprint: hex.EncodeToString(sum[:]), CreatedAt: time.Now().UTC(),
	}, time.Now().Add(-time.Hour)); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	mustStatus(t, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"B"}`, "Idempotency-Key", "used"), 201)
	agent2 := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"E"}`).JSON["id"].(string)
	held := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"agent_id":"`+agent.JSON["id"].(string)+`"}`)
	mustStatus(t, held, 201)
	heldNumber := held.JSON["id"].(string)
	operator := env.Key(t, env.OrgID, dialtone.RoleRead, true)                           // not admin: the bootstrap key stays the last admin key
	tenant := call(t, env, "POST", "/v1/organizations", operator, `{"name":"Unfunded"}`) // prepaid, balance 0
	mustStatus(t, tenant, 201)
	unfunded := tenant.JSON["admin_key"].(map[string]any)["credential"].(string)

	tooMany := map[string]string{}
	for i := range 51 {
		tooMany[fmt.Sprintf("k%d", i)] = "v"
	}
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	mustStatus(t, call(t, env, "POST", "/v1/contacts", env.Admin, `{"phone_number":"+14155550123"}`), 201)
	noPhoneCSV, csvType := csvUpload(t, "file", "name\nAda\n")
	hugeCSV, hugeType := csvUpload(t, "file", "phone_number\n"+strings.Repeat("+14155550123\n", dialtone.MaxContactImportRows+1))

	// Campaigns: a draft without leads, a canceled one, and one whose lead is being called
	// (its number rings for 30 s).
	cmpAgent := agent.JSON["id"].(string)
	emptyCampaign := newCampaign(t, env, env.Admin, cmpAgent, "")
	canceledCampaign := newCampaign(t, env, env.Admin, cmpAgent, "")
	mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+canceledCampaign+"/cancel", env.Admin, ""), 200)
	callingCampaign := newCampaign(t, env, env.Admin, cmpAgent, "")
	mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+callingCampaign+"/leads", env.Admin, leadsJSON(sandboxTo("11"))), 201)
	mustStatus(t, call(t, env, "POST", "/v1/campaigns/"+callingCampaign+"/start", env.Admin, ""), 200)
	var callingLead string
	waitFor(t, "the campaign's lead to be called", func() bool {
		l := campaignLeads(t, env, env.Admin, callingCampaign)[sandboxTo("11")]
		callingLead = l.ID
		return l.Status == dialtone.LeadCalling
	})

	cases := []struct {
		name, method, path, cred, body string
		headers                        []string
		code                           dialtone.Code
		param                          string
	}{
		{"malformed json", "POST", "/v1/agents", env.Admin, `{"name":`, nil, dialtone.CodeInvalidJSON, ""},
		{"not an object", "POST", "/v1/agents", env.Admin, `[1]`, nil, dialtone.CodeInvalidJSON, ""},
		{"wrong type", "POST", "/v1/agents", env.Admin, `{"name":5}`, nil, dialtone.CodeInvalidType, "name"},
		{"unknown field", "POST", "/v1/agents", env.Admin, `{"name":"a","to":"x"}`, nil, dialtone.CodeUnknownField, "to"},
		{"duplicate field", "POST", "/v1/agents", env.Admin, `{"name":"a","name":"b"}`, nil, dialtone.CodeDuplicateField, "name"},
		{"body too large", "POST", "/v1/agents", env.Admin, big, nil, dialtone.CodeBodyTooLarge, ""},
		{"wrong content type", "POST", "/v1/agents", env.Admin, `{"name":"a"}`, []string{"Content-Type", "text/plain"}, dialtone.CodeUnsupportedMediaType, ""},
		{"wrong method", "PUT", "/v1/agents", env.Admin, "", nil, dialtone.CodeMethodNotAllowed, ""},
		{"unknown parameter", "GET", "/v1/agents?nmae=x", env.Admin, "", nil, dialtone.CodeUnknownParameter, "nmae"},
		{"both cursors", "GET", "/v1/agents?starting_after=a&ending_before=b", env.Admin, "", nil, dialtone.CodeParametersExclusive, "ending_before"},
		{"bad cursor", "GET", "/v1/agents?starting_after=agt_nope", env.Admin, "", nil, dialtone.CodeInvalidCursor, ""},
		{"bad idempotency key", "POST", "/v1/agents", env.Admin, `{"name":"a"}`, []string{"Idempotency-Key", strings.Repeat("k", 256)}, dialtone.CodeInvalidIdempotencyKey, "Idempotency-Key"},
		{"name missing", "POST", "/v1/agents", env.Admin, `{}`, nil, dialtone.CodeFieldRequired, "name"},
		{"name empty", "POST", "/v1/agents", env.Admin, `{"name":" "}`, nil, dialtone.CodeValueTooShort, "name"},
		{"greeting too long", "POST", "/v1/agents", env.Admin, `{"name":"a","greeting":"` + strings.Repeat("g", 1001) + `"}`, nil, dialtone.CodeValueTooLong, "greeting"},
		{"duration out of range", "POST", "/v1/agents", env.Admin, `{"name":"a","max_call_duration_seconds":10}`, nil, dialtone.CodeValueOutOfRange, "max_call_duration_seconds"},
		{"bad brain", "POST", "/v1/agents", env.Admin, `{"name":"a","brain":{"type":"gpt"}}`, nil, dialtone.CodeInvalidValue, "brain.type"},
		{"bad limit", "GET", "/v1/agents?limit=0", env.Admin, "", nil, dialtone.CodeInvalidValue, "limit"},
		{"too many metadata keys", "POST", "/v1/agents", env.Admin, `{"name":"a","metadata":` + jsonOf(tooMany) + `}`, nil, dialtone.CodeTooManyItems, "metadata"},
		{"prompt too long", "POST", "/v1/agents", env.Admin, `{"name":"a","system_prompt":"` + strings.Repeat("p", 10001) + `"}`, nil, dialtone.CodePromptTooLong, "system_prompt"},
		{"bad voice", "POST", "/v1/agents", env.Admin, `{"name":"a","voice":"nova"}`, nil, dialtone.CodeInvalidVoiceID, "voice"},
		{"bad language", "POST", "/v1/agents", env.Admin, `{"name":"a","language":"xx-XX"}`, nil, dialtone.CodeInvalidLanguage, "language"},
		{"bad phone", "POST", "/v1/agents", env.Admin, `{"name":"a","transfer_numbers":["4155550123"]}`, nil, dialtone.CodeInvalidPhoneFormat, "transfer_numbers[0]"},
		{"no key", "GET", "/v1/agents", "", "", nil, dialtone.CodeMissingAPIKey, ""},
		{"wrong secret", "GET", "/v1/agents", keyID + ":dts_" + strings.Repeat("A", 43), "", nil, dialtone.CodeInvalidAPIKey, ""},
		{"revoked key", "GET", "/v1/agents", revoked, "", nil, dialtone.CodeInvalidAPIKey, ""},
		{"key id only", "GET", "/v1/agents", keyID, "", nil, dialtone.CodeKeySecretRequired, ""},
		{"read key writes", "POST", "/v1/agents", readKey, `{"name":"a"}`, nil, dialtone.CodeInsufficientPermissions, ""},
		{"write key manages keys", "GET", "/v1/keys", writeKey, "", nil, dialtone.CodeInsufficientPermissions, ""},
		{"not an operator", "POST", "/v1/organizations", env.Admin, `{"name":"x"}`, nil, dialtone.CodeOperatorRequired, ""},
		{"no route", "GET", "/v1/nope", env.Admin, "", nil, dialtone.CodeRouteNotFound, ""},
		{"foreign agent", "GET", "/v1/agents/" + agent.JSON["id"].(string), otherAdmin, "", nil, dialtone.CodeAgentNotFound, ""},
		{"no key to revoke", "DELETE", "/v1/keys/key_nope", env.Admin, "", nil, dialtone.CodeKeyNotFound, ""},
		{"key reused", "POST", "/v1/agents", env.Admin, `{"name":"C"}`, []string{"Idempotency-Key", "used"}, dialtone.CodeIdempotencyKeyReused, "Idempotency-Key"},
		{"key in use", "POST", "/v1/agents", env.Admin, `{"name":"D"}`, []string{"Idempotency-Key", "held"}, dialtone.CodeIdempotencyKeyInUse, "Idempotency-Key"},
		{"last admin key", "DELETE", "/v1/keys/" + keyID, env.Admin, "", nil, dialtone.CodeLastAdminKey, ""},
		{"bad country", "POST", "/v1/phone-numbers", env.Admin, `{"country":"United States"}`, nil, dialtone.CodeInvalidCountry, "country"},
		{"bad destination country", "PUT", "/v1/telephony-config", env.Admin, `{"allowed_countries":["US","XX"]}`, nil, dialtone.CodeInvalidCountry, "allowed_countries[1]"},
		{"read key sets destinations", "PUT", "/v1/telephony-config", readKey, `{}`, nil, dialtone.CodeInsufficientPermissions, ""},
		{"no such number", "GET", "/v1/phone-numbers/num_nope", env.Admin, "", nil, dialtone.CodePhoneNumberNotFound, ""},
		{"no such event", "GET", "/v1/events/evt_nope", env.Admin, "", nil, dialtone.CodeEventNotFound, ""},
		{"no such webhook endpoint", "GET", "/v1/webhook-endpoints/we_nope", env.Admin, "", nil, dialtone.CodeWebhookEndpointNotFound, ""},
		{"webhook to the metadata address", "POST", "/v1/webhook-endpoints", env.Admin, `{"url":"https://169.254.169.254/latest","events":["*"]}`, nil, dialtone.CodeWebhookURLNotAllowed, "url"},
		{"no numbers in area", "POST", "/v1/phone-numbers", env.Admin, `{"area_code":"999"}`, nil, dialtone.CodeNoNumbersAvailable, ""},
		{"unfunded prepaid number", "POST", "/v1/phone-numbers", unfunded, `{}`, nil, dialtone.CodeInsufficientBalance, ""},
		{"credit unknown organization", "POST", "/v1/organizations/org_nope/credits", operator, `{"amount_micros":1000000}`, nil, dialtone.CodeOrganizationNotFound, ""},
		{"no such contact", "GET", "/v1/contacts/ct_nope", env.Admin, "", nil, dialtone.CodeContactNotFound, ""},
		{"contact number taken", "POST", "/v1/contacts", env.Admin, `{"phone_number":"+14155550123"}`, nil, dialtone.CodeContactAlreadyExists, "phone_number"},
		{"campaign not found", "GET", "/v1/campaigns/cmp_nope", env.Admin, "", nil, dialtone.CodeCampaignNotFound, ""},
		{"lead not found", "GET", "/v1/campaigns/" + callingCampaign + "/leads/lead_nope", env.Admin, "", nil, dialtone.CodeLeadNotFound, ""},
		{"resume a canceled campaign", "POST", "/v1/campaigns/" + canceledCampaign + "/resume", env.Admin, "", nil, dialtone.CodeCampaignStateConflict, ""},
		{"start a campaign without leads", "POST", "/v1/campaigns/" + emptyCampaign + "/start", env.Admin, "", nil, dialtone.CodeCampaignHasNoLeads, ""},
		{"leads rejected", "POST", "/v1/campaigns/" + emptyCampaign + "/leads", env.Admin, `{"leads":[{"phone_number":"+14155550123"},{"phone_number":"555-0123"}]}`, nil, dialtone.CodeLeadsRejected, ""},
		{"delete a lead being called", "DELETE", "/v1/campaigns/" + callingCampaign + "/leads/" + callingLead, env.Admin, "", nil, dialtone.CodeLeadInCall, ""},
		{"csv without phone_number", "POST", "/v1/contacts/import", env.Admin, noPhoneCSV, []string{"Content-Type", csvType}, dialtone.CodeInvalidCSV, ""},
		{"csv too long", "POST", "/v1/contacts/import", env.Admin, hugeCSV, []string{"Content-Type", hugeType}, dialtone.CodeImportTooLarge, ""},
		{"number held by another agent", "PATCH", "/v1/phone-numbers/" + heldNumber, env.Admin, `{"agent_id":"` + agent2 + `"}`, nil, dialtone.CodeNumberAlreadyAssigned, "agent_id"},
	}
	covered := map[dialtone.Code]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, env, c.method, c.path, c.cred, c.body, c.headers...)
			wantError(t, env, r, c.code, c.param)
			covered[c.code] = true
			if c.code == dialtone.CodeMethodNotAllowed && r.Header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow %q", r.Header.Get("Allow"))
			}
			if c.code == dialtone.CodeIdempotencyKeyInUse && r.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		})
	}

	t.Run("rate limit", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{WritesPerMinute: 2})
		for range 2 {
			mustStatus(t, call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"a"}`), 201)
		}
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"a"}`)
		wantError(t, env, r, dialtone.CodeRateLimitExceeded, "")
		if r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("headers %v", r.Header)
		}
		// Reads have their own budget.
		mustStatus(t, call(t, env, "GET", "/v1/agents", env.Admin, ""), 200)
		covered[dialtone.CodeRateLimitExceeded] = true
	})

	t.Run("calls", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.01, MaxQueuedCalls: 1, MaxConcurrentCalls: 1, WritesPerMinute: 1000})
		agent, _, number := callSetup(t, env, env.Admin, "")
		lonely := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"No number"}`).JSON["id"].(string)
		post := func(body string) resp { return call(t, env, "POST", "/v1/calls", env.Admin, body) }
		wantError(t, env, post(`{"agent_id":"`+lonely+`","to_number":"+12125550100"}`), dialtone.CodeAgentNoPhone, "agent_id")
		wantError(t, env, post(`{"agent_id":"`+lonely+`","to_number":"+12125550100","from_number":"`+number+`"}`), dialtone.CodeFromNumberNotOwned, "from_number")
		wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"+19002345678"}`), dialtone.CodeDestinationNotAllowed, "to_number")
		wantError(t, env, call(t, env, "GET", "/v1/calls/call_nope", env.Admin, ""), dialtone.CodeCallNotFound, "")

		failed := placeCall(t, env, env.Admin, agent, "+12125550113", "")
		waitCall(t, env, env.Admin, failed, ended)
		wantError(t, env, call(t, env, "POST", "/v1/calls/"+failed+"/hangup", env.Admin, ""), dialtone.CodeCallAlreadyEnded, "")
		wantError(t, env, call(t, env, "GET", "/v1/calls/"+failed+"/recording", env.Admin, ""), dialtone.CodeRecordingNotFound, "")

		live := placeCall(t, env, env.Admin, agent, "+12125550100", "")
		waitCall(t, env, env.Admin, live, status(dialtone.CallInProgress))
		wantError(t, env, call(t, env, "DELETE", "/v1/calls/"+live, env.Admin, ""), dialtone.CodeCallNotEnded, "")
		// The one line is busy: one call may wait, the next is refused.
		placeCall(t, env, env.Admin, agent, "+12125550100", "")
		wantError(t, env, post(`{"agent_id":"`+agent+`","to_number":"+12125550100"}`), dialtone.CodeConcurrentCallLimit, "")
		for _, code := range []dialtone.Code{dialtone.CodeAgentNoPhone, dialtone.CodeFromNumberNotOwned, dialtone.CodeDestinationNotAllowed,
			dialtone.CodeCallNotFound, dialtone.CodeCallAlreadyEnded, dialtone.CodeCallNotEnded, dialtone.CodeConcurrentCallLimit,
			dialtone.CodeRecordingNotFound} {
			covered[code] = true
		}
	})

	t.Run("number limit", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{MaxNumbersPerOrg: 1})
		mustStatus(t, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), 201)
		wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), dialtone.CodeNumberLimitReached, "")
		covered[dialtone.CodeNumberLimitReached] = true
	})

	t.Run("webhook endpoint limit", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{WritesPerMinute: 1000})
		body := `{"url":"https://hooks.example.com/dialtone","events":["*"]}`
		for range dialtone.MaxWebhookEndpointsPerOrg {
			mustStatus(t, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, body), 201)
		}
		wantError(t, env, call(t, env, "POST", "/v1/webhook-endpoints", env.Admin, body), dialtone.CodeWebhookEndpointLimit, "")
		covered[dialtone.CodeWebhookEndpointLimit] = true
	})

	t.Run("webhook endpoint disabled", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{})
		ep := createEndpoint(t, env, env.Admin, `{"url":"https://hooks.example.com/dialtone","events":["*"]}`)
		mustStatus(t, call(t, env, "PATCH", "/v1/webhook-endpoints/"+ep.ID, env.Admin, `{"enabled":false}`), 200)
		evID := provision(t, env, "")
		wantError(t, env, call(t, env, "POST", "/v1/events/"+evID+"/redeliver", env.Admin, `{"webhook_endpoint_id":"`+ep.ID+`"}`),
			dialtone.CodeWebhookEndpointDisabled, "webhook_endpoint_id")
		covered[dialtone.CodeWebhookEndpointDisabled] = true
	})

	t.Run("messaging", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.01})
		_, num := smsNumber(t, env, env.Admin, "", `{"a2p_10dlc_registered":false}`)
		from := `"from_number":"` + num.Number + `"`
		for _, tc := range []struct {
			method, path, body string
			code               dialtone.Code
			param              string
		}{
			{"GET", "/v1/messages/msg_nope", "", dialtone.CodeMessageNotFound, ""},
			{"GET", "/v1/conversations/conv_nope", "", dialtone.CodeConversationNotFound, ""},
			{"POST", "/v1/messages", `{"to_number":"+442071838750",` + from + `,"body":"` + strings.Repeat("x", 1601) + `"}`, dialtone.CodeMessageTooLong, "body"},
			{"POST", "/v1/messages", `{"to_number":"+12125550150",` + from + `,"body":"x"}`, dialtone.CodeSMSNotSupportedInRegion, "from_number"},
		} {
			wantError(t, env, call(t, env, tc.method, tc.path, env.Admin, tc.body), tc.code, tc.param)
			covered[tc.code] = true
		}
		text(t, env, "+442071838751", num.Number, "STOP")
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+442071838751",`+from+`,"body":"x"}`), dialtone.CodeRecipientUnsubscribed, "to_number")
		covered[dialtone.CodeRecipientUnsubscribed] = true
	})

	t.Run("twilio import", func(t *testing.T) {
		fake := twiliotest.New()
		t.Cleanup(fake.Close)
		env := apitest.Start(t, "sqlite", apitest.Options{TwilioAPIURL: fake.URL(), TwilioTimeout: 200 * time.Millisecond})
		fake.AddAccount(twilioAccount, twilioToken)
		fake.AddNumber(twilioAccount, "+14155550171")
		body := func(number, sid, token string) string {
			return `{"phone_number":"` + number + `","carrier":"twilio","twilio_account_sid":"` + sid + `","twilio_auth_token":"` + token + `"}`
		}
		imp := func(b string) resp { return call(t, env, "POST", "/v1/phone-numbers/import", env.Admin, b) }
		for _, tc := range []struct {
			fault func()
			body  string
			code  dialtone.Code
			param string
		}{
			{nil, body("+14155550171", "AC123", twilioToken), dialtone.CodeInvalidTwilioSID, "twilio_account_sid"},
			{nil, body("+14155550171", twilioAccount, "wrong-token"), dialtone.CodeCarrierCredentialsInvalid, "twilio_auth_token"},
			{nil, body("+14155550172", twilioAccount, twilioToken), dialtone.CodeNumberNotInCarrierAccount, "phone_number"},
			{func() { fake.FailNext(http.StatusTooManyRequests) }, body("+14155550171", twilioAccount, twilioToken), dialtone.CodeProviderRateLimited, ""},
			{func() { fake.FailNext(http.StatusInternalServerError) }, body("+14155550171", twilioAccount, twilioToken), dialtone.CodeProviderError, ""},
			{func() { fake.DelayNext(2 * time.Second) }, body("+14155550171", twilioAccount, twilioToken), dialtone.CodeProviderTimeout, ""},
		} {
			if tc.fault != nil {
				tc.fault()
			}
			e := wantError(t, env, imp(tc.body), tc.code, tc.param)
			if strings.Contains(fmt.Sprint(e), twilioToken) {
				t.Fatalf("%s: the token is in the error: %+v", tc.code, e)
			}
			covered[tc.code] = true
		}
		mustStatus(t, imp(body("+14155550171", twilioAccount, twilioToken)), http.StatusCreated)
		wantError(t, env, imp(body("+14155550171", twilioAccount, twilioToken)), dialtone.CodeNumberAlreadyImported, "phone_number")
		covered[dialtone.CodeNumberAlreadyImported] = true
	})

	t.Run("database gone", func(t *testing.T) {
		env := apitest.Start(t, "sqlite", apitest.Options{})
		env.Store.Close()
		wantError(t, env, call(t, env, "GET", "/readyz", "", ""), dialtone.CodeServiceUnavailable, "")
		r := call(t, env, "GET", "/v1/agents", env.Admin, "")
		e := wantError(t, env, r, dialtone.CodeInternalError, "")
		if strings.Contains(string(r.Raw), "closed") || strings.Contains(string(r.Raw), "sql") {
			t.Fatalf("cause leaked: %s", r.Raw)
		}
		_ = e
		covered[dialtone.CodeServiceUnavailable], covered[dialtone.CodeInternalError] = true, true
	})

	t.Run("doc anchors", func(t *testing.T) {
		page := call(t, env, "GET", "/docs/errors", "", "")
		mustStatus(t, page, http.StatusOK)
		for _, e := range dialtone.Catalogue() {
			if !strings.Contains(string(page.Raw), `id="`+string(e.Code)+`"`) {
				t.Errorf("no anchor for %s", e.Code)
			}
		}
	})

	for _, e := range dialtone.Catalogue() {
		if !covered[e.Code] {
			t.Errorf("catalogued code %s is not triggered by this test", e.Code)
		}
	}
}
