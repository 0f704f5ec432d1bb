package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dialtonehq/dialtone/internal/core"
)

// idempotencyColumns is the select list scanIdempotency reads.
const idempotencyColumns = `organization_id, "key", fingerprint, done, status, header, body, created_at`

func scanIdempotency(r rowScanner) (core.IdempotencyRecord, error) {
	var rec core.IdempotencyRecord
	var header string
	var created timestamp
	if err := r.Scan(&rec.OrganizationID, &rec.Key, &rec.Fingerprint, &rec.Done, &rec.Status,
		&header, &rec.Body, &created); err != nil {
		return core.IdempotencyRecord{}, err
	}
	rec.CreatedAt = created.Time
	if err := fromJSONText(header, "header", &rec.Header); err != nil {
		return core.IdempotencyRecord{}, err
	}
	if rec.Header == nil {
		rec.Header = http.Header{}
	}
	if len(rec.Body) == 0 {
		rec.Body = nil
	}
	return rec, nil
}

// idempotencyStored is rec as it reads back once stored: Header never nil, an empty Body nil,
// CreatedAt in UTC at microsecond precision.
func idempotencyStored(rec core.IdempotencyRecord) core.IdempotencyRecord {
	if rec.Header == nil {
		rec.Header = http.Header{}
	}
	if len(rec.Body) == 0 {
		rec.Body = nil
	}
	rec.CreatedAt = dbTime(rec.CreatedAt)
	return rec
}

// idempotencyArgs returns rec's header (as JSON) and body as column values.
func idempotencyArgs(rec core.IdempotencyRecord) (string, []byte, error) {
	header, err := jsonText(rec.Header)
	if err != nil {
		return "", nil, fmt.Errorf("encode header: %w", err)
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	return header, body, nil
}

// errClaimRaced means the record that blocked a claim was deleted before it could be read.
var errClaimRaced = errors.New("idempotency record deleted during claim")

// BeginIdempotent claims (rec.OrganizationID, rec.Key) for a new request. When no record
// exists, or the existing one was created before expiredBefore, it stores rec as in flight
// (Done false, whatever rec.Done says), replacing the expired one, and returns it as stored
// with true. Otherwise it returns the existing record and false. Exactly one of any number of
// concurrent claims of a key succeeds.
func (s *Store) BeginIdempotent(ctx context.Context, rec core.IdempotencyRecord, expiredBefore time.Time) (core.IdempotencyRecord, bool, error) {
	rec.Done = false
	rec = idempotencyStored(rec)
	header, body, err := idempotencyArgs(rec)
	if err != nil {
		return core.IdempotencyRecord{}, false, fmt.Errorf("begin idempotent request: %w", err)
	}
	// A claim that finds a record which is then released before the claim can read it tries
	// again; that needs a release between two statements, so a few attempts are plenty.
	for range 3 {
		var existing core.IdempotencyRecord
		claimed := false
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx,
				`INSERT INTO idempotency_keys (`+idempotencyColumns+`)
				 VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7)
				 ON CONFLICT (organization_id, "key") DO NOTHING`,
				rec.OrganizationID, rec.Key, rec.Fingerprint, rec.Status, header, body, rec.CreatedAt)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				claimed = err == nil
				return err
			}
			existing, err = scanIdempotency(tx.QueryRowContext(ctx,
				`SELECT `+idempotencyColumns+` FROM idempotency_keys
				 WHERE organization_id = $1 AND "key" = $2`+s.dialect.lockRow(),
				rec.OrganizationID, rec.Key))
			if errors.Is(err, sql.ErrNoRows) {
				return errClaimRaced
			}
			if err != nil || !existing.CreatedAt.Before(expiredBefore) {
				return err
			}
			_, err = tx.ExecContext(ctx,
				`UPDATE idempotency_keys
				 SET fingerprint = $1, done = FALSE, status = $2, header = $3, body = $4, created_at = $5
				 WHERE organization_id = $6 AND "key" = $7`,
				rec.Fingerprint, rec.Status, header, body, rec.CreatedAt, rec.OrganizationID, rec.Key)
			claimed = err == nil
			return err
		})
		switch {
		case errors.Is(err, errClaimRaced):
			continue
		case err != nil:
			return core.IdempotencyRecord{}, false, fmt.Errorf("begin idempotent request: %w", err)
		case claimed:
			return rec, true, nil
		default:
			return existing, false, nil
		}
	}
	return core.IdempotencyRecord{}, false, fmt.Errorf("begin idempotent request: %w", err)
}

// GetIdempotent returns the record of (orgID, key), or core.ErrNotFound. Header is never nil;
// an empty Body is nil.
func (s *Store) GetIdempotent(ctx context.Context, orgID, key string) (core.IdempotencyRecord, error) {
	rec, err := scanIdempotency(s.reader.QueryRowContext(ctx,
		`SELECT `+idempotencyColumns+` FROM idempotency_keys WHERE organization_id = $1 AND "key" = $2`,
		orgID, key))
	return found(rec, err, "get idempotent request")
}

// CompleteIdempotent stores rec's Status, Header and Body on the in-flight record of
// (rec.OrganizationID, rec.Key) and marks it done. It returns core.ErrNotFound when there is no
// such record in flight (never claimed, released, or already done).
func (s *Store) CompleteIdempotent(ctx context.Context, rec core.IdempotencyRecord) error {
	header, body, err := idempotencyArgs(rec)
	if err != nil {
		return fmt.Errorf("complete idempotent request: %w", err)
	}
	res, err := s.writer.ExecContext(ctx,
		`UPDATE idempotency_keys SET done = TRUE, status = $1, header = $2, body = $3
		 WHERE organization_id = $4 AND "key" = $5 AND done = FALSE`,
		rec.Status, header, body, rec.OrganizationID, rec.Key)
	if err != nil {
		return fmt.Errorf("complete idempotent request: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("complete idempotent request: %w", err)
	}
	if n == 0 {
		return core.ErrNotFound
	}
	return nil
}

// ReleaseIdempotent deletes the in-flight record of (orgID, key) so the key can be used again.
// A record that is done, or none at all, is left as it is and is not an error, so it is safe
// to call on every failure path.
func (s *Store) ReleaseIdempotent(ctx context.Context, orgID, key string) error {
	if _, err := s.writer.ExecContext(ctx,
		`DELETE FROM idempotency_keys WHERE organization_id = $1 AND "key" = $2 AND done = FALSE`,
		orgID, key); err != nil {
		return fmt.Errorf("release idempotent request: %w", err)
	}
	return nil
}

// DeleteExpiredIdempotent deletes every record, done or in flight, created before t, and
// returns how many it deleted.
func (s *Store) DeleteExpiredIdempotent(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, dbTime(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency records: %w", err)
	}
	return res.RowsAffected()
}
