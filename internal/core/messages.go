package core

import (
	"cmp"
	"context"
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

// Job queues of messaging.
const (
	// QueueMessages is the queue of message sends: many short jobs, most of them waiting for
	// their number's send slot.
	QueueMessages = "messages"
	// QueueReplies is the queue of agent replies to inbound messages: each asks a brain.
	QueueReplies = "replies"
)

// sendLead is how long before its slot a message's send job is scheduled. River makes
// scheduled jobs available every 5 seconds, so a job scheduled 6 s early is running before
// its slot; it then waits for the slot itself, which keeps the pace exact.
const sendLead = 6 * time.Second

// MessageSendJob sends one outbound message at its slot.
type MessageSendJob struct {
	OrganizationID string `json:"organization_id"`
	MessageID      string `json:"message_id"`
}

// Kind names the job kind.
func (MessageSendJob) Kind() string { return "message_send" }

// MessageReplyJob asks the agent of the number an inbound message reached for a reply.
type MessageReplyJob struct {
	OrganizationID string `json:"organization_id"`
	MessageID      string `json:"message_id"` // the inbound message
}

// Kind names the job kind.
func (MessageReplyJob) Kind() string { return "message_reply" }

// MessageOptions configure the message service; zero values mean the defaults.
type MessageOptions struct {
	// Responder returns the brain of an agent (with its opened secret), for replies to
	// inbound messages; nil means agents never reply.
	Responder func(a dialtone.Agent, secret string) (dialtone.Responder, error)
	// Logger receives what goes wrong outside a request; default slog.Default().
	Logger *slog.Logger
}

// Messages sends and receives text messages (DESIGN §3): outbound messages are queued with
// their number's next send slot and sent by a job at that slot; carriers report their fate
// through MessageStatus; inbound messages are threaded into conversations, answered by the
// keywords (STOP, START, HELP) or by the number's agent.
type Messages struct {
	store     Store
	telephony *TelephonyConfigs
	carriers  map[string]dialtone.MessageCarrier
	prices    dialtone.Prices
	secrets   Sealer
	respond   func(a dialtone.Agent, secret string) (dialtone.Responder, error)
	now       func() time.Time
	log       *slog.Logger
	// sleep waits until t or until ctx ends (tests may replace it).
	sleep func(ctx context.Context, t time.Time) error
	// turns lines up this process's send jobs per number (awaitTurn).
	turns turns
}

var _ dialtone.MessageService = (*Messages)(nil)

func newMessages(store Store, telephony *TelephonyConfigs, carriers map[string]dialtone.MessageCarrier, prices dialtone.Prices,
	secrets Sealer, opt MessageOptions, now func() time.Time) *Messages {
	return &Messages{store: store, telephony: telephony, carriers: carriers, prices: prices, secrets: secrets,
		respond: opt.Responder, now: now, log: cmp.Or(opt.Logger, slog.Default()), sleep: sleepUntil(now)}
}

// sleepUntil returns a function that waits until t on the clock now, or until ctx ends.
func sleepUntil(now func() time.Time) func(ctx context.Context, t time.Time) error {
	return func(ctx context.Context, t time.Time) error {
		d := t.Sub(now())
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ValidateSend returns every invalid field of a message to send, without looking anything
// up. A body over MaxSMSBodyChars is not a field error but message_too_long (checkBody).
func (s *Messages) ValidateSend(params dialtone.MessageParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	requireE164(&fe, "to_number", params.ToNumber)
	switch {
	case !params.Body.HasValue():
		fe.Addf("body", dialtone.CodeFieldRequired, "body is required.")
	case params.Body.Value == "":
		fe.Addf("body", dialtone.CodeValueTooShort, "body must not be empty.")
	}
	if params.FromNumber.HasValue() {
		if err := CheckE164(params.FromNumber.Value); err != nil {
			fe.Add("from_number", err.Code, err.Message)
		}
	} else if !params.AgentID.HasValue() {
		fe.Addf("from_number", dialtone.CodeFieldRequired, "from_number or agent_id is required: it says which number sends the message.")
	}
	ValidateMetadata(&fe, "metadata", params.Metadata.Value)
	return fe
}

// checkBody returns message_too_long for a body over MaxSMSBodyChars characters.
func checkBody(body string) error {
	if n := utf8.RuneCountInString(body); n > dialtone.MaxSMSBodyChars {
		return dialtone.Errorf(dialtone.CodeMessageTooLong,
			"The body has %d characters; a message may have at most %d.", n, dialtone.MaxSMSBodyChars).
			WithParam("body").WithDetail("length", n).WithDetail("max_length", dialtone.MaxSMSBodyChars)
	}
	return nil
}

// Send queues a message from one of p's organization's numbers (write role) and returns it
// queued, with its send slot. It returns a validation error; message_too_long;
// agent_not_found; from_number_not_owned (the number is not the organization's, not the
// agent's when agent_id is given too, or has no SMS) or agent_no_phone;
// destination_not_allowed; sms_not_supported_in_region for an unregistered US 10DLC sender
// texting a US number; insufficient_balance for a prepaid organization whose balance does not
// cover the message's segments; recipient_unsubscribed. On error nothing is stored.
func (s *Messages) Send(ctx context.Context, p dialtone.Principal, params dialtone.MessageParams) (dialtone.Message, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Message{}, err
	}
	if fe := s.ValidateSend(params); len(fe) > 0 {
		return dialtone.Message{}, fe.Err()
	}
	if err := checkBody(params.Body.Value); err != nil {
		return dialtone.Message{}, err
	}
	org := p.OrganizationID
	from, err := s.sender(ctx, org, params.FromNumber, params.AgentID)
	if err != nil {
		return dialtone.Message{}, err
	}
	to := params.ToNumber.Value
	if err := s.telephony.CheckDestination(ctx, org, to); err != nil {
		return dialtone.Message{}, destinationError(err, "Messages")
	}
	if err := checkRegion(from, to); err != nil {
		return dialtone.Message{}, err
	}
	m := s.newOutbound(org, from, to, params.Body.Value, dialtone.MessageFromAPI)
	m.Metadata = nonNil(params.Metadata.Value)
	if err := s.checkBalance(ctx, org, m); err != nil {
		return dialtone.Message{}, err
	}
	stored, err := s.store.WriteMessages(ctx, org, from.ID, to, func(st MessageState) (MessageWrite, error) {
		if st.OptedOut {
			return MessageWrite{}, dialtone.Errorf(dialtone.CodeRecipientUnsubscribed,
				"%s texted STOP to your organization: it may not be messaged until it texts START.", to).
				WithParam("to_number")
		}
		var w MessageWrite
		s.queue(&w, st, m)
		return w, nil
	})
	if err != nil {
		return dialtone.Message{}, storeError(err, dialtone.CodePhoneNumberNotFound)
	}
	return s.withContacts(ctx, org, stored)[0], nil
}

// newOutbound returns a new outbound message of org from number n, not yet queued.
func (s *Messages) newOutbound(org string, n dialtone.PhoneNumber, to, body string, src dialtone.MessageSource) dialtone.Message {
	enc, segs := dialtone.SMSSegments(body)
	now := s.now()
	return dialtone.Message{
		ID: dialtone.NewID(dialtone.PrefixMessage), Object: "message", OrganizationID: org,
		Direction: dialtone.MessageOutbound, Status: dialtone.MessageQueued, Source: src,
		PhoneNumberID: n.ID, AgentID: n.AgentID, FromNumber: n.Number, ToNumber: to, Body: body,
		Encoding: enc, Segments: segs, Carrier: n.Carrier, Cost: dialtone.USD(0),
		Metadata: map[string]string{}, CreatedAt: now, UpdatedAt: now,
	}
}

// queue adds m to w as the next outbound message of st's number: it takes the number's next
// send slot (now, or one interval after the previous message's slot if that is later), and a
// send job scheduled for it.
func (s *Messages) queue(w *MessageWrite, st MessageState, m dialtone.Message) {
	now := s.now()
	slot := now
	if w.NextSendAt.After(slot) {
		slot = w.NextSendAt
	} else if st.NextSendAt.After(slot) {
		slot = st.NextSendAt
	}
	w.NextSendAt = slot.Add(sendInterval(st.Number.MessagesPerSecond))
	m.ConversationID, m.SendAt = st.Conversation.ID, &slot
	job := Job{Args: MessageSendJob{OrganizationID: m.OrganizationID, MessageID: m.ID}, Queue: QueueMessages, MaxAttempts: messageSendAttempts}
	if slot.Sub(now) > sendLead {
		job.At = slot.Add(-sendLead)
	}
	w.Messages = append(w.Messages, m)
	w.Effects.Events = append(w.Effects.Events, messageEvent(m, now))
	w.Effects.Jobs = append(w.Effects.Jobs, job)
}

// messageSendAttempts bounds the runs of a send job: a run fails only when the database does,
// and a message is never handed to the carrier twice (see Deliver).
const messageSendAttempts = 5

// sendInterval is the time between two messages of a number sending mps messages a second.
func sendInterval(mps float64) time.Duration {
	if mps <= 0 || math.IsNaN(mps) {
		mps = dialtone.DefaultMessagesPerSecond
	}
	return time.Duration(float64(time.Second) / mps)
}

// messageEvent is the event recording that m entered its current status at t; the zero
// Event when that status has none.
func messageEvent(m dialtone.Message, t time.Time) dialtone.Event {
	typ := dialtone.MessageEventType(m.Status)
	if typ == "" {
		return dialtone.Event{}
	}
	return newEvent(typ, m.ID, m, deref(m.AgentID), t)
}

// sender resolves the number a message of org comes from: from when given (a live number of
// the organization with SMS, attached to agentID when that is given too; else
// from_number_not_owned), otherwise the oldest SMS number of the agent (none:
// agent_no_phone).
func (s *Messages) sender(ctx context.Context, org string, from, agentID dialtone.Optional[string]) (dialtone.PhoneNumber, error) {
	if agentID.HasValue() {
		if _, err := liveAgent(ctx, s.store, org, agentID.Value); err != nil {
			return dialtone.PhoneNumber{}, err
		}
	}
	if from.HasValue() {
		return ownNumber(ctx, s.store, org, from.Value, func(n dialtone.PhoneNumber) (string, string) {
			switch {
			case agentID.HasValue() && (n.AgentID == nil || *n.AgentID != agentID.Value):
				return "not_attached", "%s is not attached to this agent."
			case !n.Capabilities.SMS:
				return "no_sms", "%s cannot send text messages."
			}
			return "", ""
		})
	}
	return oldestNumber(ctx, s.store, org, agentID.Value, func(n dialtone.PhoneNumber) bool { return n.Capabilities.SMS },
		"Agent %s has no phone number that can send text messages.")
}

// checkRegion returns sms_not_supported_in_region when a US 10-digit long code that is not
// registered for A2P 10DLC texts a US number; toll-free senders are not 10DLC.
func checkRegion(from dialtone.PhoneNumber, to string) error {
	if from.A2P10DLCRegistered || !isUS(to) || !isUS(from.Number) || isTollFree(from.Number) {
		return nil
	}
	return dialtone.Errorf(dialtone.CodeSMSNotSupportedInRegion,
		"%s is a US long code not registered for A2P 10DLC; US carriers block its texts to US numbers such as %s.", from.Number, to).
		WithParam("from_number").WithDetail("phone_number_id", from.ID)
}

// isUS reports whether an E.164 number is a United States number.
func isUS(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "")
	return err == nil && phonenumbers.GetRegionCodeForNumber(num) == "US"
}

// isTollFree reports whether an E.164 number is toll-free.
func isTollFree(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "")
	return err == nil && phonenumbers.GetNumberType(num) == phonenumbers.TOLL_FREE
}

// checkBalance returns insufficient_balance when org is prepaid and its balance does not
// cover m's segments.
func (s *Messages) checkBalance(ctx context.Context, org string, m dialtone.Message) error {
	o, err := s.store.GetOrganization(ctx, org)
	if err != nil {
		return dialtone.Internal(err)
	}
	if o.BillingMode != dialtone.BillingPrepaid {
		return nil
	}
	balance, err := s.store.Balance(ctx, org)
	if err != nil {
		return dialtone.Internal(err)
	}
	need := s.cost(m)
	if balance >= need {
		return nil
	}
	return dialtone.Errorf(dialtone.CodeInsufficientBalance,
		"This message's %d segment(s) cost %s; your organization's balance is %s.", m.Segments, formatUSD(need), formatUSD(balance)).
		WithDetail("balance_micros", balance).WithDetail("required_micros", need)
}

// cost is the price of m: its segments at the price of its direction.
func (s *Messages) cost(m dialtone.Message) int64 {
	return int64(m.Segments) * s.prices.SegmentMicros(m.Direction)
}

// charge is the ledger entry that bills m.
func (s *Messages) charge(m dialtone.Message, t time.Time) *dialtone.LedgerEntry {
	amount := s.cost(m)
	if amount == 0 {
		return nil
	}
	return &dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry",
		Kind: dialtone.LedgerKindMessage, Amount: dialtone.USD(-amount),
		Description: messageChargeDescription(m), ReferenceID: m.ID, CreatedAt: t}
}

func messageChargeDescription(m dialtone.Message) string {
	what := "Outbound message to " + m.ToNumber
	if m.Direction == dialtone.MessageInbound {
		what = "Inbound message from " + m.FromNumber
	}
	if m.Segments == 1 {
		return what + ", 1 segment"
	}
	return what + ", " + strconv.Itoa(m.Segments) + " segments"
}

// Get returns a message of p's organization (read role), or message_not_found.
func (s *Messages) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Message, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Message{}, err
	}
	m, err := s.store.GetMessage(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Message{}, storeError(err, dialtone.CodeMessageNotFound)
	}
	return s.withContacts(ctx, p.OrganizationID, []dialtone.Message{m})[0], nil
}

// List returns a page of p's organization's messages matching f, newest first (read role).
func (s *Messages) List(ctx context.Context, p dialtone.Principal, f dialtone.MessageFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Message], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Message]{}, err
	}
	ms, more, err := s.store.ListMessages(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Message]{}, storeError(err, dialtone.CodeMessageNotFound)
	}
	return dialtone.NewList(s.withContacts(ctx, p.OrganizationID, ms), more), nil
}

// withContacts fills the Contact of each of ms.
func (s *Messages) withContacts(ctx context.Context, org string, ms []dialtone.Message) []dialtone.Message {
	return withContacts(ctx, s.store, s.log, org, ms, func(m *dialtone.Message) (string, **dialtone.ContactRef) {
		return m.OtherParty(), &m.Contact
	})
}

// withContacts sets the contact of each of items, whose other party's number and contact
// field party returns, to org's contact of that number; a failed lookup leaves them null
// (logged), so that a read shows its objects rather than failing.
func withContacts[T any](ctx context.Context, store Store, log *slog.Logger, org string, items []T,
	party func(*T) (string, **dialtone.ContactRef)) []T {
	numbers := make([]string, len(items))
	for i := range items {
		numbers[i], _ = party(&items[i])
	}
	refs := contactRefs(ctx, store, log, org, numbers)
	for i := range items {
		number, field := party(&items[i])
		if r, ok := refs[number]; ok {
			*field = &r
		}
	}
	return items
}

// contactRefs returns org's contacts among numbers, by number; nil (logged) when the store
// fails, so that a read shows its object without contacts rather than failing.
func contactRefs(ctx context.Context, store Store, log *slog.Logger, org string, numbers []string) map[string]dialtone.ContactRef {
	if len(numbers) == 0 {
		return nil
	}
	refs, err := store.ContactRefs(ctx, org, numbers)
	if err != nil {
		log.ErrorContext(ctx, "look up contacts", "organization_id", org, "error", err)
		return nil
	}
	return refs
}
