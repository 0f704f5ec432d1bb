package dialtone

import (
	"context"
	"time"
)

// PrefixPhoneNumber is the id prefix of phone numbers.
const PrefixPhoneNumber = "num"

// Phone number limits and defaults.
const (
	MaxCustomPromptLen           = 8000
	MaxFriendlyNameLen           = 100
	DefaultMaxNumbersPerOrg      = 10
	DefaultPhoneNumberCountry    = "US"
	DefaultPhoneNumberCarrier    = "sandbox"
	PhoneNumberSourceProvisioned = "provisioned"
	PhoneNumberSourceImported    = "imported"
)

// PhoneNumberCapabilities says what a number can do.
type PhoneNumberCapabilities struct {
	Voice bool `json:"voice"`
	SMS   bool `json:"sms"`
}

// PhoneNumber is a number an organization holds at a carrier, attached to at most one agent.
type PhoneNumber struct {
	ID              string                  `json:"id"`
	Object          string                  `json:"object"` // "phone_number"
	Number          string                  `json:"number"` // E.164
	Carrier         string                  `json:"carrier"`
	Source          string                  `json:"source"` // provisioned or imported
	Country         string                  `json:"country"`
	FriendlyName    string                  `json:"friendly_name"`
	AgentID         *string                 `json:"agent_id"`
	InboundEnabled  bool                    `json:"inbound_enabled"`
	OutboundEnabled bool                    `json:"outbound_enabled"`
	CustomPrompt    string                  `json:"custom_prompt"`
	Capabilities    PhoneNumberCapabilities `json:"capabilities"`
	// CarrierAccountSID is the carrier account an imported number belongs to (Twilio's
	// AC…), null for a provisioned number. The account's token is never shown.
	CarrierAccountSID *string `json:"carrier_account_sid"`
	// SMSReplyEnabled lets the number's agent answer the texts it receives.
	SMSReplyEnabled bool `json:"sms_reply_enabled"`
	// MessagesPerSecond is the pace its outbound messages leave at; more wait their turn.
	MessagesPerSecond float64 `json:"messages_per_second"`
	// A2P10DLCRegistered says a US 10-digit number is registered for A2P 10DLC, without
	// which US carriers block its texts to US recipients. Sandbox numbers start registered.
	A2P10DLCRegistered bool `json:"a2p_10dlc_registered"`
	// PaidThrough is when the rental paid so far ends; the next month is charged then.
	// Imported numbers have none (their rent is paid at the carrier): it is left out.
	PaidThrough time.Time `json:"paid_through,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PhoneNumberCreateParams ask a carrier for a new number.
type PhoneNumberCreateParams struct {
	Carrier      Optional[string] `json:"carrier,omitzero"`   // default "sandbox"
	Country      Optional[string] `json:"country,omitzero"`   // ISO 3166-1 alpha-2, default "US"
	AreaCode     Optional[string] `json:"area_code,omitzero"` // e.g. "415"
	AgentID      Optional[string] `json:"agent_id,omitzero"`
	FriendlyName Optional[string] `json:"friendly_name,omitzero"`
}

// PhoneNumberImportParams bring a number the organization already holds at a carrier into
// Dialtone (POST /v1/phone-numbers/import).
type PhoneNumberImportParams struct {
	PhoneNumber      Optional[string] `json:"phone_number,omitzero"` // E.164, required
	Carrier          Optional[string] `json:"carrier,omitzero"`      // required: "twilio"
	TwilioAccountSID Optional[string] `json:"twilio_account_sid,omitzero"`
	TwilioAuthToken  Optional[string] `json:"twilio_auth_token,omitzero"`
	AgentID          Optional[string] `json:"agent_id,omitzero"`
	FriendlyName     Optional[string] `json:"friendly_name,omitzero"`
}

// PhoneNumberUpdateParams change a number; only the fields set change, and a null agent_id
// detaches the number.
type PhoneNumberUpdateParams struct {
	AgentID            Optional[string]  `json:"agent_id,omitzero"`
	InboundEnabled     Optional[bool]    `json:"inbound_enabled,omitzero"`
	OutboundEnabled    Optional[bool]    `json:"outbound_enabled,omitzero"`
	CustomPrompt       Optional[string]  `json:"custom_prompt,omitzero"`
	FriendlyName       Optional[string]  `json:"friendly_name,omitzero"`
	SMSReplyEnabled    Optional[bool]    `json:"sms_reply_enabled,omitzero"`
	MessagesPerSecond  Optional[float64] `json:"messages_per_second,omitzero"`
	A2P10DLCRegistered Optional[bool]    `json:"a2p_10dlc_registered,omitzero"`
}

// PhoneNumberFilter narrows a phone number list.
type PhoneNumberFilter struct {
	AgentID string // only numbers attached to this agent; empty means any
}

// NumberRequest is what a carrier is asked for when provisioning.
type NumberRequest struct {
	Country  string // ISO 3166-1 alpha-2
	AreaCode string // optional
}

// NumberCarrier is the number-management part of a carrier adapter (DESIGN §7).
type NumberCarrier interface {
	// Name is the carrier's name as stored on numbers ("sandbox", "twilio").
	Name() string
	// Candidates returns numbers the carrier could provision for req, in the order to try
	// them; an empty list means none is available.
	Candidates(ctx context.Context, req NumberRequest) ([]string, error)
	// Provision takes number at the carrier; Release gives it back.
	Provision(ctx context.Context, number string) (PhoneNumberCapabilities, error)
	Release(ctx context.Context, number string) error
}
