package core

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// SMSReplyTimeout is how long an agent's brain has to answer a text message (its own timeout,
// when shorter, applies first).
const SMSReplyTimeout = 20 * time.Second

// Reply runs the reply job of an inbound message: the agent of the message's number (as it
// is now) is asked, with its prompt, SMS prompt and the number's overlay, the conversation's
// state and its last SMSReplyHistory messages, and what it answers is queued as a message
// back (source agent), unless the party opted out meanwhile. A brain that fails sends the
// agent's fallback line when it has one, and nothing otherwise; the failure is logged.
// Actions (end_call, transfer, press_digits) mean nothing in a text conversation and are
// dropped. It returns an error only when the database fails.
func (s *Messages) Reply(ctx context.Context, job MessageReplyJob) error {
	in, err := s.store.GetMessage(ctx, job.OrganizationID, job.MessageID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	org := job.OrganizationID
	n, err := s.store.GetPhoneNumber(ctx, org, in.PhoneNumberID)
	if errors.Is(err, ErrNotFound) || (err == nil && (n.AgentID == nil || !n.SMSReplyEnabled)) {
		return nil // released, detached or switched off since
	}
	if err != nil {
		return err
	}
	a, err := s.store.GetAgent(ctx, org, *n.AgentID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	conv, err := s.store.GetConversation(ctx, org, in.ConversationID)
	if err != nil {
		return err
	}
	history, err := s.history(ctx, org, in)
	if err != nil {
		return err
	}
	text, err := s.ask(ctx, a, n, conv, in, history)
	if err != nil {
		s.log.ErrorContext(ctx, "agent reply to a text", "message_id", in.ID, "agent_id", a.ID, "error", err)
		text = strings.TrimSpace(a.Brain.Fallback)
	}
	if text == "" {
		return nil
	}
	if utf8.RuneCountInString(text) > dialtone.MaxSMSBodyChars {
		text = string([]rune(text)[:dialtone.MaxSMSBodyChars])
	}
	_, err = s.store.WriteMessages(ctx, org, n.ID, in.FromNumber, func(st MessageState) (MessageWrite, error) {
		var w MessageWrite
		if !st.OptedOut {
			s.queue(&w, st, s.newOutbound(org, st.Number, in.FromNumber, text, dialtone.MessageFromAgent))
		}
		return w, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// history returns the messages of in's conversation before in, oldest first, at most
// SMSReplyHistory of them, as the brain sees them: the other party is the caller.
func (s *Messages) history(ctx context.Context, org string, in dialtone.Message) ([]dialtone.Utterance, error) {
	ms, _, err := s.store.ListMessages(ctx, org, dialtone.MessageFilter{ConversationID: in.ConversationID},
		dialtone.ListParams{Limit: dialtone.SMSReplyHistory, StartingAfter: in.ID})
	if err != nil {
		return nil, err
	}
	us := make([]dialtone.Utterance, 0, len(ms))
	for _, m := range slices.Backward(ms) {
		sp := dialtone.SpeakerAgent
		if m.Direction == dialtone.MessageInbound {
			sp = dialtone.SpeakerCaller
		}
		us = append(us, dialtone.Utterance{Speaker: sp, Text: m.Body})
	}
	return us, nil
}

// ask returns what agent a answers to inbound message in, the text of its reply pieces joined.
func (s *Messages) ask(ctx context.Context, a dialtone.Agent, n dialtone.PhoneNumber, conv dialtone.SMSConversation,
	in dialtone.Message, history []dialtone.Utterance) (string, error) {
	secret := ""
	if a.BrainSecret != "" && s.secrets != nil {
		var err error
		if secret, err = s.secrets.Open(a.BrainSecret); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, SMSReplyTimeout)
	defer cancel()
	brain, err := s.respond(a, secret)
	if err != nil {
		return "", err
	}
	vars := ConversationVariables(a, conv, s.now())
	turn := dialtone.BrainTurn{Agent: a, Conversation: &conv, Prompt: composeSMSPrompt(a, n, conv, vars),
		History: history, Text: in.Body}
	var b strings.Builder
	err = brain.Reply(ctx, turn, func(o dialtone.BrainOutput) error {
		b.WriteString(o.Text)
		return nil
	})
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(b.String())
	if a.Brain.Type == dialtone.BrainScripted {
		text = FillPrompt(text, vars)
	}
	return text, nil
}

// ConversationVariables are the values of {{name}} in an agent's prompts (and a scripted
// agent's replies) in a text conversation: the conversation's metadata, then the built-ins of
// PromptVariables, which win, with caller_number the other party, agent_number the
// organization's number, direction "inbound" and channel "sms".
func ConversationVariables(a dialtone.Agent, conv dialtone.SMSConversation, now time.Time) map[string]string {
	c := dialtone.Call{Direction: dialtone.CallInbound, FromNumber: conv.ParticipantNumber, ToNumber: conv.PhoneNumber,
		Variables: conv.Metadata}
	vars := PromptVariables(a, c, now)
	vars["channel"] = "sms"
	return vars
}

// composeSMSPrompt is the system prompt of a text conversation: the agent's prompt, its SMS
// prompt, the number's overlay, each filled with vars, then the conversation's state (its
// metadata, one "key: value" line each, sorted by key).
func composeSMSPrompt(a dialtone.Agent, n dialtone.PhoneNumber, conv dialtone.SMSConversation, vars map[string]string) string {
	var parts []string
	for _, p := range []string{a.SystemPrompt, a.SMSPrompt, n.CustomPrompt} {
		if p = strings.TrimSpace(FillPrompt(p, vars)); p != "" {
			parts = append(parts, p)
		}
	}
	if len(conv.Metadata) > 0 {
		lines := []string{"Conversation state:"}
		for _, k := range slices.Sorted(maps.Keys(conv.Metadata)) {
			lines = append(lines, k+": "+conv.Metadata[k])
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	return strings.Join(parts, "\n\n")
}
