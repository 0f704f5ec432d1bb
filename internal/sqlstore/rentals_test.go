package sqlstore_test

import (
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// TestChargeRentalsOfNumbersFromBeforeRentals: a number stored before rentals were swept has
// no paid_through; the sweep counts its first month as paid (it was charged at provisioning)
// and charges from the second month on.
func TestChargeRentalsOfNumbersFromBeforeRentals(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		n := newNumberValues(newNumber(), nil)
		if err := st.InsertPhoneNumber(t.Context(), org.ID, n, 10, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.WriterDB(st).ExecContext(t.Context(), `UPDATE phone_numbers SET paid_through = NULL WHERE id = $1`, n.ID); err != nil {
			t.Fatal(err)
		}
		next := func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
		created := n.CreatedAt.UTC().Truncate(time.Microsecond) // as stored
		var periods []time.Time
		charge := func(n dialtone.PhoneNumber, period time.Time) dialtone.LedgerEntry {
			periods = append(periods, period)
			return dialtone.LedgerEntry{ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Kind: dialtone.LedgerKindNumberRental,
				Amount: dialtone.USD(-1), Description: "rental", ReferenceID: n.ID, CreatedAt: period}
		}
		// Within the first month: nothing is due.
		if got, err := st.ChargeRentals(t.Context(), n.CreatedAt.Add(24*time.Hour), next, charge); err != nil || got != 0 {
			t.Fatalf("first month: %d charges, %v", got, err)
		}
		// 40 days in: the second month is charged, once.
		for range 2 {
			if _, err := st.ChargeRentals(t.Context(), n.CreatedAt.Add(40*24*time.Hour), next, charge); err != nil {
				t.Fatal(err)
			}
		}
		if len(periods) != 1 || !periods[0].Equal(next(created)) {
			t.Fatalf("charged periods %v, want [%v]", periods, next(created))
		}
		got, err := st.GetPhoneNumber(t.Context(), org.ID, n.ID)
		if err != nil || !got.PaidThrough.Equal(next(next(created))) {
			t.Fatalf("paid through %v (%v), want %v", got.PaidThrough, err, next(next(created)))
		}
	})
}
