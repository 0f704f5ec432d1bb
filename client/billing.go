package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// BillingService reads the organization's balance, ledger and usage, and lets operator keys
// credit organizations. Reading needs a key of role read.
type BillingService struct{ c *Client }

// Balance returns the organization's balance: the sum of its ledger, in micro-dollars, and its
// billing mode (prepaid or postpaid).
func (s *BillingService) Balance(ctx context.Context) (*dialtone.Balance, error) {
	return send[dialtone.Balance](ctx, s.c, request{method: http.MethodGet, path: "/v1/balance"})
}

// Ledger returns one page of the organization's ledger entries (credits positive, charges
// negative), newest first; p may be nil and must set neither Name nor AgentID (else
// unknown_parameter). A cursor that is not an entry of the ledger gives invalid_cursor.
func (s *BillingService) Ledger(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.LedgerEntry], error) {
	return send[dialtone.List[dialtone.LedgerEntry]](ctx, s.c, request{method: http.MethodGet, path: "/v1/ledger", query: p.query()})
}

// LedgerAll iterates over every ledger entry, as AgentsService.All does over agents.
func (s *BillingService) LedgerAll(ctx context.Context, p *ListParams) iter.Seq2[dialtone.LedgerEntry, error] {
	return all(ctx, p, s.Ledger, func(e dialtone.LedgerEntry) string { return e.ID })
}

// Usage reports the calls that ended in [params.From, params.To): how many, their billable
// seconds and minutes and their cost, grouped by UTC day (the default) or by agent
// (dialtone.UsageByAgent), with the total. Zero fields are not sent and take the server's
// defaults: To is now, From is dialtone.DefaultUsageRange before To. It returns invalid_value
// (param from) when From is not before To, value_out_of_range (param from) for a period
// longer than dialtone.MaxUsageRange, and invalid_value (param group_by) for an unknown
// grouping.
func (s *BillingService) Usage(ctx context.Context, params dialtone.UsageParams) (*dialtone.Usage, error) {
	q := url.Values{}
	if v := queryTime(params.From); v != "" {
		q.Set("from", v)
	}
	if v := queryTime(params.To); v != "" {
		q.Set("to", v)
	}
	if params.GroupBy != "" {
		q.Set("group_by", params.GroupBy)
	}
	return send[dialtone.Usage](ctx, s.c, request{method: http.MethodGet, path: "/v1/usage", query: q})
}

// Credit adds params.AmountMicros (1 to dialtone.MaxCreditMicros) to the balance of
// organization orgID and returns the ledger entry. Only operator keys may: others get
// operator_required (403). An unknown organization gives organization_not_found; a missing or
// out-of-range amount, a validation error (field_required or value_out_of_range, param
// amount_micros). Retries reuse one Idempotency-Key, so a credit is never added twice.
func (s *BillingService) Credit(ctx context.Context, orgID string, params dialtone.CreditParams, opts ...RequestOption) (*dialtone.LedgerEntry, error) {
	return sendID[dialtone.LedgerEntry](ctx, s.c, "organization", orgID, request{method: http.MethodPost, path: "/v1/organizations/{id}/credits", body: params, opts: opts})
}
