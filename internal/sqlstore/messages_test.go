package sqlstore_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// testSMSJob is a job kind the tests insert with messages; the store's River client inserts
// any kind.
type testSMSJob struct {
	MessageID string `json:"message_id"`
}

func (testSMSJob) Kind() string { return "test_sms_send" }

// countWhere runs a SELECT COUNT(*) query on the writer pool.
func countWhere(t *testing.T, st *sqlstore.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// newSMS returns a message of number n with the party other, created at at: inbound
// (received, from the party) or outbound (queued, sent through the API).
func newSMS(n dialtone.PhoneNumber, other string, dir dialtone.MessageDirection, body string, at time.Time) dialtone.Message {
	m := dialtone.Message{
		ID: dialtone.NewID(dialtone.PrefixMessage), Object: "message", Direction: dir,
		PhoneNumberID: n.ID, AgentID: n.AgentID, Body: body, Encoding: "gsm7", Segments: 1,
		Carrier: n.Carrier, Cost: dialtone.USD(0), Metadata: map[string]string{}, CreatedAt: at, UpdatedAt: at,
	}
	if dir == dialtone.MessageInbound {
		m.Status, m.Source, m.FromNumber, m.ToNumber = dialtone.MessageReceived, dialtone.MessageFromPerson, other, n.Number
	} else {
		m.Status, m.Source, m.FromNumber, m.ToNumber = dialtone.MessageQueued, dialtone.MessageFromAPI, n.Number, other
	}
	return m
}

// storedSMS is m as the store returns it for orgID.
func storedSMS(m dialtone.Message, orgID string) dialtone.Message {
	m.OrganizationID = orgID
	m.CreatedAt, m.UpdatedAt = stored(m.CreatedAt), stored(m.UpdatedAt)
	for _, p := range []**time.Time{&m.SendAt, &m.SentAt, &m.DeliveredAt, &m.FailedAt} {
		if *p != nil {
			t := stored(**p)
			*p = &t
		}
	}
	return m
}

// writeSMS stores msgs (and w's other changes) in the conversation of number n with other,
// and returns the state the store read and the messages as stored.
func writeSMS(t *testing.T, st *sqlstore.Store, orgID string, n dialtone.PhoneNumber, other string, w core.MessageWrite) (core.MessageState, []dialtone.Message) {
	t.Helper()
	var state core.MessageState
	got, err := st.WriteMessages(t.Context(), orgID, n.ID, other, func(s core.MessageState) (core.MessageWrite, error) {
		state = s
		for i := range w.Messages {
			w.Messages[i].ConversationID = s.Conversation.ID
		}
		return w, nil
	})
	if err != nil {
		t.Fatalf("WriteMessages: %v", err)
	}
	if len(got) != len(w.Messages) {
		t.Fatalf("WriteMessages returned %d messages, want %d", len(got), len(w.Messages))
	}
	for i, m := range got {
		if want := storedSMS(w.Messages[i], orgID); !reflect.DeepEqual(m, want) {
			t.Errorf("WriteMessages stored\n %+v\nwant\n %+v", m, want)
		}
	}
	return state, got
}

func msgs(ms ...dialtone.Message) core.MessageWrite { return core.MessageWrite{Messages: ms} }

func messageIDs(ms []dialtone.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func conversationIDs(cs []dialtone.SMSConversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestWriteMessagesThreadsConversations(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		agent := insertAgent(t, st, org.ID, "Texter")
		n := insertNumber(t, st, org.ID, &agent.ID)
		const party = "+14155550199"
		t0 := baseTime()

		hi := newSMS(n, party, dialtone.MessageInbound, "Hi", t0)
		hi.Metadata = map[string]string{"k": "v"}
		state, _ := writeSMS(t, st, org.ID, n, party, msgs(hi))
		if !strings.HasPrefix(state.Conversation.ID, dialtone.PrefixConversation+"_") || state.Conversation.MessageCount != 0 ||
			state.Conversation.CreatedAt.IsZero() || state.Conversation.ParticipantNumber != party ||
			state.Conversation.PhoneNumber != n.Number || state.Number.ID != n.ID || state.OptedOut || !state.NextSendAt.IsZero() {
			t.Errorf("state of a first message = %+v", state)
		}
		convID := state.Conversation.ID
		conv, err := st.GetConversation(ctx, org.ID, convID)
		want := dialtone.SMSConversation{ID: convID, Object: "conversation", PhoneNumberID: n.ID,
			PhoneNumber: n.Number, ParticipantNumber: party, AgentID: &agent.ID, Metadata: map[string]string{},
			MessageCount: 1, LastMessageAt: stored(t0), CreatedAt: stored(t0), UpdatedAt: stored(t0)}
		if err != nil || !reflect.DeepEqual(conv, want) {
			t.Fatalf("GetConversation =\n %+v, %v\nwant\n %+v", conv, err, want)
		}

		// Later messages thread into the same conversation.
		t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
		r1, r2 := newSMS(n, party, dialtone.MessageOutbound, "Hello!", t1), newSMS(n, party, dialtone.MessageOutbound, "How can I help?", t2)
		state, _ = writeSMS(t, st, org.ID, n, party, msgs(r1, r2))
		if state.Conversation.ID != convID || state.Conversation.MessageCount != 1 || !state.Conversation.CreatedAt.Equal(stored(t0)) {
			t.Errorf("state of a later message: conversation %+v", state.Conversation)
		}
		want.MessageCount, want.LastMessageAt, want.UpdatedAt = 3, stored(t2), stored(t2)
		if conv, err := st.GetConversation(ctx, org.ID, convID); err != nil || !reflect.DeepEqual(conv, want) {
			t.Errorf("GetConversation after 3 messages =\n %+v, %v\nwant\n %+v", conv, err, want)
		}

		// Another party: another conversation.
		state, _ = writeSMS(t, st, org.ID, n, "+14155550100", msgs(newSMS(n, "+14155550100", dialtone.MessageInbound, "Yo", t1)))
		if state.Conversation.ID == convID {
			t.Errorf("another party got the same conversation")
		}
		if n := countWhere(t, st, `SELECT COUNT(*) FROM sms_conversations WHERE organization_id = $1`, org.ID); n != 2 {
			t.Errorf("%d conversations, want 2", n)
		}

		// Reads: by id, and lists with filters, newest first.
		if m, err := st.GetMessage(ctx, org.ID, hi.ID); err != nil || !reflect.DeepEqual(m, storedSMS(withConv(hi, convID), org.ID)) || m.Contact != nil {
			t.Errorf("GetMessage = %+v, %v", m, err)
		}
		list := func(f dialtone.MessageFilter) []string {
			t.Helper()
			l, _, err := st.ListMessages(ctx, org.ID, f, dialtone.ListParams{})
			if err != nil {
				t.Fatalf("ListMessages(%+v): %v", f, err)
			}
			return messageIDs(l)
		}
		if got := list(dialtone.MessageFilter{ConversationID: convID}); !reflect.DeepEqual(got, []string{r2.ID, r1.ID, hi.ID}) {
			t.Errorf("messages of the conversation = %v", got)
		}
		if got := list(dialtone.MessageFilter{ConversationID: convID, Direction: dialtone.MessageInbound}); !reflect.DeepEqual(got, []string{hi.ID}) {
			t.Errorf("inbound messages of the conversation = %v", got)
		}
		if got := list(dialtone.MessageFilter{Status: dialtone.MessageQueued}); !reflect.DeepEqual(got, []string{r2.ID, r1.ID}) {
			t.Errorf("queued messages = %v", got)
		}
		if got := list(dialtone.MessageFilter{}); len(got) != 4 {
			t.Errorf("all messages = %v, want 4", got)
		}
		page, more, err := st.ListMessages(ctx, org.ID, dialtone.MessageFilter{}, dialtone.ListParams{Limit: 1, StartingAfter: r1.ID})
		if err != nil || more || !reflect.DeepEqual(messageIDs(page), []string{hi.ID}) {
			t.Errorf("messages after r1 = %v, %v, %v", messageIDs(page), more, err)
		}

		// Scoping.
		if _, err := st.GetMessage(ctx, other.ID, hi.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("foreign GetMessage: %v", err)
		}
		if _, err := st.GetConversation(ctx, other.ID, convID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("foreign GetConversation: %v", err)
		}
		if l, _, err := st.ListMessages(ctx, other.ID, dialtone.MessageFilter{}, dialtone.ListParams{}); err != nil || len(l) != 0 {
			t.Errorf("other organization's messages = %v, %v", messageIDs(l), err)
		}
		if _, _, err := st.ListConversations(ctx, other.ID, dialtone.ListParams{StartingAfter: convID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("foreign conversation cursor: %v", err)
		}

		// Metadata, and the agent of the conversation's number now.
		later := t0.Add(time.Hour)
		conv, err = st.UpdateConversationMetadata(ctx, org.ID, convID, map[string]string{"stage": "lead"}, later)
		want.Metadata, want.UpdatedAt = map[string]string{"stage": "lead"}, stored(later)
		if err != nil || !reflect.DeepEqual(conv, want) {
			t.Errorf("UpdateConversationMetadata =\n %+v, %v\nwant\n %+v", conv, err, want)
		}
		if _, err := st.UpdateConversationMetadata(ctx, other.ID, convID, nil, later); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("foreign UpdateConversationMetadata: %v", err)
		}
		if _, err := st.UpdatePhoneNumber(ctx, org.ID, n.ID, func(p *dialtone.PhoneNumber) error { p.AgentID = nil; return nil }); err != nil {
			t.Fatal(err)
		}
		if conv, err := st.GetConversation(ctx, org.ID, convID); err != nil || conv.AgentID != nil || conv.Metadata["stage"] != "lead" {
			t.Errorf("conversation of a detached number: %+v, %v", conv, err)
		}

		// No messages: no conversation.
		if _, err := st.WriteMessages(ctx, org.ID, n.ID, "+14155550111", func(core.MessageState) (core.MessageWrite, error) {
			return core.MessageWrite{}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if c := countWhere(t, st, `SELECT COUNT(*) FROM sms_conversations WHERE participant_number = $1`, "+14155550111"); c != 0 {
			t.Errorf("a write of no message stored %d conversations", c)
		}

		// Numbers that are not live in the organization.
		decide := func(core.MessageState) (core.MessageWrite, error) {
			t.Error("decide called for a number that is not live")
			return core.MessageWrite{}, nil
		}
		if _, err := st.WriteMessages(ctx, other.ID, n.ID, party, decide); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("another organization's number: %v", err)
		}
		if _, err := st.ReleasePhoneNumber(ctx, org.ID, n.ID, later, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := st.WriteMessages(ctx, org.ID, n.ID, party, decide); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("released number: %v", err)
		}
	})
}

func withConv(m dialtone.Message, convID string) dialtone.Message {
	m.ConversationID = convID
	return m
}

func TestWriteMessagesFailureStoresNothing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		const party = "+14155550199"
		yes := true
		write := func(m dialtone.Message) core.MessageWrite {
			return core.MessageWrite{
				Messages: []dialtone.Message{m}, OptOut: &yes, NextSendAt: baseTime().Add(time.Hour),
				Effects: core.Effects{
					Events: []dialtone.Event{{ID: dialtone.NewID(dialtone.PrefixEvent), Type: dialtone.EventMessageReceived,
						ObjectID: m.ID, CreatedAt: baseTime(), Data: dialtone.EventData{Object: []byte(`{"id":"` + m.ID + `"}`)}}},
					Jobs: []core.Job{{Args: testSMSJob{MessageID: m.ID}, Queue: "sms"}},
				},
			}
		}
		boom := errors.New("boom")
		m := newSMS(n, party, dialtone.MessageInbound, "STOP", baseTime())
		_, err := st.WriteMessages(ctx, org.ID, n.ID, party, func(s core.MessageState) (core.MessageWrite, error) {
			w := write(m)
			w.Messages[0].ConversationID = s.Conversation.ID
			return w, boom
		})
		if err != boom {
			t.Fatalf("WriteMessages with a failing decide: %v, want boom as is", err)
		}
		// A failure after decide (a message of another conversation) rolls back too.
		_, err = st.WriteMessages(ctx, org.ID, n.ID, party, func(s core.MessageState) (core.MessageWrite, error) {
			w := write(m)
			w.Messages[0].ConversationID = "conv_other"
			return w, nil
		})
		if err == nil {
			t.Fatal("WriteMessages of a message of another conversation succeeded")
		}
		for _, table := range []string{"sms_conversations", "messages", "events", "opt_outs"} {
			if c := countRows(t, st, table); c != 0 {
				t.Errorf("%d rows in %s after failed writes", c, table)
			}
		}
		if c := smsJobs(t, st); c != 0 {
			t.Errorf("%d jobs after failed writes", c)
		}
		state, _ := writeSMS(t, st, org.ID, n, party, core.MessageWrite{})
		if !state.NextSendAt.IsZero() || state.OptedOut {
			t.Errorf("state after failed writes = %+v", state)
		}

		// The same write, decided without error, stores all of it.
		writeSMS(t, st, org.ID, n, party, write(m))
		for _, table := range []string{"sms_conversations", "messages", "events", "opt_outs"} {
			if c := countRows(t, st, table); c != 1 {
				t.Errorf("%d rows in %s after the write, want 1", c, table)
			}
		}
		if c := smsJobs(t, st); c != 1 {
			t.Errorf("%d jobs after the write, want 1", c)
		}
	})
}

func TestWriteMessagesOptOutAndPacing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		n := insertNumber(t, st, org.ID, nil)
		const party = "+14155550199"
		contact := newContact(party, "Ada")
		if err := st.InsertContact(ctx, org.ID, contact); err != nil {
			t.Fatal(err)
		}
		if err := st.InsertContact(ctx, other.ID, newContact(party, "Ada elsewhere")); err != nil {
			t.Fatal(err)
		}
		optedOut := func(want bool) {
			t.Helper()
			if got, err := st.OptedOut(ctx, org.ID, party); err != nil || got != want {
				t.Errorf("OptedOut = %v, %v; want %v", got, err, want)
			}
			if c, err := st.GetContact(ctx, org.ID, contact.ID); err != nil || c.OptedOut != want {
				t.Errorf("GetContact: OptedOut = %v, %v; want %v", c.OptedOut, err, want)
			}
			if c, err := st.GetContactByNumber(ctx, org.ID, party); err != nil || c.OptedOut != want {
				t.Errorf("GetContactByNumber: OptedOut = %v, %v; want %v", c.OptedOut, err, want)
			}
			if l, _, err := st.ListContacts(ctx, org.ID, dialtone.ContactFilter{}, dialtone.ListParams{}); err != nil || len(l) != 1 || l[0].OptedOut != want {
				t.Errorf("ListContacts = %+v, %v; want OptedOut %v", l, err, want)
			}
			if c, err := st.UpdateContact(ctx, org.ID, contact.ID, func(c *dialtone.Contact) error { c.Notes += "."; return nil }); err != nil || c.OptedOut != want {
				t.Errorf("UpdateContact: OptedOut = %v, %v; want %v", c.OptedOut, err, want)
			}
		}
		optedOut(false)

		yes, no := true, false
		stop := newSMS(n, party, dialtone.MessageInbound, "  Stop \n", baseTime())
		confirm := newSMS(n, party, dialtone.MessageOutbound, dialtone.OptOutConfirmationText, baseTime())
		next := baseTime().Add(1500 * time.Millisecond)
		state, _ := writeSMS(t, st, org.ID, n, party, core.MessageWrite{Messages: []dialtone.Message{confirm, stop}, OptOut: &yes, NextSendAt: next})
		if state.OptedOut {
			t.Errorf("state before the opt-out says opted out")
		}
		optedOut(true)
		var keyword, messageID string
		if err := sqlstore.WriterDB(st).QueryRowContext(ctx, `SELECT keyword, message_id FROM opt_outs
			WHERE organization_id = $1 AND phone_number = $2`, org.ID, party).Scan(&keyword, &messageID); err != nil ||
			keyword != "Stop" || messageID != stop.ID {
			t.Errorf("opt-out row: %q, %q, %v; want Stop, %s", keyword, messageID, err, stop.ID)
		}
		if got, err := st.OptedOut(ctx, other.ID, party); err != nil || got {
			t.Errorf("another organization: OptedOut = %v, %v", got, err)
		}
		if c, err := st.GetContactByNumber(ctx, other.ID, party); err != nil || c.OptedOut {
			t.Errorf("another organization's contact: OptedOut = %v, %v", c.OptedOut, err)
		}

		// The state reads the opt-out and the pacing; a second opt-out keeps the first.
		later := next.Add(time.Second)
		state, _ = writeSMS(t, st, org.ID, n, party, core.MessageWrite{
			Messages: []dialtone.Message{newSMS(n, party, dialtone.MessageInbound, "STOP again", later)}, OptOut: &yes})
		if !state.OptedOut || !state.NextSendAt.Equal(stored(next)) || state.NextSendAt.Location() != time.UTC {
			t.Errorf("state = opted out %v, next send at %v; want true, %v", state.OptedOut, state.NextSendAt, stored(next))
		}
		if c := countWhere(t, st, `SELECT COUNT(*) FROM opt_outs WHERE keyword = $1`, "Stop"); c != 1 {
			t.Errorf("a second opt-out replaced the first")
		}
		// A write without NextSendAt keeps the pacing.
		state, _ = writeSMS(t, st, org.ID, n, party, core.MessageWrite{OptOut: &no})
		if !state.NextSendAt.Equal(stored(next)) {
			t.Errorf("NextSendAt = %v, want %v", state.NextSendAt, stored(next))
		}
		optedOut(false)
		state, _ = writeSMS(t, st, org.ID, n, party, core.MessageWrite{})
		if state.OptedOut {
			t.Errorf("state after opting in says opted out")
		}
	})
}

func TestMessageJobs(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		const party = "+14155550199"
		m := newSMS(n, party, dialtone.MessageOutbound, "Hello", baseTime())
		at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		_, stored := writeSMS(t, st, org.ID, n, party, core.MessageWrite{Messages: []dialtone.Message{m}, Effects: core.Effects{
			Jobs: []core.Job{{Args: testSMSJob{MessageID: m.ID}, Queue: "sms", At: at, MaxAttempts: 3}},
		}})
		var queue, args string
		var attempts int
		if err := sqlstore.WriterDB(st).QueryRowContext(ctx, `SELECT queue, max_attempts, args FROM river_job WHERE kind = $1`,
			testSMSJob{}.Kind()).Scan(&queue, &attempts, &args); err != nil {
			t.Fatalf("the job: %v", err)
		}
		if queue != "sms" || attempts != 3 || !strings.Contains(args, m.ID) {
			t.Errorf("job: queue %q, max attempts %d, args %s", queue, attempts, args)
		}
		var scheduled time.Time
		if err := sqlstore.WriterDB(st).QueryRowContext(ctx, `SELECT scheduled_at FROM river_job WHERE kind = $1`,
			testSMSJob{}.Kind()).Scan(&scheduled); err != nil || !scheduled.Equal(at) {
			t.Errorf("job scheduled at %v, %v; want %v", scheduled, err, at)
		}

		// UpdateMessage stores its effects' jobs too, with River's defaults.
		if _, err := st.UpdateMessage(ctx, stored[0].ID, func(m *dialtone.Message) (core.Effects, error) {
			m.Status = dialtone.MessageSending
			return core.Effects{Jobs: []core.Job{{Args: testSMSJob{MessageID: "second"}, Queue: "sms"}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if c := countWhere(t, st, `SELECT COUNT(*) FROM river_job WHERE kind = $1 AND max_attempts = 25`, testSMSJob{}.Kind()); c != 1 {
			t.Errorf("%d jobs with River's default attempts, want 1", c)
		}
		// A failing mutate inserts none.
		boom := errors.New("boom")
		if _, err := st.UpdateMessage(ctx, stored[0].ID, func(m *dialtone.Message) (core.Effects, error) {
			return core.Effects{Jobs: []core.Job{{Args: testSMSJob{}, Queue: "sms"}}}, boom
		}); err != boom {
			t.Errorf("UpdateMessage with a failing mutate: %v, want boom", err)
		}
		if c := smsJobs(t, st); c != 2 {
			t.Errorf("%d jobs, want 2", c)
		}
	})
}

func TestListConversationsByActivity(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		var ids []string // oldest activity first
		for i, party := range []string{"+14155550101", "+14155550102", "+14155550103"} {
			state, _ := writeSMS(t, st, org.ID, n, party, msgs(newSMS(n, party, dialtone.MessageInbound, "hi", baseTime().Add(time.Duration(i)*time.Minute))))
			ids = append(ids, state.Conversation.ID)
		}
		a, b, c := ids[0], ids[1], ids[2]
		list := func(lp dialtone.ListParams) ([]string, bool) {
			t.Helper()
			l, more, err := st.ListConversations(ctx, org.ID, lp)
			if err != nil {
				t.Fatalf("ListConversations(%+v): %v", lp, err)
			}
			return conversationIDs(l), more
		}
		check := func(lp dialtone.ListParams, want []string, wantMore bool) {
			t.Helper()
			if got, more := list(lp); !reflect.DeepEqual(got, want) || more != wantMore {
				t.Errorf("ListConversations(%+v) = %v, %v; want %v, %v", lp, got, more, want, wantMore)
			}
		}
		check(dialtone.ListParams{}, []string{c, b, a}, false)
		check(dialtone.ListParams{Limit: 2}, []string{c, b}, true)
		check(dialtone.ListParams{Limit: 2, StartingAfter: b}, []string{a}, false)
		check(dialtone.ListParams{Limit: 2, EndingBefore: a}, []string{c, b}, false)
		check(dialtone.ListParams{Limit: 1, EndingBefore: a}, []string{b}, true)

		// The oldest conversation gets a message and moves to the top; cursors follow activity.
		writeSMS(t, st, org.ID, n, "+14155550101", msgs(newSMS(n, "+14155550101", dialtone.MessageOutbound, "back", baseTime().Add(time.Hour))))
		check(dialtone.ListParams{}, []string{a, c, b}, false)
		check(dialtone.ListParams{Limit: 1, StartingAfter: a}, []string{c}, true)
		check(dialtone.ListParams{EndingBefore: c}, []string{a}, false)
		if _, _, err := st.ListConversations(ctx, org.ID, dialtone.ListParams{StartingAfter: "conv_unknown"}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("unknown cursor: %v", err)
		}
	})
}

func TestUpdateMessage(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		const party = "+14155550199"
		_, ms := writeSMS(t, st, org.ID, n, party, msgs(newSMS(n, party, dialtone.MessageOutbound, "Hello", baseTime())))
		orig := ms[0]
		sendAt, sentAt, failedAt := baseTime().Add(time.Second), baseTime().Add(2*time.Second), baseTime().Add(3*time.Second)
		carrierID, code, text := "SM123", dialtone.MessageErrorUnreachable, "handset off"
		ev := dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Type: dialtone.EventMessageFailed, ObjectID: orig.ID, CreatedAt: failedAt,
			Data: dialtone.EventData{Object: []byte(`{"id":"` + orig.ID + `"}`)}}
		got, err := st.UpdateMessage(ctx, orig.ID, func(m *dialtone.Message) (core.Effects, error) {
			if !reflect.DeepEqual(*m, orig) {
				t.Errorf("mutate got\n %+v\nwant\n %+v", *m, orig)
			}
			m.Status = dialtone.MessageUndelivered
			m.SendAt, m.SentAt, m.FailedAt = &sendAt, &sentAt, &failedAt
			m.CarrierMessageID, m.ErrorCode, m.ErrorMessage = &carrierID, &code, &text
			m.Cost = dialtone.USD(7900)
			m.UpdatedAt = failedAt
			m.Body = "ignored"
			return core.Effects{Events: []dialtone.Event{ev}}, nil
		})
		want := orig
		want.Status = dialtone.MessageUndelivered
		s1, s2, s3 := stored(sendAt), stored(sentAt), stored(failedAt)
		want.SendAt, want.SentAt, want.FailedAt = &s1, &s2, &s3
		want.CarrierMessageID, want.ErrorCode, want.ErrorMessage = &carrierID, &code, &text
		want.Cost = dialtone.USD(7900)
		want.UpdatedAt = s3
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("UpdateMessage =\n %+v, %v\nwant\n %+v", got, err, want)
		}
		if m, err := st.GetMessage(ctx, org.ID, orig.ID); err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("GetMessage after update =\n %+v, %v\nwant\n %+v", m, err, want)
		}
		if c := countWhere(t, st, `SELECT COUNT(*) FROM events WHERE object_id = $1 AND organization_id = $2`, orig.ID, org.ID); c != 1 {
			t.Errorf("%d events of the message, want 1", c)
		}

		boom := errors.New("boom")
		if _, err := st.UpdateMessage(ctx, orig.ID, func(m *dialtone.Message) (core.Effects, error) {
			m.Status = dialtone.MessageDelivered
			return core.Effects{}, boom
		}); err != boom {
			t.Errorf("failing mutate: %v, want boom", err)
		}
		if m, err := st.GetMessage(ctx, org.ID, orig.ID); err != nil || m.Status != dialtone.MessageUndelivered {
			t.Errorf("a failed update changed the message: %v, %v", m.Status, err)
		}
		if _, err := st.UpdateMessage(ctx, "msg_unknown", func(*dialtone.Message) (core.Effects, error) {
			t.Error("mutate called for an unknown message")
			return core.Effects{}, nil
		}); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("unknown message: %v", err)
		}
	})
}

func TestContactRefs(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		ada, bob := newContact("+14155550123", "Ada"), newContact("+14155550124", "Bob")
		for _, c := range []dialtone.Contact{ada, bob} {
			if err := st.InsertContact(ctx, org.ID, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.InsertContact(ctx, other.ID, newContact("+14155550125", "Carol")); err != nil {
			t.Fatal(err)
		}
		got, err := st.ContactRefs(ctx, org.ID, []string{ada.PhoneNumber, "+14155550125", "+14155550999", ada.PhoneNumber})
		want := map[string]dialtone.ContactRef{ada.PhoneNumber: {ID: ada.ID, Name: "Ada"}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ContactRefs = %v, %v; want %v", got, err, want)
		}
		if got, err := st.ContactRefs(ctx, org.ID, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("ContactRefs of no number = %#v, %v", got, err)
		}
	})
}

func TestMessagingSettingsRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")

		// Phone numbers.
		n := newNumberValues(newNumber(), nil)
		n.SMSReplyEnabled, n.MessagesPerSecond, n.A2P10DLCRegistered = true, 2.5, false
		if err := st.InsertPhoneNumber(ctx, org.ID, n, 10, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetPhoneNumber(ctx, org.ID, n.ID); err != nil || !reflect.DeepEqual(got, storedNumber(n)) {
			t.Errorf("GetPhoneNumber =\n %+v, %v\nwant\n %+v", got, err, storedNumber(n))
		}
		got, err := st.UpdatePhoneNumber(ctx, org.ID, n.ID, func(p *dialtone.PhoneNumber) error {
			p.SMSReplyEnabled, p.MessagesPerSecond, p.A2P10DLCRegistered = false, 0.1, true
			return nil
		})
		if err != nil || got.SMSReplyEnabled || got.MessagesPerSecond != 0.1 || !got.A2P10DLCRegistered {
			t.Errorf("UpdatePhoneNumber = %+v, %v", got, err)
		}
		if again, err := st.GetPhoneNumberByNumber(ctx, org.ID, n.Number); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("GetPhoneNumberByNumber after update = %+v, %v; want %+v", again, err, got)
		}

		// Agents.
		a := newAgentValues("Texter")
		a.SMSPrompt = "Keep texts short."
		if err := st.InsertAgent(ctx, org.ID, a); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetAgent(ctx, org.ID, a.ID); err != nil || got.SMSPrompt != "Keep texts short." {
			t.Errorf("GetAgent: SMSPrompt %q, %v", got.SMSPrompt, err)
		}
		if got, err := st.UpdateAgent(ctx, org.ID, a.ID, func(a *dialtone.Agent) error { a.SMSPrompt = "No emoji."; return nil }); err != nil || got.SMSPrompt != "No emoji." {
			t.Errorf("UpdateAgent: SMSPrompt %q, %v", got.SMSPrompt, err)
		}
		if got, err := st.GetAgent(ctx, org.ID, a.ID); err != nil || got.SMSPrompt != "No emoji." {
			t.Errorf("GetAgent after update: SMSPrompt %q, %v", got.SMSPrompt, err)
		}

		// Telephony configs: stored as given; a row from before messaging reads the default.
		at := baseTime()
		if err := st.PutTelephonyConfig(ctx, org.ID, dialtone.TelephonyConfig{AllowedCountries: []string{"*"},
			SMSHelpText: "Text us at help@example.com.", UpdatedAt: &at}); err != nil {
			t.Fatal(err)
		}
		if cfg, _, err := st.GetTelephonyConfig(ctx, org.ID); err != nil || cfg.SMSHelpText != "Text us at help@example.com." {
			t.Errorf("GetTelephonyConfig: SMSHelpText %q, %v", cfg.SMSHelpText, err)
		}
		old, _ := createOrg(t, st, "Old")
		if _, err := sqlstore.WriterDB(st).ExecContext(ctx, `INSERT INTO telephony_configs (organization_id,
			allowed_countries, allowed_prefixes, block_premium_rate, updated_at) VALUES ($1, '["*"]', '[]', $2, $3)`,
			old.ID, true, stored(at)); err != nil {
			t.Fatal(err)
		}
		if cfg, _, err := st.GetTelephonyConfig(ctx, old.ID); err != nil || cfg.SMSHelpText != dialtone.DefaultSMSHelpText {
			t.Errorf("config stored without sms_help_text: %q, %v; want the default", cfg.SMSHelpText, err)
		}
	})
}

// Concurrent writes for one number are serialised: the first creates the conversation, every
// later one sees it, and each sees the pacing the previous one stored.
func TestWriteMessagesSerialisesConcurrentWrites(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		const party, writes = "+14155550199", 10
		start := stored(baseTime())
		var wg sync.WaitGroup
		for i := range writes {
			wg.Go(func() {
				_, err := st.WriteMessages(t.Context(), org.ID, n.ID, party, func(s core.MessageState) (core.MessageWrite, error) {
					slot := start.Add(time.Second)
					if s.NextSendAt.After(start) {
						slot = s.NextSendAt.Add(time.Second)
					}
					m := newSMS(n, party, dialtone.MessageOutbound, "n"+strconv.Itoa(i), baseTime())
					m.ConversationID, m.SendAt = s.Conversation.ID, &slot
					return core.MessageWrite{Messages: []dialtone.Message{m}, NextSendAt: slot}, nil
				})
				if err != nil {
					t.Errorf("WriteMessages: %v", err)
				}
			})
		}
		wg.Wait()
		l, _, err := st.ListConversations(t.Context(), org.ID, dialtone.ListParams{})
		if err != nil || len(l) != 1 || l[0].MessageCount != writes {
			t.Fatalf("conversations after %d concurrent writes = %+v, %v; want one of %d messages", writes, l, err, writes)
		}
		state, _ := writeSMS(t, st, org.ID, n, party, core.MessageWrite{})
		if want := start.Add(writes * time.Second); !state.NextSendAt.Equal(want) {
			t.Errorf("NextSendAt = %v, want %v: a write did not see the previous one's pacing", state.NextSendAt, want)
		}
	})
}

// TestReslotAndQueuedBefore: when one queued message of a number is overdue, every queued
// message of the number gets a new slot, in the order they were queued; QueuedBefore sees the
// number's earlier queued messages only.
func TestReslotAndQueuedBefore(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		n := insertNumber(t, st, org.ID, nil)
		other := insertNumber(t, st, org.ID, nil)
		t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		var msgs []dialtone.Message
		for i := range 3 {
			m := newSMS(n, "+14155550188", dialtone.MessageOutbound, "m"+strconv.Itoa(i), t0)
			m.Status = dialtone.MessageQueued
			slot := t0.Add(time.Duration(i) * time.Second)
			m.SendAt = &slot
			msgs = append(msgs, m)
		}
		writeSMS(t, st, org.ID, n, "+14155550188", core.MessageWrite{Messages: msgs})
		before := func(i int) bool {
			t.Helper()
			found, err := st.QueuedBefore(ctx, org.ID, n.ID, *msgs[i].SendAt, msgs[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			return found
		}
		if before(0) || !before(1) || !before(2) {
			t.Errorf("QueuedBefore: %v %v %v, want false true true", before(0), before(1), before(2))
		}
		if found, err := st.QueuedBefore(ctx, org.ID, other.ID, t0.Add(time.Hour), "msg_z"); err != nil || found {
			t.Errorf("QueuedBefore on another number: %v, %v", found, err)
		}
		// Nothing overdue before t0: nothing moves and slots is not called.
		moved, err := st.ReslotMessages(ctx, org.ID, n.ID, t0, func(dialtone.PhoneNumber, time.Time, int) ([]time.Time, time.Time) {
			t.Error("slots called with nothing overdue")
			return nil, time.Time{}
		})
		if err != nil || moved != 0 {
			t.Fatalf("ReslotMessages with nothing overdue: %d, %v", moved, err)
		}
		// The first is overdue at t0+0.5 s: all three move, in order.
		restart := t0.Add(time.Hour)
		moved, err = st.ReslotMessages(ctx, org.ID, n.ID, t0.Add(500*time.Millisecond), func(_ dialtone.PhoneNumber, _ time.Time, count int) ([]time.Time, time.Time) {
			slots := make([]time.Time, count)
			for i := range slots {
				slots[i] = restart.Add(time.Duration(i) * 100 * time.Millisecond)
			}
			return slots, restart.Add(time.Duration(count) * 100 * time.Millisecond)
		})
		if err != nil || moved != 3 {
			t.Fatalf("ReslotMessages: %d, %v", moved, err)
		}
		for i, m := range msgs {
			got, err := st.GetMessage(ctx, org.ID, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := restart.Add(time.Duration(i) * 100 * time.Millisecond); got.SendAt == nil || !got.SendAt.Equal(want) {
				t.Errorf("message %d slot %v, want %v", i, got.SendAt, want)
			}
		}
		_, err = st.WriteMessages(ctx, org.ID, n.ID, "+14155550188", func(s core.MessageState) (core.MessageWrite, error) {
			if want := restart.Add(300 * time.Millisecond); !s.NextSendAt.Equal(want) {
				t.Errorf("next send at %v, want %v", s.NextSendAt, want)
			}
			return core.MessageWrite{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// smsJobs counts the test job kind's rows in River's job table.
func smsJobs(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	return countWhere(t, st, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, testSMSJob{}.Kind())
}
