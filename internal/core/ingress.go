package core

import (
	"context"
	"errors"

	"github.com/dialtonehq/dialtone"
)

// Ingress is what bring-your-own carriers' webhooks deliver to: it finds the number a request
// is about (with its account, to check the request's signature), routes arriving calls and
// texts like the sandbox's, and records call and message reports.
type Ingress struct {
	store    Store
	secrets  Sealer
	calls    *Calls
	messages *Messages
}

var _ dialtone.CarrierIngress = (*Ingress)(nil)

// Number returns the live number e164 of carrier with its account opened, or
// dialtone.ErrUnknownNumber (also for a number whose sealed token cannot be opened, such as
// after the server's secret key changed: its webhooks cannot be trusted either).
func (g *Ingress) Number(ctx context.Context, carrier, e164 string) (dialtone.CarrierNumber, error) {
	org, n, cred, err := g.store.CarrierNumber(ctx, carrier, e164)
	if errors.Is(err, ErrNotFound) {
		return dialtone.CarrierNumber{}, dialtone.ErrUnknownNumber
	}
	if err != nil {
		return dialtone.CarrierNumber{}, err
	}
	account, err := openAccount(g.secrets, n, cred)
	if err != nil || account == nil {
		return dialtone.CarrierNumber{}, dialtone.ErrUnknownNumber
	}
	return dialtone.CarrierNumber{OrganizationID: org, Number: n, Account: *account}, nil
}

// IncomingCall routes a call arriving at n from from: see Calls.Receive.
func (g *Ingress) IncomingCall(ctx context.Context, n dialtone.CarrierNumber, from string,
	answer func(ctx context.Context, callID string) (dialtone.MediaLeg, error)) (dialtone.Call, error) {
	return g.calls.Receive(ctx, n.OrganizationID, n.Number, from, answer)
}

// IncomingSMS stores a text n received: see Messages.Receive.
func (g *Ingress) IncomingSMS(ctx context.Context, n dialtone.CarrierNumber, in dialtone.InboundSMS) (dialtone.Message, error) {
	return g.messages.Receive(ctx, n.OrganizationID, n.Number, in)
}

// CallEvent records what the carrier reports about a call: see Calls.CallEvent.
func (g *Ingress) CallEvent(ctx context.Context, ev dialtone.CarrierEvent) {
	g.calls.CallEvent(ctx, ev)
}

// MessageStatus records what the carrier reports about a message: see Messages.MessageStatus.
func (g *Ingress) MessageStatus(ctx context.Context, r dialtone.MessageStatusReport) {
	g.messages.MessageStatus(ctx, r)
}

// openAccount returns the carrier account of an imported number with its token opened, or nil
// for a provisioned number.
func openAccount(secrets Sealer, n dialtone.PhoneNumber, cred NumberCredentials) (*dialtone.CarrierAccount, error) {
	if n.CarrierAccountSID == nil {
		return nil, nil
	}
	if secrets == nil {
		return nil, errors.New("no secret key to open carrier credentials")
	}
	token, err := secrets.Open(cred.SealedToken)
	if err != nil {
		return nil, err
	}
	return &dialtone.CarrierAccount{AccountSID: *n.CarrierAccountSID, AuthToken: token}, nil
}

// numberAccount returns the carrier account of orgID's number n, or nil for a provisioned
// number.
func numberAccount(ctx context.Context, store Store, secrets Sealer, n dialtone.PhoneNumber) (*dialtone.CarrierAccount, error) {
	if n.CarrierAccountSID == nil {
		return nil, nil
	}
	_, _, cred, err := store.CarrierNumber(ctx, n.Carrier, n.Number)
	if err != nil {
		return nil, err
	}
	return openAccount(secrets, n, cred)
}
