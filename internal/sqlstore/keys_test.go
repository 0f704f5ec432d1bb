package sqlstore_test

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestKeyInsertGet(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		k := newKeyRecord(org.ID, dialtone.RoleRead, baseTime())
		k.Operator = true
		rotated := baseTime().Add(time.Hour)
		k.RotatedAt = &rotated
		if err := st.InsertKey(t.Context(), k); err != nil {
			t.Fatalf("InsertKey: %v", err)
		}
		got, err := st.GetKey(t.Context(), k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		want := k
		want.CreatedAt = stored(k.CreatedAt)
		wantRotated := stored(rotated)
		want.RotatedAt = &wantRotated
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetKey =\n %+v\nwant\n %+v", got, want)
		}
		if _, err := st.GetKey(t.Context(), dialtone.NewID(dialtone.PrefixKey)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("unknown key: err = %v, want ErrNotFound", err)
		}
	})
}

func TestRevokedKeyIsHidden(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, admin := createOrg(t, st, "Acme")
		k := insertKey(t, st, org.ID, dialtone.RoleWrite)
		if err := st.RevokeKey(t.Context(), org.ID, k.ID, baseTime()); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		if _, err := st.GetKey(t.Context(), k.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("GetKey of a revoked key: err = %v, want ErrNotFound", err)
		}
		keys, _, err := st.ListKeys(t.Context(), org.ID, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		if ids := keyIDs(keys); !slices.Equal(ids, []string{admin.ID}) {
			t.Errorf("ListKeys = %v, want only the admin key %s", ids, admin.ID)
		}
		if _, _, err := st.ListKeys(t.Context(), org.ID, dialtone.ListParams{StartingAfter: k.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("ListKeys after a revoked key: err = %v, want ErrBadCursor", err)
		}
		if err := st.RevokeKey(t.Context(), org.ID, k.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("revoking twice: err = %v, want ErrNotFound", err)
		}
		var revokedAt time.Time
		if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
			`SELECT revoked_at FROM api_keys WHERE id = $1`, k.ID).Scan(&revokedAt); err != nil {
			t.Fatalf("read revoked_at: %v", err)
		}
		if !revokedAt.Equal(stored(baseTime())) {
			t.Errorf("revoked_at = %v, want %v", revokedAt, stored(baseTime()))
		}
	})
}

func TestListKeys(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		a, aAdmin := createOrg(t, st, "A")
		b, bAdmin := createOrg(t, st, "B")
		a2 := insertKey(t, st, a.ID, dialtone.RoleRead)
		b2 := insertKey(t, st, b.ID, dialtone.RoleWrite)

		all, more, err := st.ListKeys(t.Context(), "", dialtone.ListParams{Limit: 10})
		if err != nil {
			t.Fatalf("ListKeys all: %v", err)
		}
		if want := []string{b2.ID, a2.ID, bAdmin.ID, aAdmin.ID}; !slices.Equal(keyIDs(all), want) || more {
			t.Errorf("ListKeys all = %v, %v; want %v, false", keyIDs(all), more, want)
		}
		for _, k := range all {
			if k.Object != "api_key" || k.Secret != "" {
				t.Errorf("listed key %+v: want object api_key and no secret", k)
			}
		}
		onlyA, _, err := st.ListKeys(t.Context(), a.ID, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListKeys A: %v", err)
		}
		if want := []string{a2.ID, aAdmin.ID}; !slices.Equal(keyIDs(onlyA), want) {
			t.Errorf("ListKeys A = %v, want %v", keyIDs(onlyA), want)
		}
		// Paging across organizations with a cursor of B.
		page, more, err := st.ListKeys(t.Context(), "", dialtone.ListParams{Limit: 1, StartingAfter: b2.ID})
		if err != nil || !slices.Equal(keyIDs(page), []string{a2.ID}) || !more {
			t.Errorf("ListKeys all after b2 = %v, %v, %v; want [%s], true", keyIDs(page), more, err, a2.ID)
		}
		// A cursor of B does not name a row of A's list.
		if _, _, err := st.ListKeys(t.Context(), a.ID, dialtone.ListParams{StartingAfter: b2.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("ListKeys A after a key of B: err = %v, want ErrBadCursor", err)
		}
	})
}

func TestRevokeKeyLastAdmin(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, admin := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other") // its admin key must not count for org
		writer := insertKey(t, st, org.ID, dialtone.RoleWrite)

		if err := st.RevokeKey(t.Context(), org.ID, admin.ID, baseTime()); !errors.Is(err, core.ErrLastAdmin) {
			t.Fatalf("revoking the only admin key: err = %v, want ErrLastAdmin", err)
		}
		if _, err := st.GetKey(t.Context(), admin.ID); err != nil {
			t.Fatalf("the refused revocation changed the key: %v", err)
		}
		if err := st.RevokeKey(t.Context(), org.ID, writer.ID, baseTime()); err != nil {
			t.Errorf("revoking a write key beside one admin: %v", err)
		}

		admin2 := insertKey(t, st, org.ID, dialtone.RoleAdmin)
		if err := st.RevokeKey(t.Context(), org.ID, admin.ID, baseTime()); err != nil {
			t.Fatalf("revoking one of two admin keys: %v", err)
		}
		if err := st.RevokeKey(t.Context(), org.ID, admin2.ID, baseTime()); !errors.Is(err, core.ErrLastAdmin) {
			t.Errorf("revoking the remaining admin key: err = %v, want ErrLastAdmin", err)
		}

		// Scoping and unknown ids.
		if err := st.RevokeKey(t.Context(), other.ID, admin2.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("revoking through another organization: err = %v, want ErrNotFound", err)
		}
		if err := st.RevokeKey(t.Context(), org.ID, dialtone.NewID(dialtone.PrefixKey), baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("revoking an unknown key: err = %v, want ErrNotFound", err)
		}
		if err := st.RevokeKey(t.Context(), dialtone.NewID(dialtone.PrefixOrganization), admin2.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("revoking in an unknown organization: err = %v, want ErrNotFound", err)
		}
	})
}

func TestRevokeKeyConcurrentAdmins(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, admin := createOrg(t, st, "Acme")
		admin2 := insertKey(t, st, org.ID, dialtone.RoleAdmin)
		ids := []string{admin.ID, admin2.ID}
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() { errs[i] = st.RevokeKey(t.Context(), org.ID, id, baseTime()) })
		}
		wg.Wait()
		ok, last := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, core.ErrLastAdmin):
				last++
			default:
				t.Errorf("RevokeKey: %v", err)
			}
		}
		if ok != 1 || last != 1 {
			t.Errorf("concurrent revocations of two admin keys: %d succeeded, %d refused; want 1 and 1", ok, last)
		}
		keys, _, err := st.ListKeys(t.Context(), org.ID, dialtone.ListParams{})
		if err != nil || len(keys) != 1 {
			t.Errorf("live keys = %v, %v; want one", keyIDs(keys), err)
		}
	})
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		k := insertKey(t, st, org.ID, dialtone.RoleWrite)
		hash := bytes.Repeat([]byte{0xAB}, 32)
		at := baseTime().Add(2 * time.Hour)

		got, err := st.RotateKey(t.Context(), org.ID, k.ID, hash, "dts_…wxyz", at)
		if err != nil {
			t.Fatalf("RotateKey: %v", err)
		}
		if got.ID != k.ID || got.SecretHint != "dts_…wxyz" || got.RotatedAt == nil || !got.RotatedAt.Equal(stored(at)) ||
			got.RotatedAt.Location() != time.UTC || !got.CreatedAt.Equal(stored(k.CreatedAt)) || got.Object != "api_key" {
			t.Errorf("RotateKey = %+v", got)
		}
		rec, err := st.GetKey(t.Context(), k.ID)
		if err != nil {
			t.Fatalf("GetKey: %v", err)
		}
		if !bytes.Equal(rec.SecretHash, hash) || rec.SecretHint != "dts_…wxyz" || !reflect.DeepEqual(rec.APIKey, got) {
			t.Errorf("stored key after rotation = %+v, want hash %x and %+v", rec, hash, got)
		}

		if _, err := st.RotateKey(t.Context(), other.ID, k.ID, hash, "x", at); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("rotating through another organization: err = %v, want ErrNotFound", err)
		}
		if err := st.RevokeKey(t.Context(), org.ID, k.ID, at); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		if _, err := st.RotateKey(t.Context(), org.ID, k.ID, hash, "x", at); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("rotating a revoked key: err = %v, want ErrNotFound", err)
		}
	})
}
