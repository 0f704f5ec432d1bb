package dialtone

import (
	"context"
	"time"
)

// Id prefixes of messaging.
const (
	PrefixMessage      = "msg"
	PrefixConversation = "conv"
)

// Messaging limits and defaults.
const (
	// DefaultMessagesPerSecond is how many messages a number sends per second unless its
	// messages_per_second says otherwise: one, the pace of a US long code.
	DefaultMessagesPerSecond = 1.0
	// MinMessagesPerSecond and MaxMessagesPerSecond bound a number's messages_per_second.
	MinMessagesPerSecond = 0.1
	MaxMessagesPerSecond = 1000.0
	// MaxSMSPromptLen caps an agent's sms_prompt.
	MaxSMSPromptLen = 8000
	// MaxSMSHelpTextLen caps an organization's sms_help_text (at most ten GSM-7 segments).
	MaxSMSHelpTextLen = 1530
	// SMSReplyHistory is how many earlier messages of a conversation a brain sees.
	SMSReplyHistory = 50
)

// MessageDirection says who sent a message.
type MessageDirection string

// The message directions.
const (
	MessageOutbound MessageDirection = "outbound" // sent by the organization
	MessageInbound  MessageDirection = "inbound"  // received from the other party
)

// MessageStatus is where a message is in its life.
type MessageStatus string

// The message statuses. An outbound message goes queued → sending → sent → delivered, or ends
// failed (never reached the carrier's network, or was refused by it) or undelivered (the
// carrier could not deliver it to the handset). An inbound message is received.
const (
	MessageQueued      MessageStatus = "queued"      // waiting for its number's send slot
	MessageSending     MessageStatus = "sending"     // being handed to the carrier
	MessageSent        MessageStatus = "sent"        // the carrier accepted it; billable from here
	MessageDelivered   MessageStatus = "delivered"   // the handset received it
	MessageFailed      MessageStatus = "failed"      // not sent (error_code says why)
	MessageUndelivered MessageStatus = "undelivered" // sent, but the handset never got it
	MessageReceived    MessageStatus = "received"    // an inbound message
)

// MessageStatuses lists every message status, in the order of a message's life.
func MessageStatuses() []MessageStatus {
	return []MessageStatus{MessageQueued, MessageSending, MessageSent, MessageDelivered,
		MessageFailed, MessageUndelivered, MessageReceived}
}

// MessageStates is the message state machine: every change of a message's status is checked
// by it. An inbound message is stored received and never changes.
func MessageStates() StateMachine[MessageStatus] {
	return NewStateMachine("message", map[MessageStatus][]MessageStatus{
		MessageQueued:  {MessageSending, MessageFailed},
		MessageSending: {MessageSent, MessageFailed},
		MessageSent:    {MessageDelivered, MessageUndelivered, MessageFailed},
	})
}

// MessageSource says what produced an outbound message.
type MessageSource string

// The message sources.
const (
	MessageFromAPI     MessageSource = "api"     // POST /v1/messages
	MessageFromAgent   MessageSource = "agent"   // the agent's brain answered an inbound message
	MessageFromKeyword MessageSource = "keyword" // the answer to STOP, START or HELP
	MessageFromPerson  MessageSource = "person"  // an inbound message: the other party wrote it
)

// Error codes of a message that did not reach its recipient (Message.ErrorCode), documented
// in docs/api.md (Messages).
const (
	MessageErrorUnsubscribed    = "recipient_unsubscribed" // the recipient opted out after it was queued
	MessageErrorCarrierRejected = "carrier_rejected"       // the carrier refused it (filtered as spam)
	MessageErrorUnreachable     = "unreachable_handset"    // the handset was off or out of coverage
	MessageErrorLandline        = "landline"               // the number cannot receive texts
	MessageErrorCarrier         = "carrier_error"          // the carrier failed or could not be reached
	MessageErrorNumberReleased  = "number_released"        // the sender number was released first
	MessageErrorNoBalance       = "insufficient_balance"   // a prepaid organization's balance ran out before it left
)

// ContactRef is the contact a call, message or conversation is with, when the organization
// has one for the other party's number.
type ContactRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Message is one text message, sent or received by one of the organization's numbers.
type Message struct {
	ID             string           `json:"id"`
	Object         string           `json:"object"` // "message"
	OrganizationID string           `json:"-"`
	Direction      MessageDirection `json:"direction"`
	Status         MessageStatus    `json:"status"`
	Source         MessageSource    `json:"source"`
	ConversationID string           `json:"conversation_id"`
	PhoneNumberID  string           `json:"phone_number_id"` // the organization's number
	AgentID        *string          `json:"agent_id"`        // the number's agent when the message was stored
	FromNumber     string           `json:"from_number"`
	ToNumber       string           `json:"to_number"`
	Contact        *ContactRef      `json:"contact"` // filled on reads; null when the other party is no contact
	Body           string           `json:"body"`
	Encoding       string           `json:"encoding"` // EncodingGSM7 or EncodingUCS2
	Segments       int              `json:"segments"`
	Carrier        string           `json:"carrier"`
	// CarrierMessageID is the carrier's id of the message, once it has one.
	CarrierMessageID *string           `json:"carrier_message_id"`
	ErrorCode        *string           `json:"error_code"`    // why it failed or was undelivered
	ErrorMessage     *string           `json:"error_message"` // the same, in words
	Cost             Money             `json:"cost"`
	Metadata         map[string]string `json:"metadata"`
	// SendAt is the slot its number's pacing gave an outbound message: it leaves then, or as
	// soon after as it can.
	SendAt      *time.Time `json:"send_at"`
	SentAt      *time.Time `json:"sent_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	FailedAt    *time.Time `json:"failed_at"` // failed or undelivered
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// OtherParty returns the number of whoever the organization exchanged m with.
func (m Message) OtherParty() string {
	if m.Direction == MessageInbound {
		return m.FromNumber
	}
	return m.ToNumber
}

// MessageParams describe a message to send: to_number and body are required; the sender is
// from_number (one of the organization's numbers), else the oldest number of agent_id, and
// one of the two is required.
type MessageParams struct {
	ToNumber   Optional[string]            `json:"to_number,omitzero"`
	Body       Optional[string]            `json:"body,omitzero"`
	FromNumber Optional[string]            `json:"from_number,omitzero"`
	AgentID    Optional[string]            `json:"agent_id,omitzero"`
	Metadata   Optional[map[string]string] `json:"metadata,omitzero"`
}

// MessageFilter narrows a message list; zero fields match everything.
type MessageFilter struct {
	ConversationID string
	Direction      MessageDirection
	Status         MessageStatus
}

// SandboxMessageParams make a simulated person text one of the organization's sandbox
// numbers (POST /v1/sandbox/messages).
type SandboxMessageParams struct {
	From Optional[string] `json:"from,omitzero"`
	To   Optional[string] `json:"to,omitzero"`
	Body Optional[string] `json:"body,omitzero"`
}

// SMSConversation is the thread of messages between one of the organization's numbers and
// one other party: every message either way between the two belongs to it. The API calls it
// a conversation (object "conversation", id conv_…).
type SMSConversation struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`             // "conversation"
	PhoneNumberID     string      `json:"phone_number_id"`    // the organization's number
	PhoneNumber       string      `json:"phone_number"`       // its E.164 number
	ParticipantNumber string      `json:"participant_number"` // the other party, E.164
	AgentID           *string     `json:"agent_id"`           // the number's agent now
	Contact           *ContactRef `json:"contact"`
	// Metadata is the conversation's state: the brain that answers the other party sees it,
	// and it is the application's to set.
	Metadata      map[string]string `json:"metadata"`
	MessageCount  int               `json:"message_count"`
	LastMessageAt time.Time         `json:"last_message_at"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// ConversationUpdateParams change a conversation: metadata is replaced as a whole; null
// clears it.
type ConversationUpdateParams struct {
	Metadata Optional[map[string]string] `json:"metadata,omitzero"`
}

// Event types of messaging.
const (
	EventMessageQueued    = "message.queued"    // an outbound message was accepted
	EventMessageSent      = "message.sent"      // the carrier accepted it
	EventMessageDelivered = "message.delivered" // the handset received it
	EventMessageFailed    = "message.failed"    // it failed or was undelivered (status says which)
	EventMessageReceived  = "message.received"  // an inbound message arrived
	EventContactOptedOut  = "contact.opted_out" // a party texted STOP
	EventContactOptedIn   = "contact.opted_in"  // a party texted START after STOP
)

// MessageEventType is the type of the event that records a message entering status s, or ""
// when entering s is not an event (sending).
func MessageEventType(s MessageStatus) string {
	switch s {
	case MessageQueued:
		return EventMessageQueued
	case MessageSent:
		return EventMessageSent
	case MessageDelivered:
		return EventMessageDelivered
	case MessageFailed, MessageUndelivered:
		return EventMessageFailed
	case MessageReceived:
		return EventMessageReceived
	}
	return ""
}

// OptOut is the object of contact.opted_out and contact.opted_in events: a party's consent to
// the organization's messages changed.
type OptOut struct {
	Object      string      `json:"object"`       // "opt_out"
	PhoneNumber string      `json:"phone_number"` // the party, E.164
	OptedOut    bool        `json:"opted_out"`
	Keyword     string      `json:"keyword"`    // what they texted, trimmed: "STOP", "start", …
	MessageID   string      `json:"message_id"` // the inbound message that said it
	Contact     *ContactRef `json:"contact"`
	At          time.Time   `json:"at"`
}

// MessageService sends and receives text messages. Every method is scoped to the principal's
// organization.
type MessageService interface {
	// Send validates params and queues the message: message_too_long, a validation error,
	// recipient_unsubscribed, sms_not_supported_in_region, destination_not_allowed,
	// insufficient_balance, from_number_not_owned, agent_no_phone or agent_not_found. On error
	// nothing is stored, sent or charged.
	Send(ctx context.Context, p Principal, params MessageParams) (Message, error)
	// Get returns message_not_found for unknown or foreign ids.
	Get(ctx context.Context, p Principal, id string) (Message, error)
	// List returns a page of messages, newest first.
	List(ctx context.Context, p Principal, f MessageFilter, lp ListParams) (List[Message], error)
	// SandboxReceive makes a simulated person text one of the organization's sandbox numbers
	// and returns the inbound message as stored.
	SandboxReceive(ctx context.Context, p Principal, params SandboxMessageParams) (Message, error)
}

// ConversationService reads and annotates conversations.
type ConversationService interface {
	// Get returns conversation_not_found for unknown or foreign ids.
	Get(ctx context.Context, p Principal, id string) (SMSConversation, error)
	// List returns a page of conversations, the most recent activity first.
	List(ctx context.Context, p Principal, lp ListParams) (List[SMSConversation], error)
	// Messages returns a page of a conversation's messages, newest first.
	Messages(ctx context.Context, p Principal, id string, lp ListParams) (List[Message], error)
	// Update replaces the conversation's metadata.
	Update(ctx context.Context, p Principal, id string, params ConversationUpdateParams) (SMSConversation, error)
}

// OutboundSMS is a message a carrier is asked to send.
type OutboundSMS struct {
	MessageID string // the msg_ id; every status report about it carries it
	From, To  string // E.164
	Body      string
	// Account is the sender number's carrier account (bring-your-own carriers), nil for the
	// sandbox.
	Account *CarrierAccount
}

// MessageStatusReport is what a carrier reports about a message it sent.
type MessageStatusReport struct {
	MessageID        string
	Status           MessageStatus // sent, delivered, undelivered or failed
	ErrorCode        string        // with undelivered or failed: one of the MessageError codes
	CarrierMessageID string
	// At is when the carrier says it happened; zero means when it is reported. A report
	// that arrives late (a busy network or server) still stamps the message with At.
	At time.Time
}

// InboundSMS is a text message a carrier received for one of its numbers.
type InboundSMS struct {
	From, To         string // E.164; To is the installation's number
	Body             string
	CarrierMessageID string
}

// MessageEvents receives what carriers report about messages (core implements it).
type MessageEvents interface {
	// MessageStatus records a status report; one about an unknown message is ignored.
	MessageStatus(ctx context.Context, r MessageStatusReport)
}

// MessageCarrier is the messaging part of a carrier adapter.
type MessageCarrier interface {
	// Name is the carrier's name, as on its numbers.
	Name() string
	// SendSMS hands msg to the carrier and returns the carrier's id for it once the carrier
	// accepted it (the message is then sent). An error is a refusal: *CarrierMessageError
	// says why, anything else is carrier_error. Delivery is reported later to events.
	SendSMS(ctx context.Context, msg OutboundSMS, events MessageEvents) (string, error)
}

// CarrierMessageError is a carrier's refusal of a message.
type CarrierMessageError struct {
	Code    string // one of the MessageError codes
	Message string
}

func (e *CarrierMessageError) Error() string { return e.Code + ": " + e.Message }

// The answers to opt-out and opt-in keywords (HELP answers with TelephonyConfig.SMSHelpText).
const (
	OptOutConfirmationText = "You are unsubscribed and will get no more messages from us. Reply START to subscribe again."
	OptInConfirmationText  = "You are subscribed again. Reply HELP for help, STOP to unsubscribe."
)
