package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// Bootstrap creates org with key when the database holds no organization and has never been
// bootstrapped, and reports whether it did. The first call on a database marks it
// bootstrapped (a row in the bootstrap table) whatever it finds, so a later call returns false
// even after every organization has gone. The marker, the check and the inserts are one
// transaction; concurrent callers, in one process or on several nodes, wait on the marker
// row, so exactly one of them can return true.
func (s *Store) Bootstrap(ctx context.Context, org dialtone.Organization, key core.KeyRecord) (bool, error) {
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO bootstrap (id) VALUES (1) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // bootstrapped before
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM organizations)`).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil // commit the marker: organizations were made another way
		}
		if err := insertOrganization(ctx, tx, org, key); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	return created, nil
}

// CreateOrganization stores org and its first key in one transaction. The key belongs to org:
// its OrganizationID must be empty or org.ID.
func (s *Store) CreateOrganization(ctx context.Context, org dialtone.Organization, key core.KeyRecord) error {
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return insertOrganization(ctx, tx, org, key) }); err != nil {
		return fmt.Errorf("create organization: %w", err)
	}
	return nil
}

func insertOrganization(ctx context.Context, tx *sql.Tx, org dialtone.Organization, key core.KeyRecord) error {
	if key.OrganizationID != "" && key.OrganizationID != org.ID {
		return fmt.Errorf("key %s belongs to organization %s, not %s", key.ID, key.OrganizationID, org.ID)
	}
	key.OrganizationID = org.ID
	mode := org.BillingMode
	if mode == "" {
		mode = dialtone.BillingPostpaid
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO organizations (id, name, billing_mode, created_at) VALUES ($1, $2, $3, $4)`,
		org.ID, org.Name, string(mode), dbTime(org.CreatedAt)); err != nil {
		return err
	}
	return insertKey(ctx, tx, key)
}

// GetOrganization returns the organization with the given id, or core.ErrNotFound. (An empty
// BillingMode in CreateOrganization or Bootstrap is stored as postpaid.)
func (s *Store) GetOrganization(ctx context.Context, id string) (dialtone.Organization, error) {
	org := dialtone.Organization{Object: "organization"}
	var created timestamp
	err := s.reader.QueryRowContext(ctx,
		`SELECT id, name, billing_mode, created_at FROM organizations WHERE id = $1`, id,
	).Scan(&org.ID, &org.Name, &org.BillingMode, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return dialtone.Organization{}, core.ErrNotFound
	}
	if err != nil {
		return dialtone.Organization{}, fmt.Errorf("get organization: %w", err)
	}
	org.CreatedAt = created.Time
	return org, nil
}
