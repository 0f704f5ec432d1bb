package core

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Idempotency remembers the outcome of requests sent with an Idempotency-Key, so that a client
// retrying an operation gets the first outcome instead of a second operation. Records live in
// the store, so the guarantee holds across nodes.
type Idempotency struct {
	store Store
	now   func() time.Time
	ttl   time.Duration
	wait  time.Duration
	poll  time.Duration
}

func newIdempotency(store Store, now func() time.Time, ttl, wait time.Duration) *Idempotency {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if wait <= 0 {
		wait = 10 * time.Second
	}
	return &Idempotency{store: store, now: now, ttl: ttl, wait: wait, poll: 10 * time.Millisecond}
}

// Begin claims key for a request with the given fingerprint. It returns (nil, nil) when the
// caller now owns the key and must finish with Complete or Release; a finished record to replay
// when the same request already completed; idempotency_key_reused when the key was used for a
// different request; idempotency_key_in_use when a request with the key is still in flight
// after waiting for it.
func (i *Idempotency) Begin(ctx context.Context, orgID, key, fingerprint string) (*IdempotencyRecord, error) {
	deadline := time.Now().Add(i.wait)
	for {
		now := i.now()
		rec, claimed, err := i.store.BeginIdempotent(ctx, IdempotencyRecord{
			OrganizationID: orgID, Key: key, Fingerprint: fingerprint, CreatedAt: now,
		}, now.Add(-i.ttl))
		if err != nil {
			return nil, dialtone.Internal(err)
		}
		if claimed {
			return nil, nil
		}
		for {
			if rec.Fingerprint != fingerprint {
				return nil, dialtone.NewError(dialtone.CodeIdempotencyKeyReused, "").WithParam("Idempotency-Key")
			}
			if rec.Done {
				return &rec, nil
			}
			if !time.Now().Before(deadline) {
				return nil, dialtone.NewError(dialtone.CodeIdempotencyKeyInUse, "").WithParam("Idempotency-Key")
			}
			select {
			case <-ctx.Done():
				return nil, dialtone.Internal(ctx.Err())
			case <-time.After(i.poll):
			}
			rec, err = i.store.GetIdempotent(ctx, orgID, key)
			if errors.Is(err, ErrNotFound) {
				break // released by its owner: try to claim it again
			}
			if err != nil {
				return nil, dialtone.Internal(err)
			}
		}
	}
}

// Complete stores the response of a claimed key, to be replayed for the next 24 hours.
func (i *Idempotency) Complete(ctx context.Context, rec IdempotencyRecord) error {
	rec.Done = true
	return i.store.CompleteIdempotent(ctx, rec)
}

// Sweep deletes the records older than the time-to-live and returns how many it deleted.
func (i *Idempotency) Sweep(ctx context.Context) (int64, error) {
	return i.store.DeleteExpiredIdempotent(ctx, i.now().Add(-i.ttl))
}

// Release gives up a claimed key without storing a response (the request failed in a way a
// retry may fix), so that the next request with it runs anew.
func (i *Idempotency) Release(ctx context.Context, orgID, key string) error {
	return i.store.ReleaseIdempotent(ctx, orgID, key)
}
