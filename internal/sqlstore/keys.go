package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// keyColumns is the select list scanKey reads.
const keyColumns = `id, organization_id, name, role, operator, secret_hash, secret_hint, created_at, rotated_at`

// keyGet is the query of GetKey, run through Store.getKey.
const keyGet = `SELECT ` + keyColumns + ` FROM api_keys WHERE id = $1 AND revoked_at IS NULL`

func scanKey(r rowScanner) (core.KeyRecord, error) {
	k := core.KeyRecord{APIKey: dialtone.APIKey{Object: "api_key"}}
	var created, rotated timestamp
	if err := r.Scan(&k.ID, &k.OrganizationID, &k.Name, &k.Role, &k.Operator, &k.SecretHash,
		&k.SecretHint, &created, &rotated); err != nil {
		return core.KeyRecord{}, err
	}
	k.CreatedAt, k.RotatedAt = created.Time, rotated.ptr()
	return k, nil
}

func insertKey(ctx context.Context, q querier, k core.KeyRecord) error {
	hash := k.SecretHash
	if hash == nil {
		hash = []byte{}
	}
	_, err := q.ExecContext(ctx,
		`INSERT INTO api_keys (id, organization_id, name, role, operator, secret_hash, secret_hint, created_at, rotated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, k.OrganizationID, k.Name, string(k.Role), k.Operator, hash, k.SecretHint,
		dbTime(k.CreatedAt), dbNullTime(k.RotatedAt))
	return err
}

// InsertKey stores a new live key of k.OrganizationID. Secret and Credential are not stored.
func (s *Store) InsertKey(ctx context.Context, k core.KeyRecord) error {
	if err := insertKey(ctx, s.writer, k); err != nil {
		return fmt.Errorf("insert key: %w", err)
	}
	return nil
}

// GetKey returns the live (not revoked) key with the given id, of any organization, or
// core.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, id string) (core.KeyRecord, error) {
	k, err := scanKey(s.getKey.queryRow(ctx, id))
	return found(k, err, "get key")
}

// ListKeys returns a page of orgID's live keys, newest first, and whether more follow; with
// orgID empty, of every organization. A cursor must name a live key of the same scope, else
// core.ErrBadCursor. See listPage for the paging rules.
func (s *Store) ListKeys(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.APIKey, bool, error) {
	scope := where{}.and("revoked_at IS NULL")
	if orgID != "" {
		scope = scope.and("organization_id = ?", orgID)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.APIKey]{
		what:    "list keys",
		table:   "api_keys",
		columns: keyColumns,
		scope:   scope,
		scan: func(r rowScanner) (dialtone.APIKey, error) {
			k, err := scanKey(r)
			return k.APIKey, err
		},
	}, lp)
}

// RevokeKey marks orgID's live key id revoked at t. It returns core.ErrNotFound when orgID
// has no such live key, and core.ErrLastAdmin, revoking nothing, when the key is the
// organization's only live admin key. The check and the revocation are one transaction that
// excludes every other RevokeKey of the organization (PostgreSQL: the organization row is
// locked first; SQLite: write transactions are serialised).
func (s *Store) RevokeKey(ctx context.Context, orgID, id string, t time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var org string
		if err := tx.QueryRowContext(ctx,
			`SELECT id FROM organizations WHERE id = $1`+s.dialect.lockRow(), orgID,
		).Scan(&org); err != nil {
			return err
		}
		var role dialtone.Role
		if err := tx.QueryRowContext(ctx,
			`SELECT role FROM api_keys WHERE id = $1 AND organization_id = $2 AND revoked_at IS NULL`,
			id, orgID,
		).Scan(&role); err != nil {
			return err
		}
		if role == dialtone.RoleAdmin {
			var admins int
			if err := tx.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM api_keys WHERE organization_id = $1 AND role = $2 AND revoked_at IS NULL`,
				orgID, string(dialtone.RoleAdmin),
			).Scan(&admins); err != nil {
				return err
			}
			if admins <= 1 {
				return core.ErrLastAdmin
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, dbTime(t), id)
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return core.ErrNotFound
	case errors.Is(err, core.ErrLastAdmin):
		return core.ErrLastAdmin
	}
	return fmt.Errorf("revoke key: %w", err)
}

// RotateKey replaces the secret hash and hint of orgID's live key id, sets its rotated_at to
// t and returns the key as stored; core.ErrNotFound when orgID has no such live key. The
// single UPDATE is atomic on both engines (on PostgreSQL it takes the row lock itself), so a
// concurrent revocation either happens before it (ErrNotFound) or after it.
func (s *Store) RotateKey(ctx context.Context, orgID, id string, hash []byte, hint string, t time.Time) (dialtone.APIKey, error) {
	if hash == nil {
		hash = []byte{}
	}
	k, err := scanKey(s.writer.QueryRowContext(ctx,
		`UPDATE api_keys SET secret_hash = $1, secret_hint = $2, rotated_at = $3
		 WHERE id = $4 AND organization_id = $5 AND revoked_at IS NULL
		 RETURNING `+keyColumns,
		hash, hint, dbTime(t), id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return dialtone.APIKey{}, core.ErrNotFound
	}
	if err != nil {
		return dialtone.APIKey{}, fmt.Errorf("rotate key: %w", err)
	}
	return k.APIKey, nil
}
