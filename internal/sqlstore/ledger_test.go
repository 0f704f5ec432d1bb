package sqlstore_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func newLedgerEntry(kind string, micros int64, ref string, at time.Time) dialtone.LedgerEntry {
	return dialtone.LedgerEntry{
		ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry", Kind: kind,
		Amount: dialtone.USD(micros), Description: "test " + kind, ReferenceID: ref, CreatedAt: at,
	}
}

// createOrgMode stores a new organization with the given billing mode.
func createOrgMode(t *testing.T, st *sqlstore.Store, name string, mode dialtone.BillingMode) dialtone.Organization {
	t.Helper()
	org, key := newOrgValues(name)
	org.BillingMode = mode
	if err := st.CreateOrganization(t.Context(), org, key); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return org
}

func TestLedgerBalanceAndList(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org := createOrgMode(t, st, "Acme", dialtone.BillingPrepaid)
		other := createOrgMode(t, st, "Other", dialtone.BillingPostpaid)
		if got, err := st.GetOrganization(t.Context(), org.ID); err != nil || got.BillingMode != dialtone.BillingPrepaid {
			t.Fatalf("GetOrganization = %+v, %v; want prepaid", got, err)
		}
		if b, err := st.Balance(t.Context(), org.ID); err != nil || b != 0 {
			t.Fatalf("empty Balance = %d, %v; want 0", b, err)
		}
		entries := []dialtone.LedgerEntry{
			newLedgerEntry(dialtone.LedgerKindCredit, 5_000_000, "", baseTime()),
			newLedgerEntry(dialtone.LedgerKindNumberRental, -1_150_000, "num_x", baseTime().Add(time.Second)),
			newLedgerEntry(dialtone.LedgerKindCredit, 1, "", baseTime().Add(2*time.Second)),
		}
		for _, e := range entries {
			if err := st.InsertLedgerEntry(t.Context(), org.ID, e); err != nil {
				t.Fatalf("InsertLedgerEntry: %v", err)
			}
		}
		if err := st.InsertLedgerEntry(t.Context(), other.ID, newLedgerEntry(dialtone.LedgerKindCredit, 7, "", baseTime())); err != nil {
			t.Fatalf("InsertLedgerEntry other: %v", err)
		}
		if b, err := st.Balance(t.Context(), org.ID); err != nil || b != 3_850_001 {
			t.Errorf("Balance = %d, %v; want 3850001", b, err)
		}
		page, more, err := st.ListLedgerEntries(t.Context(), org.ID, dialtone.ListParams{Limit: 2})
		if err != nil || !more || len(page) != 2 {
			t.Fatalf("first page = %d entries, more %v, %v", len(page), more, err)
		}
		want := entries[2]
		want.CreatedAt = stored(want.CreatedAt)
		if !reflect.DeepEqual(page[0], want) {
			t.Errorf("newest entry = %+v, want %+v", page[0], want)
		}
		rest, more, err := st.ListLedgerEntries(t.Context(), org.ID, dialtone.ListParams{StartingAfter: page[1].ID})
		if err != nil || more || len(rest) != 1 || rest[0].ID != entries[0].ID {
			t.Errorf("second page = %+v, more %v, %v", rest, more, err)
		}
		if _, _, err := st.ListLedgerEntries(t.Context(), other.ID, dialtone.ListParams{StartingAfter: entries[0].ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("foreign cursor: %v, want ErrBadCursor", err)
		}
		if err := st.InsertLedgerEntry(t.Context(), "org_nope", newLedgerEntry(dialtone.LedgerKindCredit, 1, "", baseTime())); err == nil {
			t.Error("InsertLedgerEntry for an unknown organization succeeded")
		}
	})
}

func TestInsertPhoneNumberCharge(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		charge := func(n dialtone.PhoneNumber) *core.Charge {
			return &core.Charge{
				Entry:            newLedgerEntry(dialtone.LedgerKindNumberRental, -1_150_000, n.ID, baseTime()),
				MinBalanceMicros: 3_000_000,
			}
		}
		prepaid := createOrgMode(t, st, "Prepaid", dialtone.BillingPrepaid)
		if err := st.InsertLedgerEntry(t.Context(), prepaid.ID, newLedgerEntry(dialtone.LedgerKindCredit, 2_999_999, "", baseTime())); err != nil {
			t.Fatalf("credit: %v", err)
		}
		n := newNumberValues(newNumber(), nil)
		if err := st.InsertPhoneNumber(t.Context(), prepaid.ID, n, 10, charge(n)); !errors.Is(err, core.ErrInsufficientBalance) {
			t.Fatalf("InsertPhoneNumber under the minimum: %v, want ErrInsufficientBalance", err)
		}
		if _, err := st.GetPhoneNumber(t.Context(), prepaid.ID, n.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("number stored despite the refusal: %v", err)
		}
		if b, _ := st.Balance(t.Context(), prepaid.ID); b != 2_999_999 {
			t.Errorf("balance after the refusal = %d, want 2999999", b)
		}
		if err := st.InsertLedgerEntry(t.Context(), prepaid.ID, newLedgerEntry(dialtone.LedgerKindCredit, 1, "", baseTime())); err != nil {
			t.Fatalf("credit: %v", err)
		}
		c := charge(n)
		if err := st.InsertPhoneNumber(t.Context(), prepaid.ID, n, 10, c); err != nil {
			t.Fatalf("InsertPhoneNumber at the minimum: %v", err)
		}
		if b, _ := st.Balance(t.Context(), prepaid.ID); b != 3_000_000-1_150_000 {
			t.Errorf("balance after the charge = %d, want 1850000", b)
		}
		entries, _, err := st.ListLedgerEntries(t.Context(), prepaid.ID, dialtone.ListParams{})
		if err != nil || len(entries) != 3 || entries[0].ID != c.Entry.ID || entries[0].ReferenceID != n.ID {
			t.Errorf("ledger = %+v, %v", entries, err)
		}

		// A charge is not written when the number itself is refused.
		if err := st.InsertPhoneNumber(t.Context(), prepaid.ID, newNumberValues(newNumber(), nil), 1, charge(n)); !errors.Is(err, core.ErrLimit) {
			t.Fatalf("over the limit: %v, want ErrLimit", err)
		}
		if got := countRows(t, st, "ledger_entries"); got != 3 {
			t.Errorf("ledger rows after a refused number = %d, want 3", got)
		}

		// Postpaid organizations are charged whatever their balance.
		postpaid := createOrgMode(t, st, "Postpaid", dialtone.BillingPostpaid)
		m := newNumberValues(newNumber(), nil)
		if err := st.InsertPhoneNumber(t.Context(), postpaid.ID, m, 10, charge(m)); err != nil {
			t.Fatalf("postpaid InsertPhoneNumber: %v", err)
		}
		if b, _ := st.Balance(t.Context(), postpaid.ID); b != -1_150_000 {
			t.Errorf("postpaid balance = %d, want -1150000", b)
		}
	})
}
