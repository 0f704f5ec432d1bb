package sqlstore_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func countTelephonyConfigRows(t *testing.T, st *sqlstore.Store, orgID string) int {
	t.Helper()
	var n int
	if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM telephony_configs WHERE organization_id = $1`, orgID).Scan(&n); err != nil {
		t.Fatalf("count telephony_configs rows: %v", err)
	}
	return n
}

func TestTelephonyConfigPutAndGet(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")

		if cfg, found, err := st.GetTelephonyConfig(t.Context(), org.ID); err != nil || found || !reflect.DeepEqual(cfg, dialtone.TelephonyConfig{}) {
			t.Fatalf("GetTelephonyConfig before any put = %+v, %v, %v; want zero, false, nil", cfg, found, err)
		}

		first := baseTime()
		put := dialtone.TelephonyConfig{
			Object:           "telephony_config",
			AllowedCountries: []string{"US", "GB"},
			AllowedPrefixes:  []string{"+1212", "+44"},
			BlockPremiumRate: false,
			UpdatedAt:        &first,
		}
		if err := st.PutTelephonyConfig(t.Context(), org.ID, put); err != nil {
			t.Fatalf("PutTelephonyConfig: %v", err)
		}
		got, found, err := st.GetTelephonyConfig(t.Context(), org.ID)
		if err != nil || !found {
			t.Fatalf("GetTelephonyConfig = %v, %v", found, err)
		}
		wantTime := stored(first)
		want := put
		want.UpdatedAt = &wantTime
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetTelephonyConfig =\n %+v\nwant\n %+v", got, want)
		}
		if got.UpdatedAt.Location() != time.UTC {
			t.Errorf("updated_at in %v, want UTC", got.UpdatedAt.Location())
		}

		// A second put replaces the whole config (the upsert); nil lists come back empty.
		second := baseTime().Add(time.Hour)
		if err := st.PutTelephonyConfig(t.Context(), org.ID, dialtone.TelephonyConfig{
			AllowedCountries: []string{"*"}, BlockPremiumRate: true, UpdatedAt: &second,
		}); err != nil {
			t.Fatalf("second PutTelephonyConfig: %v", err)
		}
		got, found, err = st.GetTelephonyConfig(t.Context(), org.ID)
		wantTime2 := stored(second)
		want = dialtone.TelephonyConfig{Object: "telephony_config", AllowedCountries: []string{"*"},
			AllowedPrefixes: []string{}, BlockPremiumRate: true, UpdatedAt: &wantTime2}
		if err != nil || !found || !reflect.DeepEqual(got, want) {
			t.Errorf("after the second put: %+v, %v, %v; want %+v", got, found, err, want)
		}
		if n := countTelephonyConfigRows(t, st, org.ID); n != 1 {
			t.Errorf("%d rows for the organization after two puts, want 1", n)
		}

		// Another organization is untouched.
		if _, found, err := st.GetTelephonyConfig(t.Context(), other.ID); err != nil || found {
			t.Errorf("other organization: found %v, %v; want nothing stored", found, err)
		}
	})
}

func TestTelephonyConfigPutRejects(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		now := baseTime()
		if err := st.PutTelephonyConfig(t.Context(), dialtone.NewID(dialtone.PrefixOrganization),
			dialtone.TelephonyConfig{AllowedCountries: []string{"*"}, UpdatedAt: &now}); err == nil {
			t.Error("PutTelephonyConfig for an unknown organization succeeded")
		}
		org, _ := createOrg(t, st, "Acme")
		if err := st.PutTelephonyConfig(t.Context(), org.ID, dialtone.TelephonyConfig{AllowedCountries: []string{"*"}}); err == nil {
			t.Error("PutTelephonyConfig without UpdatedAt succeeded")
		}
		if n := countTelephonyConfigRows(t, st, org.ID); n != 0 {
			t.Errorf("%d rows after refused puts, want 0", n)
		}
	})
}

// TestTelephonyConfigConcurrentPuts races puts of one organization's first config: the upsert
// must never fail on the primary key, and one whole config must win.
func TestTelephonyConfigConcurrentPuts(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		configs := [][]string{{"US"}, {"GB"}, {"FR"}, {"DE"}, {"JP"}, {"CA"}, {"AU"}, {"NZ"}}
		errs := make([]error, len(configs))
		var wg sync.WaitGroup
		for i, countries := range configs {
			wg.Go(func() {
				now := baseTime().Add(time.Duration(i) * time.Second)
				errs[i] = st.PutTelephonyConfig(t.Context(), org.ID, dialtone.TelephonyConfig{
					AllowedCountries: countries, AllowedPrefixes: countries, UpdatedAt: &now,
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("put %d: %v", i, err)
			}
		}
		got, found, err := st.GetTelephonyConfig(t.Context(), org.ID)
		if err != nil || !found || len(got.AllowedCountries) != 1 || !reflect.DeepEqual(got.AllowedCountries, got.AllowedPrefixes) {
			t.Errorf("after concurrent puts: %+v, %v, %v; want one whole config", got, found, err)
		}
		if n := countTelephonyConfigRows(t, st, org.ID); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
}
