package core

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Billing reads balances and ledgers and credits organizations. Every amount is integer
// micro-dollars; the balance is the sum of the organization's immutable ledger.
type Billing struct {
	store Store
	now   func() time.Time
}

var _ dialtone.BillingService = (*Billing)(nil)

// Balance returns the balance of p's organization (read role).
func (b *Billing) Balance(ctx context.Context, p dialtone.Principal) (dialtone.Balance, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Balance{}, err
	}
	org, err := b.store.GetOrganization(ctx, p.OrganizationID)
	if err != nil {
		return dialtone.Balance{}, dialtone.Internal(err) // a live key always has its organization
	}
	sum, err := b.store.Balance(ctx, p.OrganizationID)
	if err != nil {
		return dialtone.Balance{}, dialtone.Internal(err)
	}
	return dialtone.Balance{Object: "balance", OrganizationID: org.ID, Mode: org.BillingMode,
		Available: dialtone.USD(sum), UpdatedAt: b.now()}, nil
}

// ValidateCredit returns every invalid field of a credit, without looking anything up.
func ValidateCredit(params dialtone.CreditParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	switch a := params.AmountMicros; {
	case !a.HasValue():
		fe.Addf("amount_micros", dialtone.CodeFieldRequired, "amount_micros is required.")
	case a.Value < dialtone.MinCreditMicros || a.Value > dialtone.MaxCreditMicros:
		fe.Addf("amount_micros", dialtone.CodeValueOutOfRange, "amount_micros must be between %d and %d; got %d.",
			dialtone.MinCreditMicros, dialtone.MaxCreditMicros, a.Value)
	}
	maxLen(&fe, "description", params.Description, dialtone.MaxLedgerDescriptionLen)
	return fe
}

// Credit adds params.AmountMicros to organization orgID's balance and returns the ledger
// entry. Only operators may: others get operator_required. An unknown organization is
// organization_not_found.
func (b *Billing) Credit(ctx context.Context, p dialtone.Principal, orgID string, params dialtone.CreditParams) (dialtone.LedgerEntry, error) {
	if !p.Operator {
		return dialtone.LedgerEntry{}, dialtone.NewError(dialtone.CodeOperatorRequired, "")
	}
	if fe := ValidateCredit(params); len(fe) > 0 {
		return dialtone.LedgerEntry{}, fe.Err()
	}
	if _, err := b.store.GetOrganization(ctx, orgID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return dialtone.LedgerEntry{}, dialtone.Errorf(dialtone.CodeOrganizationNotFound, "No organization %s.", orgID).
				WithDetail("organization_id", orgID)
		}
		return dialtone.LedgerEntry{}, dialtone.Internal(err)
	}
	e := dialtone.LedgerEntry{
		ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: dialtone.LedgerKindCredit,
		Amount: dialtone.USD(params.AmountMicros.Value), Description: or(params.Description, "Credit"),
		CreatedAt: b.now(),
	}
	if err := b.store.InsertLedgerEntry(ctx, orgID, e); err != nil {
		return dialtone.LedgerEntry{}, dialtone.Internal(err)
	}
	return e, nil
}

// Ledger returns a page of the ledger of p's organization, newest first (read role).
func (b *Billing) Ledger(ctx context.Context, p dialtone.Principal, lp dialtone.ListParams) (dialtone.List[dialtone.LedgerEntry], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.LedgerEntry]{}, err
	}
	entries, more, err := b.store.ListLedgerEntries(ctx, p.OrganizationID, lp)
	if err != nil {
		return dialtone.List[dialtone.LedgerEntry]{}, storeError(err, dialtone.CodeOrganizationNotFound)
	}
	return dialtone.NewList(entries, more), nil
}
