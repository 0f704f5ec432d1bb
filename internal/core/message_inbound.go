package core

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
)

// ValidateSandboxMessage returns every invalid field of a simulated inbound message. A body
// over MaxSMSBodyChars is message_too_long (checkBody).
func (s *Messages) ValidateSandboxMessage(params dialtone.SandboxMessageParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	requireE164(&fe, "from", params.From)
	requireE164(&fe, "to", params.To)
	switch {
	case !params.Body.HasValue():
		fe.Addf("body", dialtone.CodeFieldRequired, "body is required.")
	case params.Body.Value == "":
		fe.Addf("body", dialtone.CodeValueTooShort, "body must not be empty.")
	}
	return fe
}

// SandboxReceive makes a simulated person (from) text one of p's organization's sandbox
// numbers (to) (write role) and returns the inbound message as stored; the answers it gets
// (to a keyword, or from the number's agent) follow as outbound messages of the
// conversation. A number the organization does not hold is phone_number_not_found (param
// to); a number of another carrier is invalid_value.
func (s *Messages) SandboxReceive(ctx context.Context, p dialtone.Principal, params dialtone.SandboxMessageParams) (dialtone.Message, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Message{}, err
	}
	if fe := s.ValidateSandboxMessage(params); len(fe) > 0 {
		return dialtone.Message{}, fe.Err()
	}
	if err := checkBody(params.Body.Value); err != nil {
		return dialtone.Message{}, err
	}
	n, err := s.store.GetPhoneNumberByNumber(ctx, p.OrganizationID, params.To.Value)
	if errors.Is(err, ErrNotFound) {
		return dialtone.Message{}, dialtone.Errorf(dialtone.CodePhoneNumberNotFound,
			"%s is not one of your organization's numbers.", params.To.Value).WithParam("to")
	}
	if err != nil {
		return dialtone.Message{}, dialtone.Internal(err)
	}
	if n.Carrier != "sandbox" {
		return dialtone.Message{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"%s is a %s number; simulated people can only text sandbox numbers.", n.Number, n.Carrier).WithParam("to")
	}
	m, err := s.Receive(ctx, p.OrganizationID, n, dialtone.InboundSMS{From: params.From.Value, To: n.Number, Body: params.Body.Value})
	if err != nil {
		return dialtone.Message{}, err
	}
	return s.withContacts(ctx, p.OrganizationID, []dialtone.Message{m})[0], nil
}

// Receive stores a message the carrier received for org's number n, in the conversation of n
// and the sender, charged per segment, with its message.received event, and answers it in the
// same transaction: an opt-out keyword (STOP, …) opts the sender out of org's messages and
// queues one confirmation; an opt-in keyword (START, YES, UNSTOP) from a sender who opted out
// opts them back in and queues a confirmation (from anyone else it is an ordinary message);
// HELP queues the organization's help text; any other message from a sender who did not opt
// out starts the agent's reply when n has sms_reply_enabled and an agent. Keyword answers go
// out even to a party who opted out: they are what carriers require.
func (s *Messages) Receive(ctx context.Context, org string, n dialtone.PhoneNumber, in dialtone.InboundSMS) (dialtone.Message, error) {
	kw := dialtone.ParseSMSKeyword(in.Body)
	help := ""
	if kw == dialtone.KeywordHelp {
		cfg, err := s.telephony.config(ctx, org)
		if err != nil {
			return dialtone.Message{}, err
		}
		help = cmp.Or(cfg.SMSHelpText, dialtone.DefaultSMSHelpText)
	}
	var contact *dialtone.ContactRef
	if r, ok := contactRefs(ctx, s.store, s.log, org, []string{in.From})[in.From]; ok {
		contact = &r
	}
	enc, segs := dialtone.SMSSegments(in.Body)
	now := s.now()
	m := dialtone.Message{
		ID: dialtone.NewID(dialtone.PrefixMessage), Object: "message", OrganizationID: org,
		Direction: dialtone.MessageInbound, Status: dialtone.MessageReceived, Source: dialtone.MessageFromPerson,
		PhoneNumberID: n.ID, AgentID: n.AgentID, FromNumber: in.From, ToNumber: n.Number, Body: in.Body,
		Encoding: enc, Segments: segs, Carrier: n.Carrier, Metadata: map[string]string{}, CreatedAt: now, UpdatedAt: now,
	}
	if in.CarrierMessageID != "" {
		m.CarrierMessageID = &in.CarrierMessageID
	}
	m.Cost = dialtone.USD(s.cost(m))
	stored, err := s.store.WriteMessages(ctx, org, n.ID, in.From, func(st MessageState) (MessageWrite, error) {
		m.ConversationID = st.Conversation.ID
		w := MessageWrite{Messages: []dialtone.Message{m}}
		w.Effects.Events = []dialtone.Event{messageEvent(m, now)}
		w.Effects.Charge = s.charge(m, now)
		answer := func(text string) {
			s.queue(&w, st, s.newOutbound(org, st.Number, in.From, text, dialtone.MessageFromKeyword))
		}
		switch {
		case kw == dialtone.KeywordOptOut:
			if !st.OptedOut {
				w.OptOut = ptr(true)
				w.Effects.Events = append(w.Effects.Events, optOutEvent(m, contact, true, now))
			}
			answer(dialtone.OptOutConfirmationText)
		case kw == dialtone.KeywordOptIn && st.OptedOut:
			w.OptOut = ptr(false)
			w.Effects.Events = append(w.Effects.Events, optOutEvent(m, contact, false, now))
			answer(dialtone.OptInConfirmationText)
		case kw == dialtone.KeywordHelp:
			answer(help)
		case !st.OptedOut && st.Number.SMSReplyEnabled && st.Number.AgentID != nil && s.respond != nil:
			w.Effects.Jobs = append(w.Effects.Jobs, Job{Args: MessageReplyJob{OrganizationID: org, MessageID: m.ID},
				Queue: QueueReplies, MaxAttempts: 1})
		}
		return w, nil
	})
	if err != nil {
		return dialtone.Message{}, storeError(err, dialtone.CodePhoneNumberNotFound)
	}
	return stored[0], nil
}

// optOutEvent is the contact.opted_out (out) or contact.opted_in event of inbound message m
// from the party whose contact (nil for none) is contact.
func optOutEvent(m dialtone.Message, contact *dialtone.ContactRef, out bool, t time.Time) dialtone.Event {
	o := dialtone.OptOut{Object: "opt_out", PhoneNumber: m.FromNumber, OptedOut: out,
		Keyword: strings.TrimSpace(m.Body), MessageID: m.ID, Contact: contact, At: t}
	typ := dialtone.EventContactOptedIn
	if out {
		typ = dialtone.EventContactOptedOut
	}
	return newEvent(typ, m.FromNumber, o, deref(m.AgentID), t)
}
