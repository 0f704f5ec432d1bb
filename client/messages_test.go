package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// waitMessage polls the message until it reaches a final status and returns it; it fails the
// test after a deadline that only a hang reaches.
func waitMessage(t *testing.T, c *client.Client, id string) *dialtone.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := c.Messages.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		if dialtone.MessageStates().Terminal(m.Status) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s never settled; last seen %+v", id, m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// messageIDs returns the ids of ms, in order.
func messageIDs(ms []dialtone.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func TestMessages(t *testing.T) {
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			// Sandbox delivery reports (1 s) in 10 ms; pacing is not scaled.
			env := apitest.Start(t, dialect, apitest.Options{TimeScale: 0.01})
			c := client.New(env.URL, env.Admin)
			ctx := context.Background()
			agent, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("Texter")})
			if err != nil {
				t.Fatal(err)
			}
			number, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{AreaCode: dialtone.Some("646"), AgentID: dialtone.Some(agent.ID)})
			if err != nil {
				t.Fatal(err)
			}
			const ada, rejected = "+12125550150", "+12125550120"
			contact, err := c.Contacts.Create(ctx, dialtone.ContactCreateParams{PhoneNumber: dialtone.Some(ada), Name: dialtone.Some("Ada")})
			if err != nil {
				t.Fatal(err)
			}

			// Send from the agent's number (no from_number) and read it back.
			m, err := c.Messages.Send(ctx, dialtone.MessageParams{
				ToNumber: dialtone.Some(ada),
				AgentID:  dialtone.Some(agent.ID),
				Body:     dialtone.Some(strings.Repeat("a", 161)), // 161 GSM-7 characters: two segments
				Metadata: dialtone.Some(map[string]string{"order": "7"}),
			})
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if m.Object != "message" || m.Status != dialtone.MessageQueued || m.Direction != dialtone.MessageOutbound ||
				m.Source != dialtone.MessageFromAPI || m.FromNumber != number.Number || m.ToNumber != ada ||
				m.Encoding != dialtone.EncodingGSM7 || m.Segments != 2 || m.SendAt == nil || m.Metadata["order"] != "7" ||
				!strings.HasPrefix(m.ConversationID, dialtone.PrefixConversation+"_") {
				t.Fatalf("queued message: %+v", m)
			}
			if m.Contact == nil || m.Contact.ID != contact.ID || m.Contact.Name != "Ada" {
				t.Errorf("contact on the message: %+v", m.Contact)
			}
			got := waitMessage(t, c, m.ID)
			if got.ID != m.ID || got.Status != dialtone.MessageDelivered || got.SentAt == nil || got.DeliveredAt == nil ||
				got.Cost.AmountMicros != 2*dialtone.DefaultOutboundSegmentMicros {
				t.Fatalf("delivered message: %+v", got)
			}

			// A message the sandbox carrier refuses fails with its error code.
			bad, err := c.Messages.Send(ctx, dialtone.MessageParams{ToNumber: dialtone.Some(rejected),
				FromNumber: dialtone.Some(number.Number), Body: dialtone.Some("Hi")})
			if err != nil {
				t.Fatalf("send to %s: %v", rejected, err)
			}
			if bad.ConversationID == m.ConversationID {
				t.Errorf("two recipients share conversation %s", bad.ConversationID)
			}
			if got := waitMessage(t, c, bad.ID); got.Status != dialtone.MessageFailed || got.ErrorCode == nil ||
				*got.ErrorCode != dialtone.MessageErrorCarrierRejected {
				t.Errorf("refused message: %+v", got)
			}

			// List with a filter.
			failed, err := c.Messages.List(ctx, &client.MessageListParams{Status: dialtone.MessageFailed})
			if err != nil || len(failed.Data) != 1 || failed.Data[0].ID != bad.ID {
				t.Fatalf("failed messages = %+v, %v", failed, err)
			}
			delivered, err := c.Messages.List(ctx, &client.MessageListParams{Direction: dialtone.MessageOutbound, Status: dialtone.MessageDelivered})
			if err != nil || len(delivered.Data) != 1 || delivered.Data[0].ID != m.ID {
				t.Fatalf("delivered outbound messages = %+v, %v", delivered, err)
			}

			// A simulated person's text threads into the conversation with them.
			in, err := c.Sandbox.Text(ctx, dialtone.SandboxMessageParams{From: dialtone.Some(ada), To: dialtone.Some(number.Number),
				Body: dialtone.Some("Thanks! See you at 7 😀")})
			if err != nil {
				t.Fatalf("sandbox text: %v", err)
			}
			if in.Direction != dialtone.MessageInbound || in.Status != dialtone.MessageReceived || in.Source != dialtone.MessageFromPerson ||
				in.ConversationID != m.ConversationID || in.FromNumber != ada || in.ToNumber != number.Number ||
				in.Encoding != dialtone.EncodingUCS2 || in.Contact == nil || in.Contact.ID != contact.ID {
				t.Fatalf("inbound message: %+v", in)
			}
			inbound, err := c.Messages.List(ctx, &client.MessageListParams{ConversationID: m.ConversationID, Direction: dialtone.MessageInbound})
			if err != nil || len(inbound.Data) != 1 || inbound.Data[0].ID != in.ID {
				t.Fatalf("inbound messages of the conversation = %+v, %v", inbound, err)
			}

			conv, err := c.Conversations.Get(ctx, m.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			if conv.Object != "conversation" || conv.PhoneNumberID != number.ID || conv.PhoneNumber != number.Number ||
				conv.ParticipantNumber != ada || conv.MessageCount != 2 || conv.Contact == nil || conv.Contact.ID != contact.ID {
				t.Errorf("conversation: %+v", conv)
			}
			convs, err := c.Conversations.List(ctx, nil)
			if err != nil || len(convs.Data) != 2 || convs.Data[0].ID != m.ConversationID || convs.Data[1].ID != bad.ConversationID {
				t.Fatalf("conversations (most recent activity first) = %+v, %v", convs, err)
			}
			var convIDs []string
			for cv, err := range c.Conversations.All(ctx, &client.ListParams{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				convIDs = append(convIDs, cv.ID)
			}
			if want := []string{m.ConversationID, bad.ConversationID}; !slices.Equal(convIDs, want) {
				t.Errorf("All conversations %v, want %v", convIDs, want)
			}

			// Iterate over the conversation's messages a page of one at a time: newest first.
			var ids []string
			for msg, err := range c.Conversations.AllMessages(ctx, m.ConversationID, &client.ListParams{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, msg.ID)
			}
			if want := []string{in.ID, m.ID}; !slices.Equal(ids, want) {
				t.Errorf("AllMessages %v, want %v", ids, want)
			}
			page, err := c.Conversations.Messages(ctx, m.ConversationID, &client.ListParams{Limit: 1})
			if err != nil || len(page.Data) != 1 || page.Data[0].ID != in.ID || !page.HasMore {
				t.Errorf("first page of the conversation = %+v, %v", page, err)
			}
			var all []dialtone.Message
			for msg, err := range c.Messages.All(ctx, &client.MessageListParams{Limit: 1, Direction: dialtone.MessageOutbound}) {
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, msg)
			}
			if want := []string{bad.ID, m.ID}; !slices.Equal(messageIDs(all), want) {
				t.Errorf("All outbound messages %v, want %v", messageIDs(all), want)
			}

			// Update replaces the metadata as a whole; null clears it.
			up, err := c.Conversations.Update(ctx, conv.ID, dialtone.ConversationUpdateParams{Metadata: dialtone.Some(map[string]string{"stage": "booked", "name": "Ada"})})
			if err != nil || len(up.Metadata) != 2 || up.Metadata["stage"] != "booked" {
				t.Fatalf("update = %+v, %v", up, err)
			}
			up, err = c.Conversations.Update(ctx, conv.ID, dialtone.ConversationUpdateParams{Metadata: dialtone.Some(map[string]string{"stage": "paid"})})
			if err != nil || len(up.Metadata) != 1 || up.Metadata["stage"] != "paid" {
				t.Fatalf("replacing update = %+v, %v", up, err)
			}
			if again, err := c.Conversations.Get(ctx, conv.ID); err != nil || !maps1(again.Metadata, "stage", "paid") {
				t.Fatalf("conversation after update = %+v, %v", again, err)
			}
			up, err = c.Conversations.Update(ctx, conv.ID, dialtone.ConversationUpdateParams{Metadata: dialtone.Null[map[string]string]()})
			if err != nil || len(up.Metadata) != 0 {
				t.Fatalf("clearing update = %+v, %v", up, err)
			}

			// Errors come back as *client.Error with the catalogue's code and status.
			_, err = c.Messages.Send(ctx, dialtone.MessageParams{ToNumber: dialtone.Some(ada), FromNumber: dialtone.Some(number.Number),
				Body: dialtone.Some(strings.Repeat("é", dialtone.MaxSMSBodyChars+1))})
			var de *client.Error
			if !errors.As(err, &de) || de.Code != dialtone.CodeMessageTooLong || de.StatusCode != http.StatusBadRequest || de.Param != "body" {
				t.Fatalf("too long: %v", err)
			}
			if _, err := c.Messages.Get(ctx, "msg_nope"); !client.IsCode(err, dialtone.CodeMessageNotFound) {
				t.Errorf("unknown message: %v", err)
			}
			if _, err := c.Conversations.Get(ctx, "conv_nope"); !client.IsCode(err, dialtone.CodeConversationNotFound) {
				t.Errorf("unknown conversation: %v", err)
			}
			if _, err := c.Conversations.Messages(ctx, "conv_nope", nil); !client.IsCode(err, dialtone.CodeConversationNotFound) {
				t.Errorf("messages of an unknown conversation: %v", err)
			}
			if _, err := c.Messages.List(ctx, &client.MessageListParams{Status: "lost"}); !errors.As(err, &de) ||
				de.Code != dialtone.CodeInvalidValue || de.Param != "status" {
				t.Errorf("unknown status filter: %v", err)
			}
			if _, err := c.Sandbox.Text(ctx, dialtone.SandboxMessageParams{From: dialtone.Some(ada), To: dialtone.Some("+12125550199"),
				Body: dialtone.Some("Hi")}); !errors.As(err, &de) || de.Code != dialtone.CodePhoneNumberNotFound || de.Param != "to" {
				t.Errorf("text to a number not ours: %v", err)
			}

			// STOP opts the party out: a later send is recipient_unsubscribed (422).
			if _, err := c.Sandbox.Text(ctx, dialtone.SandboxMessageParams{From: dialtone.Some(ada), To: dialtone.Some(number.Number),
				Body: dialtone.Some("STOP")}); err != nil {
				t.Fatal(err)
			}
			_, err = c.Messages.Send(ctx, dialtone.MessageParams{ToNumber: dialtone.Some(ada), FromNumber: dialtone.Some(number.Number),
				Body: dialtone.Some("Come back")})
			if !errors.As(err, &de) || de.Code != dialtone.CodeRecipientUnsubscribed || de.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("send after STOP: %v", err)
			}
			if ct, err := c.Contacts.Get(ctx, contact.ID); err != nil || !ct.OptedOut {
				t.Errorf("contact after STOP = %+v, %v", ct, err)
			}
		})
	}
}

// maps1 reports whether m holds exactly one key, k, with value v.
func maps1(m map[string]string, k, v string) bool { return len(m) == 1 && m[k] == v }
