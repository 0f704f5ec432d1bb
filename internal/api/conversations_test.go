package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/riverqueue/river"
)

// msgLines renders messages as "direction/source: body" lines.
func msgLines(ms []dialtone.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Direction) + "/" + string(m.Source) + ": " + m.Body
	}
	return out
}

// waitLines waits until the conversation holds exactly want (oldest first).
func waitLines(t *testing.T, env *apitest.Env, convID string, want ...string) []dialtone.Message {
	t.Helper()
	var ms []dialtone.Message
	waitFor(t, "conversation "+convID+": "+strings.Join(want, " | "), func() bool {
		ms = conversationMessages(t, env, convID)
		return strings.Join(msgLines(ms), "\n") == strings.Join(want, "\n")
	})
	return ms
}

// replyJobs counts the reply jobs of inbound message id.
func replyJobs(t *testing.T, env *apitest.Env, id string) int {
	t.Helper()
	res, err := env.Jobs.Client().JobList(t.Context(), river.NewJobListParams().Kinds(core.MessageReplyJob{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range res.Jobs {
		var a core.MessageReplyJob
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.MessageID == id {
			n++
		}
	}
	return n
}

// TestOptOutKeywords: STOP, START and HELP in varied case and spacing.
func TestOptOutKeywords(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, "", "")
		const party = "+12125550170"
		ct := createContact(t, env, `{"phone_number":"`+party+`","name":"Grace"}`)
		help := "Acme Dental: reply STOP to opt out. Call +12125550100 for help."
		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{"sms_help_text":"`+help+`"}`), http.StatusOK)
		from := `"from_number":"` + num.Number + `"`

		stop := text(t, env, party, num.Number, "  sToP \n")
		if stop.Direction != dialtone.MessageInbound || stop.Status != dialtone.MessageReceived || stop.Source != dialtone.MessageFromPerson ||
			stop.Contact == nil || stop.Contact.ID != ct.ID || stop.Cost.AmountMicros != dialtone.DefaultInboundSegmentMicros {
			t.Fatalf("inbound STOP: %+v", stop)
		}
		waitLines(t, env, stop.ConversationID, "inbound/person:   sToP \n", "outbound/keyword: "+dialtone.OptOutConfirmationText)
		if c := decode[dialtone.Contact](t, call(t, env, "GET", "/v1/contacts/"+ct.ID, env.Admin, "").Raw); !c.OptedOut {
			t.Errorf("contact after STOP: %+v", c)
		}
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"`+party+`",`+from+`,"body":"Hi"}`), dialtone.CodeRecipientUnsubscribed, "to_number")
		// Opting out is per organization, not per number: the organization's other numbers are refused too.
		_, second := smsNumber(t, env, env.Admin, "", "")
		wantError(t, env, send(t, env, env.Admin, `{"to_number":"`+party+`","from_number":"`+second.Number+`","body":"Hi"}`),
			dialtone.CodeRecipientUnsubscribed, "to_number")
		// Another organization may still text them.
		_, other := env.Org(t, "other")
		_, onum := smsNumber(t, env, other, "", "")
		mustStatus(t, send(t, env, other, `{"to_number":"`+party+`","from_number":"`+onum.Number+`","body":"Hi"}`), http.StatusCreated)

		// A second opt-out keyword is confirmed again but is no new opt-out.
		text(t, env, party, num.Number, "unsubscribe")
		// HELP is answered even to a party who opted out.
		text(t, env, party, num.Number, "Help")
		// YES from a party who opted out opts them back in.
		text(t, env, party, num.Number, " yes")
		waitLines(t, env, stop.ConversationID,
			"inbound/person:   sToP \n", "outbound/keyword: "+dialtone.OptOutConfirmationText,
			"inbound/person: unsubscribe", "outbound/keyword: "+dialtone.OptOutConfirmationText,
			"inbound/person: Help", "outbound/keyword: "+help,
			"inbound/person:  yes", "outbound/keyword: "+dialtone.OptInConfirmationText)
		if c := decode[dialtone.Contact](t, call(t, env, "GET", "/v1/contacts/"+ct.ID, env.Admin, "").Raw); c.OptedOut {
			t.Errorf("contact after YES: %+v", c)
		}
		mustStatus(t, send(t, env, env.Admin, `{"to_number":"`+party+`",`+from+`,"body":"Welcome back"}`), http.StatusCreated)
		// START from a party who did not opt out is an ordinary message: nothing answers it.
		text(t, env, party, num.Number, "START")

		evs := call(t, env, "GET", "/v1/events?limit=100", env.Admin, "")
		var optEvents []string
		for _, ev := range decode[dialtone.List[dialtone.Event]](t, evs.Raw).Data {
			if strings.HasPrefix(ev.Type, "contact.") {
				var o dialtone.OptOut
				if err := json.Unmarshal(ev.Data.Object, &o); err != nil {
					t.Fatal(err)
				}
				if o.PhoneNumber != party || o.Contact == nil || o.Contact.ID != ct.ID || o.MessageID == "" {
					t.Errorf("%s: %+v", ev.Type, o)
				}
				optEvents = append([]string{ev.Type + " " + o.Keyword}, optEvents...)
			}
		}
		if got := strings.Join(optEvents, ", "); got != "contact.opted_out sToP, contact.opted_in yes" {
			t.Errorf("opt-out events (oldest first): %s", got)
		}
		// Every message of the conversation, START included, and no answer to START.
		ms := conversationMessages(t, env, stop.ConversationID)
		if last := ms[len(ms)-1]; last.Body != "START" || last.Direction != dialtone.MessageInbound {
			t.Errorf("last message %q (%s)", last.Body, last.Direction)
		}
	})
}

// scriptedTexter answers texts: "open" → the hours, with the name from the conversation's state.
const scriptedTexter = `,"system_prompt":"You are Ada.","sms_prompt":"Keep it short.","brain":{"type":"scripted","rules":[` +
	`{"match":"open","say":"We open at nine, {{name}}."},` +
	`{"match":"bye","say":"Bye!","action":"end_call"}],"fallback":"Sorry?"}`

// TestAgentRepliesAndThreading: an inbound text answered by a scripted agent, conversation
// threading, state, listing and pagination.
func TestAgentRepliesAndThreading(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, scriptedTexter, `{"sms_reply_enabled":true}`)
		const alice, bob = "+12125550171", "+12125550172"

		first := text(t, env, alice, num.Number, "When do you open?")
		if ts := eventTypes(t, env, env.OrgID, first.ID); len(ts) != 1 || ts[0] != dialtone.EventMessageReceived {
			t.Errorf("inbound events %v", ts)
		}
		conv := first.ConversationID
		ms := waitLines(t, env, conv, "inbound/person: When do you open?", "outbound/agent: We open at nine, .")
		reply := settled(t, env, env.Admin, ms[1].ID)
		if reply.FromNumber != num.Number || reply.ToNumber != alice || reply.Status != dialtone.MessageDelivered {
			t.Errorf("reply %+v", reply)
		}

		// The conversation's state is the brain's: a scripted reply fills {{name}} from it.
		r := call(t, env, "PATCH", "/v1/conversations/"+conv, env.Admin, `{"metadata":{"name":"Alice","tier":"gold"}}`)
		mustStatus(t, r, http.StatusOK)
		if c := decode[dialtone.SMSConversation](t, r.Raw); c.Metadata["name"] != "Alice" || c.Metadata["tier"] != "gold" {
			t.Fatalf("patched: %s", r.Raw)
		}
		// Replaced as a whole, not merged.
		r = call(t, env, "PATCH", "/v1/conversations/"+conv, env.Admin, `{"metadata":{"name":"Alice"}}`)
		if c := decode[dialtone.SMSConversation](t, r.Raw); len(c.Metadata) != 1 {
			t.Fatalf("replaced: %s", r.Raw)
		}
		text(t, env, alice, num.Number, "Open tomorrow?")
		waitLines(t, env, conv, "inbound/person: When do you open?", "outbound/agent: We open at nine, .",
			"inbound/person: Open tomorrow?", "outbound/agent: We open at nine, Alice.")
		// An action means nothing in a text: the words are sent, the conversation goes on.
		text(t, env, alice, num.Number, "ok bye")

		// Bob has his own conversation; an API message to Alice threads into hers.
		b := text(t, env, bob, num.Number, "Hello?")
		if b.ConversationID == conv {
			t.Fatal("two parties share a conversation")
		}
		waitLines(t, env, b.ConversationID, "inbound/person: Hello?", "outbound/agent: Sorry?")
		sent := send(t, env, env.Admin, `{"to_number":"`+alice+`","from_number":"`+num.Number+`","body":"See you!"}`)
		mustStatus(t, sent, http.StatusCreated)
		if id := decode[dialtone.Message](t, sent.Raw).ConversationID; id != conv {
			t.Errorf("API message in conversation %s, want %s", id, conv)
		}
		all := waitLines(t, env, conv, "inbound/person: When do you open?", "outbound/agent: We open at nine, .",
			"inbound/person: Open tomorrow?", "outbound/agent: We open at nine, Alice.",
			"inbound/person: ok bye", "outbound/agent: Bye!", "outbound/api: See you!")

		// Conversations: the most recent activity first.
		l := decode[dialtone.List[dialtone.SMSConversation]](t, call(t, env, "GET", "/v1/conversations", env.Admin, "").Raw)
		if len(l.Data) != 2 || l.Data[0].ID != conv || l.Data[1].ID != b.ConversationID {
			t.Fatalf("conversations: %+v", l.Data)
		}
		c := l.Data[0]
		if c.Object != "conversation" || c.PhoneNumberID != num.ID || c.PhoneNumber != num.Number || c.ParticipantNumber != alice ||
			c.MessageCount != 7 || !c.LastMessageAt.Equal(all[6].CreatedAt) || c.AgentID == nil {
			t.Errorf("conversation %+v", c)
		}
		// Bob writes again: his conversation moves to the top.
		text(t, env, bob, num.Number, "Still there?")
		l = decode[dialtone.List[dialtone.SMSConversation]](t, call(t, env, "GET", "/v1/conversations?limit=1", env.Admin, "").Raw)
		if len(l.Data) != 1 || l.Data[0].ID != b.ConversationID || !l.HasMore {
			t.Fatalf("after Bob wrote: %+v", l)
		}
		next := decode[dialtone.List[dialtone.SMSConversation]](t, call(t, env, "GET", "/v1/conversations?limit=1&starting_after="+b.ConversationID, env.Admin, "").Raw)
		if len(next.Data) != 1 || next.Data[0].ID != conv || next.HasMore {
			t.Fatalf("second page: %+v", next)
		}

		// A conversation's messages page newest first with cursors.
		var paged []string
		cursor := ""
		for {
			path := "/v1/conversations/" + conv + "/messages?limit=3"
			if cursor != "" {
				path += "&starting_after=" + cursor
			}
			page := decode[dialtone.List[dialtone.Message]](t, call(t, env, "GET", path, env.Admin, "").Raw)
			for _, m := range page.Data {
				paged = append(paged, m.Body)
			}
			if !page.HasMore {
				break
			}
			cursor = page.Data[len(page.Data)-1].ID
		}
		if got := strings.Join(paged, "|"); got != "See you!|Bye!|ok bye|We open at nine, Alice.|Open tomorrow?|We open at nine, .|When do you open?" {
			t.Errorf("paged: %s", got)
		}

		// null clears the state; another organization sees no conversation.
		r = call(t, env, "PATCH", "/v1/conversations/"+conv, env.Admin, `{"metadata":null}`)
		if c := decode[dialtone.SMSConversation](t, r.Raw); len(c.Metadata) != 0 {
			t.Errorf("cleared: %s", r.Raw)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/conversations/"+conv, env.Admin, `{"metadata":{"":"x"}}`), dialtone.CodeInvalidValue, "metadata.")
		_, other := env.Org(t, "other")
		wantError(t, env, call(t, env, "GET", "/v1/conversations/"+conv, other, ""), dialtone.CodeConversationNotFound, "")
		wantError(t, env, call(t, env, "GET", "/v1/conversations/"+conv+"/messages", other, ""), dialtone.CodeConversationNotFound, "")

		// With replies off, texts are stored and nobody answers.
		mustStatus(t, call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"sms_reply_enabled":false}`), http.StatusOK)
		quiet := text(t, env, "+12125550173", num.Number, "open?")
		if n := replyJobs(t, env, quiet.ID); n != 0 {
			t.Errorf("replies off: %d reply jobs for the text", n)
		}
		if n := replyJobs(t, env, first.ID); n != 1 {
			t.Errorf("replies on: %d reply jobs for the first text", n)
		}
	})
}

// TestSandboxMessageErrors covers POST /v1/sandbox/messages' refusals.
func TestSandboxMessageErrors(t *testing.T) {
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, "", "")
		e := wantError(t, env, call(t, env, "POST", "/v1/sandbox/messages", env.Admin, `{"to":"`+num.Number+`"}`), dialtone.CodeFieldRequired, "from")
		if f := strings.Join(fields(e), " "); f != "from:field_required body:field_required" {
			t.Errorf("fields %q", f)
		}
		wantError(t, env, call(t, env, "POST", "/v1/sandbox/messages", env.Admin, `{"from":"+12125550174","to":"+12125550199","body":"x"}`),
			dialtone.CodePhoneNumberNotFound, "to")
		wantError(t, env, call(t, env, "POST", "/v1/sandbox/messages", env.Admin,
			`{"from":"+12125550174","to":"`+num.Number+`","body":"`+strings.Repeat("x", 1601)+`"}`), dialtone.CodeMessageTooLong, "body")
		if n := len(decode[dialtone.List[dialtone.Message]](t, call(t, env, "GET", "/v1/messages", env.Admin, "").Raw).Data); n != 0 {
			t.Errorf("%d messages after refused texts", n)
		}
	})
}

// TestMessagePacing sends 20 messages from a number limited to 2 a second: they are all
// accepted at once, leave in order at least one slot (500 ms) apart, and are all delivered.
// (Exactly one slot apart when the machine keeps up: a send accepted after the previous
// slot's interval, or a number reslotted because a send ran over 2 s late, starts later.)
func TestMessagePacing(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, smsScale, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, "", `{"messages_per_second":2}`)
		if num.MessagesPerSecond != 2 {
			t.Fatalf("messages_per_second %v", num.MessagesPerSecond)
		}
		var ids []string
		var last time.Time
		for i := range 20 {
			r := send(t, env, env.Admin, `{"to_number":"+12125550175","from_number":"`+num.Number+`","body":"Message `+strconv.Itoa(i)+`"}`)
			mustStatus(t, r, http.StatusCreated)
			m := decode[dialtone.Message](t, r.Raw)
			ids = append(ids, m.ID)
			last = *m.SendAt
		}
		time.Sleep(time.Until(last)) // the last slot; polling before it only spends the key's rate limit
		var ms []dialtone.Message
		for _, id := range ids {
			ms = append(ms, settled(t, env, env.Admin, id))
		}
		for i, m := range ms {
			if m.Status != dialtone.MessageDelivered || m.Body != "Message "+strconv.Itoa(i) {
				t.Fatalf("message %d: %s %q", i, m.Status, m.Body)
			}
			if m.SentAt.Before(*m.SendAt) {
				t.Errorf("message %d sent at %v, before its slot %v", i, m.SentAt, m.SendAt)
			}
			if i == 0 {
				continue
			}
			if gap := m.SendAt.Sub(*ms[i-1].SendAt); gap < 500*time.Millisecond {
				t.Errorf("slots %d and %d are %v apart, want at least 500ms", i-1, i, gap)
			}
			if !m.SentAt.After(*ms[i-1].SentAt) {
				t.Errorf("message %d left at %v, not after message %d (%v)", i, m.SentAt, i-1, ms[i-1].SentAt)
			}
			if m.DeliveredAt.Before(*ms[i-1].DeliveredAt) {
				t.Errorf("message %d arrived at %v, before message %d (%v)", i, m.DeliveredAt, i-1, ms[i-1].DeliveredAt)
			}
		}
		// The first slot is the first send's acceptance; the last leaves 19 slots later.
		span := ms[19].SentAt.Sub(*ms[0].SendAt)
		if span < 9500*time.Millisecond {
			t.Errorf("20 messages at 2/s left over %v from the first slot, want at least 9.5 s", span)
		}
		t.Logf("20 messages at 2/s: first slot to last sent %v (first to last sent %v), all accepted in %v",
			span, ms[19].SentAt.Sub(*ms[0].SentAt), ms[19].CreatedAt.Sub(ms[0].CreatedAt))

		// Validation of the setting.
		e := wantError(t, env, call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"messages_per_second":0}`),
			dialtone.CodeValueOutOfRange, "messages_per_second")
		if !strings.Contains(e.Message, "0.1") {
			t.Errorf("message %q", e.Message)
		}
		// null restores the default.
		r := call(t, env, "PATCH", "/v1/phone-numbers/"+num.ID, env.Admin, `{"messages_per_second":null}`)
		if n := decode[dialtone.PhoneNumber](t, r.Raw); n.MessagesPerSecond != dialtone.DefaultMessagesPerSecond {
			t.Errorf("reset: %v", n.MessagesPerSecond)
		}
	})
}

// TestMessagePacingAfterOutage: messages whose slots passed while no job runner ran (the
// server was down) do not all leave at once when it comes back: they get new slots, at the
// number's pace and in the order they were sent.
func TestMessagePacingAfterOutage(t *testing.T) {
	t.Parallel()
	eachDialectWith(t, apitest.Options{TimeScale: 0.01, NoJobs: true}, func(t *testing.T, env *apitest.Env) {
		_, num := smsNumber(t, env, env.Admin, "", `{"messages_per_second":2}`)
		var queued []dialtone.Message
		for i := range 6 {
			r := send(t, env, env.Admin, `{"to_number":"+12125550176","from_number":"`+num.Number+`","body":"Overdue `+strconv.Itoa(i)+`"}`)
			mustStatus(t, r, http.StatusCreated)
			queued = append(queued, decode[dialtone.Message](t, r.Raw))
		}
		// Down until every slot is more than two seconds past.
		time.Sleep(time.Until(queued[5].SendAt.Add(2500 * time.Millisecond)))
		restart := time.Now()
		env.StartJobs(t)
		var ms []dialtone.Message
		for _, q := range queued {
			ms = append(ms, settled(t, env, env.Admin, q.ID))
		}
		for i, m := range ms {
			if m.Status != dialtone.MessageDelivered {
				t.Fatalf("message %d: %s", i, m.Status)
			}
			if m.SendAt.Before(restart.Add(-time.Second)) || m.SentAt.Before(*m.SendAt) {
				t.Errorf("message %d: slot %v (restart %v), sent %v", i, m.SendAt, restart, m.SentAt)
			}
			if i > 0 {
				if gap := m.SendAt.Sub(*ms[i-1].SendAt); gap < 500*time.Millisecond {
					t.Errorf("new slots %d and %d are %v apart, want at least 500ms", i-1, i, gap)
				}
				if !m.SentAt.After(*ms[i-1].SentAt) {
					t.Errorf("message %d left before message %d", i, i-1)
				}
			}
		}
		if span := ms[5].SentAt.Sub(*ms[0].SendAt); span < 2500*time.Millisecond {
			t.Errorf("6 overdue messages at 2/s left over %v from the first new slot, want at least 2.5 s", span)
		}
	})
}
