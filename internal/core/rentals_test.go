package core_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/core"
	speech "github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// TestMonthlyRentals: a number is charged its first month when provisioned and each later
// month once its paid month has ended, once per month even with several sweepers at once,
// and never after it is released.
func TestMonthlyRentals(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		var mu sync.Mutex
		now := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		svc := core.New(st, speech.Voices{}, core.Options{Now: clock, Carriers: []dialtone.Carrier{&sandbox.Carrier{}},
			Prices: dialtone.Prices{NumberMonthlyMicros: 2_000_000}})
		p := newOrg(t, st, dialtone.RoleAdmin)
		kept, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{})
		if err != nil {
			t.Fatal(err)
		}
		released, err := svc.PhoneNumbers.Create(t.Context(), p, dialtone.PhoneNumberCreateParams{})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC); !kept.PaidThrough.Equal(want) {
			t.Fatalf("paid through %v, want %v", kept.PaidThrough, want)
		}
		sweep := func(want int) {
			t.Helper()
			var wg sync.WaitGroup
			total := 0
			for range 3 { // three processes sweeping at once charge each month once
				wg.Go(func() {
					n, err := svc.PhoneNumbers.ChargeRentals(t.Context())
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				})
			}
			wg.Wait()
			if total != want {
				t.Fatalf("%d charges, want %d", total, want)
			}
		}
		sweep(0) // both months are paid
		if err := svc.PhoneNumbers.Delete(t.Context(), p, released.ID); err != nil {
			t.Fatal(err)
		}
		advance(31 * 24 * time.Hour) // 3 March: the kept number's second month starts
		sweep(1)
		sweep(0)
		advance(62 * 24 * time.Hour) // 4 May: two more months are due
		sweep(2)

		got, err := svc.PhoneNumbers.Get(t.Context(), p, kept.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC); !got.PaidThrough.Equal(want) {
			t.Fatalf("paid through %v, want %v", got.PaidThrough, want)
		}
		entries, _, err := st.ListLedgerEntries(t.Context(), p.OrganizationID, dialtone.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		rentals := map[string]int{}
		var sum int64
		for _, e := range entries {
			if e.Kind == dialtone.LedgerKindNumberRental {
				rentals[e.ReferenceID]++
				sum += e.Amount.AmountMicros
			}
		}
		if rentals[kept.ID] != 4 || rentals[released.ID] != 1 || sum != -5*2_000_000 {
			t.Fatalf("rentals %v, sum %d", rentals, sum)
		}
	})
}
