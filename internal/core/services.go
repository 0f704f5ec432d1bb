// Package core holds Dialtone's business rules: the services behind every API shape. Handlers
// parse requests, call a service, and render what it returns; nothing here knows about HTTP.
package core

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Services is every service core offers, wired to one store.
type Services struct {
	Organizations    *Organizations
	Keys             *Keys
	Agents           *Agents
	PhoneNumbers     *PhoneNumbers
	TelephonyConfigs *TelephonyConfigs
	SpeechProviders  *SpeechProviders
	Billing          *Billing
	Calls            *Calls
	WebhookEndpoints *WebhookEndpoints
	Contacts         *Contacts
	Messages         *Messages
	Campaigns        *Campaigns
	Ingress          *Ingress
	Conversations    *Conversations
	Webhooks         *WebhookDeliveries
	Events           *Events
	Usage            *Usage
	Idempotency      *Idempotency
	Health           *Health
}

// Options configures New. Zero values mean the defaults.
type Options struct {
	// Now returns the current time; default time.Now. Times are stored in UTC, truncated to
	// the microsecond.
	Now func() time.Time
	// IdempotencyTTL is how long an Idempotency-Key is remembered; default 24 h.
	IdempotencyTTL time.Duration
	// IdempotencyWait is how long a request waits for an in-flight request with the same
	// Idempotency-Key before answering idempotency_key_in_use; default 10 s.
	IdempotencyWait time.Duration
	// Carriers are the carriers numbers are provisioned from and calls placed through;
	// requests that name none use "sandbox".
	Carriers []dialtone.Carrier
	// ImportCarriers are the bring-your-own carriers (Twilio) numbers are imported from.
	ImportCarriers []dialtone.ImportCarrier
	// Calls configure the call service.
	Calls CallOptions
	// Messages configure the message service.
	Messages MessageOptions
	// Secrets seals the secrets users give (a brain's API key); without it such secrets are
	// refused.
	Secrets Sealer
	// MaxNumbersPerOrg caps the phone numbers one organization holds; default 10.
	MaxNumbersPerOrg int
	// Prices are what billable events cost; a zero price means its default
	// (dialtone.DefaultPrices).
	Prices dialtone.Prices
	// Webhooks configure the webhook endpoint service: which URLs endpoints may have.
	Webhooks WebhookOptions
	// EventRetention is how long events are kept before Events.Sweep deletes them; default
	// dialtone.DefaultEventRetentionDays days.
	EventRetention time.Duration
}

// New wires the services to store and to the voices the speech providers offer.
func New(store Store, voices dialtone.VoiceCatalog, opt Options) *Services {
	clock := clock(opt.Now)
	keys := &Keys{store: store, now: clock}
	def := dialtone.DefaultPrices
	prices := dialtone.Prices{
		NumberMonthlyMicros:   cmp.Or(opt.Prices.NumberMonthlyMicros, def.NumberMonthlyMicros),
		OutboundMinuteMicros:  cmp.Or(opt.Prices.OutboundMinuteMicros, def.OutboundMinuteMicros),
		InboundMinuteMicros:   cmp.Or(opt.Prices.InboundMinuteMicros, def.InboundMinuteMicros),
		OutboundSegmentMicros: cmp.Or(opt.Prices.OutboundSegmentMicros, def.OutboundSegmentMicros),
		InboundSegmentMicros:  cmp.Or(opt.Prices.InboundSegmentMicros, def.InboundSegmentMicros),
	}
	numberCarriers := make([]dialtone.NumberCarrier, 0, len(opt.Carriers))
	callCarriers := make(map[string]dialtone.CallCarrier, len(opt.Carriers)+len(opt.ImportCarriers))
	messageCarriers := make(map[string]dialtone.MessageCarrier)
	importers := make(map[string]dialtone.NumberImporter, len(opt.ImportCarriers))
	for _, c := range opt.Carriers {
		numberCarriers = append(numberCarriers, c)
		callCarriers[c.Name()] = c
		if m, ok := c.(dialtone.MessageCarrier); ok {
			messageCarriers[c.Name()] = m
		}
	}
	for _, c := range opt.ImportCarriers {
		callCarriers[c.Name()], messageCarriers[c.Name()], importers[c.Name()] = c, c, c
	}
	telephony := &TelephonyConfigs{store: store, now: clock}
	calls := newCalls(store, telephony, callCarriers, prices, opt.Calls, clock)
	calls.secrets = opt.Secrets
	messages := newMessages(store, telephony, messageCarriers, prices, opt.Secrets, opt.Messages, clock)
	endpoints := newWebhookEndpoints(store, opt.Secrets, opt.Webhooks, clock)
	return &Services{
		Organizations: &Organizations{store: store, keys: keys, now: clock},
		Keys:          keys,
		Agents:        &Agents{store: store, voices: voices, secrets: opt.Secrets, now: clock},
		PhoneNumbers: &PhoneNumbers{store: store, carriers: numberCarriers, importers: importers, secrets: opt.Secrets, log: cmp.Or(opt.Calls.Logger, slog.Default()),
			limit: cmp.Or(opt.MaxNumbersPerOrg, dialtone.DefaultMaxNumbersPerOrg), prices: prices, now: clock},
		TelephonyConfigs: telephony,
		SpeechProviders:  &SpeechProviders{store: store, secrets: opt.Secrets, now: clock},
		Billing:          &Billing{store: store, now: clock},
		Calls:            calls,
		WebhookEndpoints: endpoints,
		Contacts:         &Contacts{store: store, now: clock},
		Messages:         messages,
		Campaigns:        newCampaigns(store, telephony, calls, clock),
		Ingress:          &Ingress{store: store, secrets: opt.Secrets, calls: calls, messages: messages},
		Conversations:    &Conversations{store: store, now: clock, log: cmp.Or(opt.Messages.Logger, slog.Default())},
		Webhooks:         newWebhookDeliveries(store, endpoints, opt.Webhooks, clock),
		Events:           &Events{store: store, retention: cmp.Or(opt.EventRetention, dialtone.DefaultEventRetentionDays*24*time.Hour), now: clock},
		Usage:            &Usage{store: store, now: clock},
		Idempotency:      newIdempotency(store, clock, opt.IdempotencyTTL, opt.IdempotencyWait),
		Health:           &Health{store: store},
	}
}

func clock(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

// Authorize returns insufficient_permissions unless p's role allows what needs role need.
func Authorize(p dialtone.Principal, need dialtone.Role) error {
	if p.Role.Allows(need) {
		return nil
	}
	return dialtone.Errorf(dialtone.CodeInsufficientPermissions,
		"This request needs a key with the %s role; this key has the %s role.", need, p.Role).
		WithDetail("required_role", need)
}
