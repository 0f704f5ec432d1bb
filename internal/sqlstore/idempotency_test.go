package sqlstore_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func newIdempotency(orgID, key, fingerprint string, created time.Time) core.IdempotencyRecord {
	return core.IdempotencyRecord{OrganizationID: orgID, Key: key, Fingerprint: fingerprint, CreatedAt: created}
}

func TestIdempotencyLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		created := baseTime()
		expired := created.Add(-24 * time.Hour)
		rec := newIdempotency(org.ID, "order-1", "fp-1", created)

		got, claimed, err := st.BeginIdempotent(t.Context(), rec, expired)
		if err != nil || !claimed {
			t.Fatalf("first BeginIdempotent = %v, %v; want claimed", claimed, err)
		}
		inFlight := core.IdempotencyRecord{
			OrganizationID: org.ID, Key: "order-1", Fingerprint: "fp-1",
			Header: http.Header{}, CreatedAt: stored(created),
		}
		if !reflect.DeepEqual(got, inFlight) {
			t.Errorf("claimed record =\n %+v\nwant\n %+v", got, inFlight)
		}

		// A second request with the key gets the in-flight record.
		again, claimed, err := st.BeginIdempotent(t.Context(), newIdempotency(org.ID, "order-1", "fp-2", created.Add(time.Second)), expired)
		if err != nil || claimed {
			t.Fatalf("second BeginIdempotent = %v, %v; want not claimed", claimed, err)
		}
		if !reflect.DeepEqual(again, inFlight) {
			t.Errorf("existing record =\n %+v\nwant\n %+v", again, inFlight)
		}

		done := got
		done.Status = http.StatusCreated
		done.Header = http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}}
		done.Body = []byte(`{"id":"agt_1"}`)
		if err := st.CompleteIdempotent(t.Context(), done); err != nil {
			t.Fatalf("CompleteIdempotent: %v", err)
		}
		done.Done = true
		read, err := st.GetIdempotent(t.Context(), org.ID, "order-1")
		if err != nil || !reflect.DeepEqual(read, done) {
			t.Errorf("GetIdempotent = %+v, %v; want %+v", read, err, done)
		}
		replay, claimed, err := st.BeginIdempotent(t.Context(), rec, expired)
		if err != nil || claimed || !reflect.DeepEqual(replay, done) {
			t.Errorf("BeginIdempotent after completion = %+v, %v, %v; want the done record, false", replay, claimed, err)
		}

		// Completing twice, or releasing a completed record, changes nothing.
		if err := st.CompleteIdempotent(t.Context(), done); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("completing twice: err = %v, want ErrNotFound", err)
		}
		if err := st.ReleaseIdempotent(t.Context(), org.ID, "order-1"); err != nil {
			t.Errorf("ReleaseIdempotent of a done record: %v", err)
		}
		if read, err := st.GetIdempotent(t.Context(), org.ID, "order-1"); err != nil || !read.Done {
			t.Errorf("done record after release = %+v, %v; want it kept", read, err)
		}

		if _, err := st.GetIdempotent(t.Context(), org.ID, "unknown"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("GetIdempotent of an unknown key: err = %v, want ErrNotFound", err)
		}
		if err := st.CompleteIdempotent(t.Context(), newIdempotency(org.ID, "unknown", "fp", created)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("CompleteIdempotent of an unknown key: err = %v, want ErrNotFound", err)
		}
	})
}

func TestIdempotencyRelease(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		rec := newIdempotency(org.ID, "k", "fp-1", baseTime())
		if _, claimed, err := st.BeginIdempotent(t.Context(), rec, time.Time{}); err != nil || !claimed {
			t.Fatalf("BeginIdempotent = %v, %v", claimed, err)
		}
		if err := st.ReleaseIdempotent(t.Context(), org.ID, "k"); err != nil {
			t.Fatalf("ReleaseIdempotent: %v", err)
		}
		if _, err := st.GetIdempotent(t.Context(), org.ID, "k"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("GetIdempotent after release: err = %v, want ErrNotFound", err)
		}
		rec.Fingerprint = "fp-2"
		got, claimed, err := st.BeginIdempotent(t.Context(), rec, time.Time{})
		if err != nil || !claimed || got.Fingerprint != "fp-2" {
			t.Errorf("BeginIdempotent after release = %+v, %v, %v; want claimed with fp-2", got, claimed, err)
		}
		if err := st.ReleaseIdempotent(t.Context(), org.ID, "never-used"); err != nil {
			t.Errorf("ReleaseIdempotent of an unknown key: %v", err)
		}
	})
}

func TestIdempotencyExpiredIsReclaimed(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		old := baseTime()
		first := newIdempotency(org.ID, "k", "fp-old", old)
		if _, claimed, err := st.BeginIdempotent(t.Context(), first, time.Time{}); err != nil || !claimed {
			t.Fatalf("BeginIdempotent = %v, %v", claimed, err)
		}
		first.Status, first.Body = 200, []byte("old body")
		first.Header = http.Header{"X-Old": {"1"}}
		if err := st.CompleteIdempotent(t.Context(), first); err != nil {
			t.Fatalf("CompleteIdempotent: %v", err)
		}

		now := old.Add(25 * time.Hour)
		expiredBefore := now.Add(-24 * time.Hour) // after old: the record has expired
		got, claimed, err := st.BeginIdempotent(t.Context(), newIdempotency(org.ID, "k", "fp-new", now), expiredBefore)
		if err != nil || !claimed {
			t.Fatalf("BeginIdempotent of an expired key = %v, %v; want claimed", claimed, err)
		}
		want := core.IdempotencyRecord{OrganizationID: org.ID, Key: "k", Fingerprint: "fp-new", Header: http.Header{}, CreatedAt: stored(now)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reclaimed record = %+v, want %+v", got, want)
		}
		if read, err := st.GetIdempotent(t.Context(), org.ID, "k"); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("stored record after reclaim = %+v, %v; want %+v", read, err, want)
		}
		// Created exactly at expiredBefore is not expired.
		if _, claimed, err := st.BeginIdempotent(t.Context(), newIdempotency(org.ID, "k", "fp-3", now), stored(now)); err != nil || claimed {
			t.Errorf("BeginIdempotent with expiredBefore equal to created_at = %v, %v; want not claimed", claimed, err)
		}
	})
}

func TestIdempotencyScopedByOrganization(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		a, _ := createOrg(t, st, "A")
		b, _ := createOrg(t, st, "B")
		for _, org := range []string{a.ID, b.ID} {
			if _, claimed, err := st.BeginIdempotent(t.Context(), newIdempotency(org, "same", "fp", baseTime()), time.Time{}); err != nil || !claimed {
				t.Errorf("BeginIdempotent in %s = %v, %v; want claimed", org, claimed, err)
			}
		}
	})
}

func TestIdempotencyConcurrentBegin(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		const n = 20
		claims := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rec := newIdempotency(org.ID, "race", "fp", baseTime())
				_, claims[i], errs[i] = st.BeginIdempotent(t.Context(), rec, baseTime().Add(-time.Hour))
			})
		}
		wg.Wait()
		claimed := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("BeginIdempotent %d: %v", i, errs[i])
			}
			if claims[i] {
				claimed++
			}
		}
		if claimed != 1 {
			t.Errorf("%d of %d concurrent BeginIdempotent calls claimed the key, want exactly 1", claimed, n)
		}
	})
}

func TestIdempotencyConcurrentReclaim(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		old := baseTime()
		if _, claimed, err := st.BeginIdempotent(t.Context(), newIdempotency(org.ID, "race", "fp", old), time.Time{}); err != nil || !claimed {
			t.Fatalf("BeginIdempotent = %v, %v", claimed, err)
		}
		now := old.Add(48 * time.Hour)
		const n = 10
		claims := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var err error
				_, claims[i], err = st.BeginIdempotent(t.Context(), newIdempotency(org.ID, "race", "fp", now), now.Add(-24*time.Hour))
				if err != nil {
					t.Errorf("BeginIdempotent: %v", err)
				}
			})
		}
		wg.Wait()
		claimed := 0
		for _, c := range claims {
			if c {
				claimed++
			}
		}
		if claimed != 1 {
			t.Errorf("%d of %d concurrent reclaims of an expired key succeeded, want exactly 1", claimed, n)
		}
	})
}

func TestIdempotencyDeleteExpired(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		old := baseTime()
		for i, at := range []time.Time{old, old.Add(time.Hour), old.Add(48 * time.Hour)} {
			rec := newIdempotency(org.ID, fmt.Sprintf("k%d", i), "fp", at)
			if _, claimed, err := st.BeginIdempotent(t.Context(), rec, time.Time{}); err != nil || !claimed {
				t.Fatalf("BeginIdempotent = %v, %v", claimed, err)
			}
		}
		n, err := st.DeleteExpiredIdempotent(t.Context(), old.Add(2*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("DeleteExpiredIdempotent = %d, %v; want 2", n, err)
		}
		if _, err := st.GetIdempotent(t.Context(), org.ID, "k2"); err != nil {
			t.Fatalf("the newer record is gone: %v", err)
		}
		if _, err := st.GetIdempotent(t.Context(), org.ID, "k0"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("the expired record remains: %v", err)
		}
	})
}
