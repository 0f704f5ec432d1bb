package dialtone

import (
	"context"
	"time"
)

// PrefixLedgerEntry is the id prefix of ledger entries.
const PrefixLedgerEntry = "led"

// CurrencyUSD is the currency of every amount Dialtone records.
const CurrencyUSD = "usd"

// Money is an amount in micro-units of a currency (1 USD = 1,000,000 micros), never a float.
type Money struct {
	AmountMicros int64  `json:"amount_micros"`
	Currency     string `json:"currency"` // "usd"
}

// USD returns micros micro-dollars.
func USD(micros int64) Money { return Money{AmountMicros: micros, Currency: CurrencyUSD} }

// BillingMode says whether an organization pays in advance (prepaid: provisioning needs a
// balance) or is invoiced afterwards (postpaid: its balance may go negative).
type BillingMode string

// Billing modes.
const (
	BillingPrepaid  BillingMode = "prepaid"
	BillingPostpaid BillingMode = "postpaid"
)

// Valid reports whether m is a known billing mode.
func (m BillingMode) Valid() bool { return m == BillingPrepaid || m == BillingPostpaid }

// Ledger entry kinds.
const (
	LedgerKindCredit       = "credit"
	LedgerKindNumberRental = "number_rental"
	LedgerKindCall         = "call"
	LedgerKindMessage      = "message"
)

// Billing limits and defaults.
const (
	// DefaultNumberMonthlyMicros is the default monthly price of a phone number: $1.15.
	DefaultNumberMonthlyMicros int64 = 1_150_000
	// DefaultOutboundMinuteMicros is the default price of one minute of outbound call: $0.014.
	DefaultOutboundMinuteMicros int64 = 14_000
	// DefaultInboundMinuteMicros is the default price of one minute of inbound call: $0.0085.
	DefaultInboundMinuteMicros int64 = 8_500
	// DefaultOutboundSegmentMicros is the default price of one segment of an outbound text
	// message: $0.0083.
	DefaultOutboundSegmentMicros int64 = 8_300
	// DefaultInboundSegmentMicros is the default price of one segment of an inbound text
	// message: $0.0083.
	DefaultInboundSegmentMicros int64 = 8_300
	// MinBalanceToProvisionMicros is the balance a prepaid organization needs to provision a
	// number: $3.00.
	MinBalanceToProvisionMicros int64 = 3_000_000
	// MinCreditMicros and MaxCreditMicros bound one credit: 1 micro-dollar to $1,000,000.
	MinCreditMicros int64 = 1
	MaxCreditMicros int64 = 1_000_000_000_000
	// MaxLedgerDescriptionLen caps a ledger entry's description.
	MaxLedgerDescriptionLen = 500
)

// Balance is what an organization has left: the sum of its ledger.
type Balance struct {
	Object         string      `json:"object"` // "balance"
	OrganizationID string      `json:"organization_id"`
	Mode           BillingMode `json:"mode"`
	Available      Money       `json:"available"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// LedgerEntry is one immutable billable event: positive for credits, negative for charges.
type LedgerEntry struct {
	ID          string    `json:"id"`
	Object      string    `json:"object"` // "ledger_entry"
	Kind        string    `json:"kind"`   // credit or number_rental
	Amount      Money     `json:"amount"`
	Description string    `json:"description"`
	ReferenceID string    `json:"reference_id"` // what the entry is for, e.g. a num_ id; "" for none
	CreatedAt   time.Time `json:"created_at"`
}

// CreditParams add funds to an organization's balance.
type CreditParams struct {
	AmountMicros Optional[int64]  `json:"amount_micros,omitzero"`
	Description  Optional[string] `json:"description,omitzero"`
}

// Prices are what billable events cost, in micro-dollars.
type Prices struct {
	NumberMonthlyMicros   int64 // one phone number for one month
	OutboundMinuteMicros  int64 // one minute of an outbound call, billed per second
	InboundMinuteMicros   int64 // one minute of an inbound call, billed per second
	OutboundSegmentMicros int64 // one segment of an outbound text message
	InboundSegmentMicros  int64 // one segment of an inbound text message
}

// DefaultPrices are the prices when the operator sets none.
var DefaultPrices = Prices{NumberMonthlyMicros: DefaultNumberMonthlyMicros,
	OutboundMinuteMicros: DefaultOutboundMinuteMicros, InboundMinuteMicros: DefaultInboundMinuteMicros,
	OutboundSegmentMicros: DefaultOutboundSegmentMicros, InboundSegmentMicros: DefaultInboundSegmentMicros}

// SegmentMicros is the per-segment price of a text message in direction d.
func (p Prices) SegmentMicros(d MessageDirection) int64 {
	if d == MessageInbound {
		return p.InboundSegmentMicros
	}
	return p.OutboundSegmentMicros
}

// MinuteMicros is the per-minute price of a call in direction d.
func (p Prices) MinuteMicros(d CallDirection) int64 {
	if d == CallInbound {
		return p.InboundMinuteMicros
	}
	return p.OutboundMinuteMicros
}

// CallCostMicros is the price of seconds of call at minuteMicros a minute, billed per second
// and rounded up to the next micro-dollar.
func CallCostMicros(seconds, minuteMicros int64) int64 {
	if seconds <= 0 || minuteMicros <= 0 {
		return 0
	}
	return (seconds*minuteMicros + 59) / 60
}

// BillingService reads balances and ledgers and credits organizations.
type BillingService interface {
	// Balance returns the balance of p's organization.
	Balance(ctx context.Context, p Principal) (Balance, error)
	// Credit adds funds to organization orgID (operator keys only) and returns the entry.
	Credit(ctx context.Context, p Principal, orgID string, params CreditParams) (LedgerEntry, error)
	// Ledger returns a page of the ledger of p's organization, newest first.
	Ledger(ctx context.Context, p Principal, lp ListParams) (List[LedgerEntry], error)
}
