package sqlstore_test

import (
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func countRows(t *testing.T, st *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestBootstrapOnce(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, key := newOrgValues("First")
		created, err := st.Bootstrap(t.Context(), org, key)
		if err != nil || !created {
			t.Fatalf("first Bootstrap = %v, %v; want true", created, err)
		}
		got, err := st.GetOrganization(t.Context(), org.ID)
		if err != nil {
			t.Fatalf("GetOrganization: %v", err)
		}
		want := org
		want.CreatedAt = stored(org.CreatedAt)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("organization = %+v, want %+v", got, want)
		}
		if _, err := st.GetKey(t.Context(), key.ID); err != nil {
			t.Errorf("GetKey of the bootstrap key: %v", err)
		}

		org2, key2 := newOrgValues("Second")
		if created, err := st.Bootstrap(t.Context(), org2, key2); err != nil || created {
			t.Fatalf("second Bootstrap = %v, %v; want false", created, err)
		}
		if _, err := st.GetOrganization(t.Context(), org2.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("second bootstrap organization: err = %v, want ErrNotFound", err)
		}
		if n := countRows(t, st, "organizations"); n != 1 {
			t.Errorf("organizations = %d, want 1", n)
		}
	})
}

func TestBootstrapAfterCreateOrganization(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		createOrg(t, st, "Made by keys create")
		org, key := newOrgValues("Bootstrap")
		if created, err := st.Bootstrap(t.Context(), org, key); err != nil || created {
			t.Fatalf("Bootstrap = %v, %v; want false", created, err)
		}
		if _, err := st.GetKey(t.Context(), key.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("bootstrap key stored: err = %v", err)
		}
		if n := countRows(t, st, "bootstrap"); n != 1 {
			t.Errorf("bootstrap marker rows = %d, want 1 (the marker is committed)", n)
		}
	})
}

func TestBootstrapConcurrent(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		const n = 5
		results := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				org, key := newOrgValues("Racer")
				results[i], errs[i] = st.Bootstrap(t.Context(), org, key)
			})
		}
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("Bootstrap %d: %v", i, errs[i])
			}
			if results[i] {
				created++
			}
		}
		if created != 1 {
			t.Errorf("%d Bootstrap calls returned true, want exactly 1", created)
		}
		if got := countRows(t, st, "organizations"); got != 1 {
			t.Errorf("organizations = %d, want 1", got)
		}
		if got := countRows(t, st, "api_keys"); got != 1 {
			t.Errorf("api_keys = %d, want 1", got)
		}
	})
}

func TestGetOrganization(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		got, err := st.GetOrganization(t.Context(), org.ID)
		if err != nil {
			t.Fatalf("GetOrganization: %v", err)
		}
		if got.ID != org.ID || got.Name != "Acme" || got.Object != "organization" || got.CreatedAt != stored(org.CreatedAt) {
			t.Errorf("GetOrganization = %+v", got)
		}
		if _, err := st.GetOrganization(t.Context(), dialtone.NewID(dialtone.PrefixOrganization)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("unknown organization: err = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateOrganizationIsAtomic(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, key := createOrg(t, st, "Acme")

		// A second organization whose key reuses an existing key id: the key insert fails, so
		// the organization must not be stored either.
		org2, key2 := newOrgValues("Beta")
		key2.ID = key.ID
		if err := st.CreateOrganization(t.Context(), org2, key2); err == nil {
			t.Fatal("CreateOrganization with a duplicate key id succeeded")
		}
		if _, err := st.GetOrganization(t.Context(), org2.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("organization of the failed create: err = %v, want ErrNotFound", err)
		}

		// A key of another organization is refused.
		org3, key3 := newOrgValues("Gamma")
		key3.OrganizationID = org.ID
		if err := st.CreateOrganization(t.Context(), org3, key3); err == nil {
			t.Error("CreateOrganization with a key of another organization succeeded")
		}
	})
}
