package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// smsScale runs the sandbox's delivery reports (1 s) in 10 ms (pacing is never scaled) and lets
// tests poll the API while they wait.
var smsScale = apitest.Options{TimeScale: 0.01, ReadsPerMinute: pollReads}

// smsNumber creates an agent (agentJSON: the fields after its name) and a sandbox number
// attached to it, changed by patch (a JSON object, "" for none), with admin's key.
func smsNumber(t *testing.T, env *apitest.Env, admin, agentJSON, patch string) (string, dialtone.PhoneNumber) {
	t.Helper()
	a := call(t, env, "POST", "/v1/agents", admin, `{"name":"Texter"`+agentJSON+`}`)
	mustStatus(t, a, http.StatusCreated)
	agentID := a.JSON["id"].(string)
	n := call(t, env, "POST", "/v1/phone-numbers", admin, `{"agent_id":"`+agentID+`"}`)
	mustStatus(t, n, http.StatusCreated)
	num := decode[dialtone.PhoneNumber](t, n.Raw)
	if patch != "" {
		r := call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, admin, patch)
		mustStatus(t, r, http.StatusOK)
		num = decode[dialtone.PhoneNumber](t, r.Raw)
	}
	return agentID, num
}

// send posts a message and returns the response.
func send(t *testing.T, env *apitest.Env, cred, body string) resp {
	t.Helper()
	return call(t, env, "POST", "/v1/messages", cred, body)
}

// text makes a simulated person (from) text to; it returns the inbound message.
func text(t *testing.T, env *apitest.Env, from, to, body string) dialtone.Message {
	t.Helper()
	r := call(t, env, "POST", "/v1/sandbox/messages", env.Admin, `{"from":"`+from+`","to":"`+to+`","body":`+jsonString(body)+`}`)
	mustStatus(t, r, http.StatusCreated)
	return decode[dialtone.Message](t, r.Raw)
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// settled waits until message id reaches a final status (delivered, failed, undelivered)
// and returns it.
func settled(t *testing.T, env *apitest.Env, cred, id string) dialtone.Message {
	t.Helper()
	var m dialtone.Message
	waitFor(t, "message "+id+" to settle", func() bool {
		r := call(t, env, "GET", "/v1/messages/"+id, cred, "")
		mustStatus(t, r, http.StatusOK)
		m = decode[dialtone.Message](t, r.Raw)
		return dialtone.MessageStates().Terminal(m.Status)
	})
	return m
}

// conversationMessages lists a conversation's messages, oldest first.
func conversationMessages(t *testing.T, env *apitest.Env, id string) []dialtone.Message {
	t.Helper()
	r := call(t, env, "GET", "/v1/conversations/"+id+"/messages?limit=100", env.Admin, "")
	mustStatus(t, r, http.StatusOK)
	l := decode[dialtone.List[dialtone.Message]](t, r.Raw)
	out := make([]dialtone.Message, 0, len(l.Data))
	for i := len(l.Data) - 1; i >= 0; i-- {
		out = append(out, l.Data[i])
	}
	return out
}

func TestMessageSendAndDeliver(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		agentID, num := smsNumber(t, env, env.Admin, "", "")
		if num.MessagesPerSecond != 1 || !num.A2P10DLCRegistered || num.SMSReplyEnabled {
			t.Fatalf("new number's messaging settings: %+v", num)
		}
		ada := createContact(t, env, `{"phone_number":"+12125550150","name":"Ada"}`)

		r := send(t, env, env.Admin, `{"to_number":"+12125550150","agent_id":"`+agentID+`","body":"Your table is ready {}","metadata":{"order":"7"}}`)
		mustStatus(t, r, http.StatusCreated)
		m := decode[dialtone.Message](t, r.Raw)
		if m.Object != "message" || !dialtone.HasPrefix(m.ID, dialtone.PrefixMessage) || m.Status != dialtone.MessageQueued ||
			m.Direction != dialtone.MessageOutbound || m.Source != dialtone.MessageFromAPI || m.FromNumber != num.Number ||
			m.PhoneNumberID != num.ID || m.AgentID == nil || *m.AgentID != agentID || m.Encoding != dialtone.EncodingGSM7 ||
			m.Segments != 1 || m.Metadata["order"] != "7" || m.SendAt == nil || !dialtone.HasPrefix(m.ConversationID, dialtone.PrefixConversation) {
			t.Fatalf("queued message: %s", r.Raw)
		}
		if m.Contact == nil || m.Contact.ID != ada.ID || m.Contact.Name != "Ada" {
			t.Errorf("contact on the message: %+v", m.Contact)
		}
		if r.Header.Get("Location") != "/v1/messages/"+m.ID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		got := settled(t, env, env.Admin, m.ID)
		if got.Status != dialtone.MessageDelivered || got.SentAt == nil || got.DeliveredAt == nil || got.FailedAt != nil ||
			got.ErrorCode != nil || got.CarrierMessageID == nil || got.Cost.AmountMicros != dialtone.DefaultOutboundSegmentMicros {
			t.Fatalf("delivered message: %+v", got)
		}
		if got.SentAt.Before(*m.SendAt) || got.DeliveredAt.Before(*got.SentAt) {
			t.Errorf("send_at %v, sent_at %v, delivered_at %v out of order", m.SendAt, got.SentAt, got.DeliveredAt)
		}
		if ts := strings.Join(eventTypes(t, env, env.OrgID, m.ID), " "); ts != "message.queued message.sent message.delivered" {
			t.Errorf("events %q", ts)
		}
		// Charged once, per segment, when the carrier took it.
		ledger := call(t, env, "GET", "/v1/ledger?limit=100", env.Admin, "")
		var charges int
		for _, e := range decode[dialtone.List[dialtone.LedgerEntry]](t, ledger.Raw).Data {
			if e.ReferenceID == m.ID {
				charges++
				if e.Kind != dialtone.LedgerKindMessage || e.Amount.AmountMicros != -dialtone.DefaultOutboundSegmentMicros {
					t.Errorf("charge %+v", e)
				}
			}
		}
		if charges != 1 {
			t.Errorf("%d charges for the message", charges)
		}

		// A long UCS-2 body: 71 code units are two segments, charged as two.
		long := strings.Repeat("é€😀", 24) // 😀 is two UTF-16 code units: 24 * 4 = 96 units
		r = send(t, env, env.Admin, `{"to_number":"+12125550151","from_number":"`+num.Number+`","body":"`+long+`"}`)
		mustStatus(t, r, http.StatusCreated)
		m2 := decode[dialtone.Message](t, r.Raw)
		if m2.Encoding != dialtone.EncodingUCS2 || m2.Segments != 2 {
			t.Fatalf("UCS-2 message: %s %d", m2.Encoding, m2.Segments)
		}
		if got := settled(t, env, env.Admin, m2.ID); got.Cost.AmountMicros != 2*dialtone.DefaultOutboundSegmentMicros {
			t.Errorf("two segments cost %d", got.Cost.AmountMicros)
		}

		// Usage counts the billed messages and their segments, by agent (the number's).
		u := call(t, env, "GET", "/v1/usage?group_by=agent", env.Admin, "")
		mustStatus(t, u, http.StatusOK)
		usage := decode[dialtone.Usage](t, u.Raw)
		if tot := usage.Total; tot.Messages != 2 || tot.Segments != 3 || tot.Calls != 0 ||
			tot.Cost.AmountMicros != 3*dialtone.DefaultOutboundSegmentMicros || len(usage.Data) != 1 || usage.Data[0].Group != agentID {
			t.Errorf("usage: %s", u.Raw)
		}

		// The list and its filters.
		l := call(t, env, "GET", "/v1/messages?direction=outbound&status=delivered", env.Admin, "")
		mustStatus(t, l, http.StatusOK)
		if data := decode[dialtone.List[dialtone.Message]](t, l.Raw).Data; len(data) != 2 || data[0].ID != m2.ID {
			t.Errorf("list: %s", l.Raw)
		}
		e := wantError(t, env, call(t, env, "GET", "/v1/messages?status=lost", env.Admin, ""), dialtone.CodeInvalidValue, "status")
		if f := fields(e); len(f) != 1 || f[0] != "status:invalid_value" {
			t.Errorf("fields %v", f)
		}
		_, other := env.Org(t, "other")
		wantError(t, env, call(t, env, "GET", "/v1/messages/"+m.ID, other, ""), dialtone.CodeMessageNotFound, "")
	})
}

// TestMessageSandboxOutcomes sends to the sandbox's failing numbers (docs/sandbox.md).
func TestMessageSandboxOutcomes(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, "", "")
		for _, tc := range []struct {
			to     string
			status dialtone.MessageStatus
			code   string
			billed bool
		}{
			{"+12125550120", dialtone.MessageFailed, dialtone.MessageErrorCarrierRejected, false},
			{"+12125550121", dialtone.MessageUndelivered, dialtone.MessageErrorUnreachable, true},
			{"+12125550122", dialtone.MessageUndelivered, dialtone.MessageErrorLandline, true},
			{"+12125550123", dialtone.MessageFailed, dialtone.MessageErrorCarrier, false},
		} {
			r := send(t, env, env.Admin, `{"to_number":"`+tc.to+`","from_number":"`+num.Number+`","body":"Hello"}`)
			mustStatus(t, r, http.StatusCreated)
			m := settled(t, env, env.Admin, decode[dialtone.Message](t, r.Raw).ID)
			if m.Status != tc.status || m.ErrorCode == nil || *m.ErrorCode != tc.code || m.ErrorMessage == nil || m.FailedAt == nil {
				t.Errorf("to %s: %s %v %v, want %s %s", tc.to, m.Status, deref(m.ErrorCode), deref(m.ErrorMessage), tc.status, tc.code)
			}
			if billed := m.Cost.AmountMicros > 0; billed != tc.billed {
				t.Errorf("to %s: cost %d", tc.to, m.Cost.AmountMicros)
			}
			if ts := eventTypes(t, env, env.OrgID, m.ID); ts[len(ts)-1] != dialtone.EventMessageFailed {
				t.Errorf("to %s: events %v", tc.to, ts)
			}
		}
	})
}

// TestMessageSendErrors triggers every error of POST /v1/messages; none stores anything.
func TestMessageSendErrors(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		agentID, num := smsNumber(t, env, env.Admin, "", "")
		from := `"from_number":"` + num.Number + `"`
		count := func() int {
			r := call(t, env, "GET", "/v1/messages?limit=100", env.Admin, "")
			return len(decode[dialtone.List[dialtone.Message]](t, r.Raw).Data)
		}
		e := wantError(t, env, send(t, env, env.Admin, `{}`), dialtone.CodeFieldRequired, "to_number")
		if f := strings.Join(fields(e), " "); f != "to_number:field_required body:field_required from_number:field_required" {
			t.Errorf("fields %q", f)
		}
		e = wantError(t, env, send(t, env, env.Admin, `{"to_number":"0212","body":"",`+from+`}`), dialtone.CodeInvalidPhoneFormat, "to_number")
		if f := strings.Join(fields(e), " "); f != "to_number:invalid_phone_format body:value_too_short" {
			t.Errorf("fields %q", f)
		}
		// 1,600 characters are fine (11 segments); 1,601 are message_too_long.
		ok := send(t, env, env.Admin, `{"to_number":"+12125550150",`+from+`,"body":"`+strings.Repeat("a", 1600)+`"}`)
		mustStatus(t, ok, http.StatusCreated)
		if segs := decode[dialtone.Message](t, ok.Raw).Segments; segs != 11 {
			t.Errorf("1,600 GSM-7 characters: %d segments", segs)
		}
		before := count()
		e = wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150",`+from+`,"body":"`+strings.Repeat("é", 1601)+`"}`),
			dialtone.CodeMessageTooLong, "body")
		if e.Details["length"] != float64(1601) || e.Details["max_length"] != float64(1600) {
			t.Errorf("details %v", e.Details)
		}
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150","from_number":"+12125550199","body":"x"}`),
			dialtone.CodeFromNumberNotOwned, "from_number")
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150","agent_id":"agt_nope","body":"x"}`),
			dialtone.CodeAgentNotFound, "agent_id")
		lonely := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Lonely"}`)
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150","agent_id":"`+lonely.JSON["id"].(string)+`","body":"x"}`),
			dialtone.CodeAgentNoPhone, "agent_id")
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150","agent_id":"`+lonely.JSON["id"].(string)+`",`+from+`,"body":"x"}`),
			dialtone.CodeFromNumberNotOwned, "from_number")

		// Destination rules are the calls' rules.
		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{"allowed_countries":["US"]}`), http.StatusOK)
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+442071838750",`+from+`,"body":"x"}`),
			dialtone.CodeDestinationNotAllowed, "to_number")
		// An unregistered US long code may text abroad, not US numbers.
		mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"a2p_10dlc_registered":false}`), http.StatusOK)
		e = wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550150","agent_id":"`+agentID+`","body":"x"}`),
			dialtone.CodeSMSNotSupportedInRegion, "from_number")
		if e.Details["phone_number_id"] != num.ID {
			t.Errorf("details %v", e.Details)
		}
		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{}`), http.StatusOK)
		mustStatus(t, send(t, env, env.Admin, `{"to_number":"+14165550150",`+from+`,"body":"To Toronto"}`), http.StatusCreated)
		before++
		mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"a2p_10dlc_registered":true}`), http.StatusOK)

		// A party who texted STOP is not messaged.
		text(t, env, "+12125550160", num.Number, "STOP")
		before += 2 // the STOP and its confirmation
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"+12125550160",`+from+`,"body":"Come back!"}`),
			dialtone.CodeRecipientUnsubscribed, "to_number")
		if n := count(); n != before {
			t.Errorf("%d messages after the refused sends, want %d", n, before)
		}

		// A prepaid organization needs a balance that covers the segments.
		orgID, prepaid := env.OrgMode(t, "prepaid", dialtone.BillingPrepaid)
		credit := dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: dialtone.LedgerKindCredit,
			Amount: dialtone.USD(dialtone.MinBalanceToProvisionMicros), CreatedAt: time.Now()}
		if err := env.Store.InsertLedgerEntry(context.Background(), orgID, credit); err != nil {
			t.Fatal(err)
		}
		_, pnum := smsNumber(t, env, prepaid, "", "")
		bal := dialtone.MinBalanceToProvisionMicros - dialtone.DefaultNumberMonthlyMicros
		drain := dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: dialtone.LedgerKindCall,
			Amount: dialtone.USD(-(bal - 10_000)), CreatedAt: time.Now()}
		if err := env.Store.InsertLedgerEntry(context.Background(), orgID, drain); err != nil {
			t.Fatal(err)
		}
		pfrom := `"from_number":"` + pnum.Number + `"`
		mustStatus(t, send(t, env, prepaid, `{"to_number":"+12125550150",`+pfrom+`,"body":"one segment"}`), http.StatusCreated)
		e = wantError(t, env, send(t, env, prepaid, `{"to_number":"+12125550150",`+pfrom+`,"body":"`+strings.Repeat("b", 200)+`"}`),
			dialtone.CodeInsufficientBalance, "")
		if e.Details["required_micros"] != float64(2*dialtone.DefaultOutboundSegmentMicros) {
			t.Errorf("details %v", e.Details)
		}

		// The balance is checked again when a message leaves: one queued behind another (5 s
		// later, at 0.2 a second) is not sent once the balance is gone.
		mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+pnum.ID, prepaid, `{"messages_per_second":0.2}`), http.StatusOK)
		topUp := dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: dialtone.LedgerKindCredit,
			Amount: dialtone.USD(1_000_000), CreatedAt: time.Now()}
		if err := env.Store.InsertLedgerEntry(context.Background(), orgID, topUp); err != nil {
			t.Fatal(err)
		}
		mustStatus(t, send(t, env, prepaid, `{"to_number":"+12125550150",`+pfrom+`,"body":"first"}`), http.StatusCreated)
		late := send(t, env, prepaid, `{"to_number":"+12125550150",`+pfrom+`,"body":"second"}`)
		mustStatus(t, late, http.StatusCreated)
		gone := dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: dialtone.LedgerKindCall,
			Amount: dialtone.USD(-10_000_000), CreatedAt: time.Now()}
		if err := env.Store.InsertLedgerEntry(context.Background(), orgID, gone); err != nil {
			t.Fatal(err)
		}
		second := decode[dialtone.Message](t, late.Raw)
		time.Sleep(time.Until(*second.SendAt)) // its slot: polling before it only spends the key's rate limit
		m := settled(t, env, prepaid, second.ID)
		if m.Status != dialtone.MessageFailed || deref(m.ErrorCode) != dialtone.MessageErrorNoBalance || m.Cost.AmountMicros != 0 {
			t.Errorf("message left after the balance ran out: %s %v cost %d", m.Status, deref(m.ErrorCode), m.Cost.AmountMicros)
		}
	})
}
