package dialtone

import (
	"context"
	"errors"
)

// CarrierAccount is the user's own account at a bring-your-own carrier (Twilio): the account
// SID and its auth token, opened. Core keeps the token sealed at rest and opens it only to
// hand it to the carrier adapter; it is never logged nor rendered.
type CarrierAccount struct {
	AccountSID string
	AuthToken  string
}

// ImportedNumber is what a carrier reports about a number it verified and pointed at this
// installation.
type ImportedNumber struct {
	CarrierSID   string // the carrier's id of the number (Twilio's PN…)
	FriendlyName string // the carrier's name for it, "" when it has none
	Capabilities PhoneNumberCapabilities
}

// NumberImporter is the part of a bring-your-own carrier that adopts numbers the user already
// holds there.
type NumberImporter interface {
	// Name is the carrier's name as stored on numbers ("twilio").
	Name() string
	// ImportNumber checks that account holds number (E.164) and points the number's voice,
	// SMS and status webhooks at this installation. Its errors are *Error values:
	// carrier_credentials_invalid, number_not_in_carrier_account, provider_rate_limited,
	// provider_error or provider_timeout, with the carrier's code in details.
	ImportNumber(ctx context.Context, account CarrierAccount, number string) (ImportedNumber, error)
	// ForgetNumber clears this installation's webhooks from number at the carrier. It never
	// releases the number: it stays in the user's account. Errors are as for ImportNumber.
	ForgetNumber(ctx context.Context, account CarrierAccount, number string) error
}

// ImportCarrier is a bring-your-own carrier: its numbers are imported, not provisioned, and
// it carries their calls and texts.
type ImportCarrier interface {
	NumberImporter
	CallCarrier
	MessageCarrier
}

// CarrierNumber is a live number of a bring-your-own carrier as its webhooks need it: whose it
// is, the number, and the account that holds it at the carrier.
type CarrierNumber struct {
	OrganizationID string
	Number         PhoneNumber
	Account        CarrierAccount
}

// ErrUnknownNumber is returned by CarrierIngress.Number for a number no organization holds at
// that carrier.
var ErrUnknownNumber = errors.New("no organization holds this number at this carrier")

// CarrierIngress is where a carrier's webhooks deliver what happens at the carrier: calls and
// texts arriving, and reports about calls and messages (core implements it).
type CarrierIngress interface {
	CarrierEvents
	MessageEvents
	// Number returns the live number e164 of carrier, with its account opened, or
	// ErrUnknownNumber. The webhook needs the account's token to check a request's signature
	// before it trusts anything else in it.
	Number(ctx context.Context, carrier, e164 string) (CarrierNumber, error)
	// IncomingCall routes a call from from to n (see core's Calls.Receive): it returns the
	// call, answered or refused (ended). answer connects the call's audio once routing
	// accepted it, given the call's id (from then on, Hangup and Transfer may name it); ctx
	// bounds the call's media.
	IncomingCall(ctx context.Context, n CarrierNumber, from string,
		answer func(ctx context.Context, callID string) (MediaLeg, error)) (Call, error)
	// IncomingSMS stores a text n received, and answers keywords and agent replies as the
	// sandbox's texts are answered.
	IncomingSMS(ctx context.Context, n CarrierNumber, in InboundSMS) (Message, error)
}
