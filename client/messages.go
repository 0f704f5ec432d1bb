package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// MessagesService sends and reads the organization's text messages (/v1/messages). Reading
// needs a key of role read; sending, a key of role write.
type MessagesService struct{ c *Client }

// MessageListParams selects one page of messages, newest first, and filters them. The zero
// value (or a nil *MessageListParams) asks for the first page of every message.
type MessageListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string

	// ConversationID keeps only the messages of this conversation.
	ConversationID string
	// Status keeps only the messages in this status (e.g. dialtone.MessageDelivered).
	Status dialtone.MessageStatus
	// Direction keeps only inbound or only outbound messages.
	Direction dialtone.MessageDirection
}

// page returns p's pagination as ListParams.
func (p *MessageListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p MessageListParams) withPage(page *ListParams) *MessageListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *MessageListParams) query() url.Values {
	q := p.page().query()
	if p == nil {
		return q
	}
	set := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	set("conversation_id", p.ConversationID)
	set("status", string(p.Status))
	set("direction", string(p.Direction))
	return q
}

// Send queues a text message to params.ToNumber and returns it in status queued, with its
// send slot (SendAt) and conversation; the server sends it at that slot, at the pace of its
// number's messages_per_second (poll Get, or listen for message.* events, to follow it). The
// sender is params.FromNumber, or else the oldest SMS number of params.AgentID. Errors, as
// *Error codes:
//   - a validation error (400, Fields lists every invalid field) for a missing to_number or
//     body, neither from_number nor agent_id, numbers not in E.164 form, or invalid metadata;
//   - message_too_long (400) for a body over 1,600 characters (Details["length"] and
//     Details["max_length"]);
//   - agent_not_found (404) for an unknown params.AgentID;
//   - from_number_not_owned (422, Details["reason"] not_owned, not_attached or no_sms) when
//     params.FromNumber is not an SMS number of the organization (attached to the agent, when
//     params.AgentID is set too); agent_no_phone (422) when it is left out and the agent has
//     no SMS number;
//   - destination_not_allowed (403) when the telephony config refuses params.ToNumber;
//   - sms_not_supported_in_region (422) when the sender is a US long code whose
//     a2p_10dlc_registered is false and the recipient is a US number;
//   - insufficient_balance (402) for a prepaid organization whose balance does not cover the
//     message's segments;
//   - recipient_unsubscribed (422) when the recipient texted STOP to the organization and
//     not START since.
//
// On error nothing is queued or charged.
func (s *MessagesService) Send(ctx context.Context, params dialtone.MessageParams, opts ...RequestOption) (*dialtone.Message, error) {
	return send[dialtone.Message](ctx, s.c, request{method: http.MethodPost, path: "/v1/messages", body: params, opts: opts})
}

// Get returns the message with the given id; message_not_found when it does not exist or
// belongs to another organization.
func (s *MessagesService) Get(ctx context.Context, id string) (*dialtone.Message, error) {
	return sendID[dialtone.Message](ctx, s.c, "message", id, request{method: http.MethodGet, path: "/v1/messages/{id}"})
}

// List returns one page of messages matching p (which may be nil), newest first. An unknown
// status or direction gives invalid_value (param status or direction); a cursor that is not
// a message of the organization, invalid_cursor.
func (s *MessagesService) List(ctx context.Context, p *MessageListParams) (*dialtone.List[dialtone.Message], error) {
	return send[dialtone.List[dialtone.Message]](ctx, s.c, request{method: http.MethodGet, path: "/v1/messages", query: p.query()})
}

// All iterates over every message matching p (which may be nil), fetching pages of p.Limit
// messages as the loop needs them, in the order and with the error handling of
// AgentsService.All.
func (s *MessagesService) All(ctx context.Context, p *MessageListParams) iter.Seq2[dialtone.Message, error] {
	return allFiltered(ctx, p, s.List, func(m dialtone.Message) string { return m.ID })
}

// ConversationsService reads the organization's text conversations and sets their state
// (/v1/conversations). A conversation is the thread of every message, either way, between one
// of the organization's numbers and one other party. Reading needs a key of role read;
// Update, a key of role write.
type ConversationsService struct{ c *Client }

// Get returns the conversation with the given id; conversation_not_found when it does not
// exist or belongs to another organization.
func (s *ConversationsService) Get(ctx context.Context, id string) (*dialtone.SMSConversation, error) {
	return sendID[dialtone.SMSConversation](ctx, s.c, "conversation", id, request{method: http.MethodGet, path: "/v1/conversations/{id}"})
}

// List returns one page of conversations, the most recent activity (last_message_at) first;
// p may be nil. A conversation that gets a message while the loop pages moves to the top, so
// it may be seen twice, or (paging backwards) not at all. A cursor that is not a conversation
// of the organization gives invalid_cursor.
func (s *ConversationsService) List(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.SMSConversation], error) {
	return send[dialtone.List[dialtone.SMSConversation]](ctx, s.c, request{method: http.MethodGet, path: "/v1/conversations", query: p.query()})
}

// All iterates over every conversation, fetching pages of p.Limit conversations as the loop
// needs them; see List for the order and AgentsService.All for the errors.
func (s *ConversationsService) All(ctx context.Context, p *ListParams) iter.Seq2[dialtone.SMSConversation, error] {
	return all(ctx, p, s.List, func(c dialtone.SMSConversation) string { return c.ID })
}

// Messages returns one page of the conversation's messages, newest first; p may be nil.
// conversation_not_found for an unknown conversation.
func (s *ConversationsService) Messages(ctx context.Context, id string, p *ListParams) (*dialtone.List[dialtone.Message], error) {
	return sendID[dialtone.List[dialtone.Message]](ctx, s.c, "conversation", id,
		request{method: http.MethodGet, path: "/v1/conversations/{id}/messages", query: p.query()})
}

// AllMessages iterates over every message of the conversation, fetching pages as the loop
// needs them: newest first, or oldest first of the newer ones when p.EndingBefore is set; see
// AgentsService.All for the errors.
func (s *ConversationsService) AllMessages(ctx context.Context, id string, p *ListParams) iter.Seq2[dialtone.Message, error] {
	fetch := func(ctx context.Context, page *ListParams) (*dialtone.List[dialtone.Message], error) {
		return s.Messages(ctx, id, page)
	}
	return all(ctx, p, fetch, func(m dialtone.Message) string { return m.ID })
}

// Update sets the conversation's metadata, the state the agent answering the other party
// sees: params.Metadata replaces the whole map, dialtone.Null clears it, and leaving it unset
// changes nothing. It returns a validation error (400) for invalid metadata and
// conversation_not_found for an unknown conversation; on error nothing changes.
func (s *ConversationsService) Update(ctx context.Context, id string, params dialtone.ConversationUpdateParams, opts ...RequestOption) (*dialtone.SMSConversation, error) {
	return sendID[dialtone.SMSConversation](ctx, s.c, "conversation", id,
		request{method: http.MethodPatch, path: "/v1/conversations/{id}", body: params, opts: opts})
}
