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

// webhookEndpointColumns is the select list scanWebhookEndpoint reads.
const webhookEndpointColumns = `id, url, events, description, agent_id, enabled, disabled_reason,
	secret, secret_hint, previous_secret, previous_secret_expires_at, created_at, updated_at`

// webhookEndpointGet selects an endpoint that is not deleted by id ($1) and organization ($2):
// the query of GetWebhookEndpoint, and of UpdateWebhookEndpoint with a row lock.
const webhookEndpointGet = `SELECT ` + webhookEndpointColumns +
	` FROM webhook_endpoints WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`

func scanWebhookEndpoint(r rowScanner) (core.WebhookEndpointRecord, error) {
	e := core.WebhookEndpointRecord{WebhookEndpoint: dialtone.WebhookEndpoint{Object: "webhook_endpoint"}}
	var events string
	var agentID, reason sql.NullString
	var expires, created, updated timestamp
	if err := r.Scan(&e.ID, &e.URL, &events, &e.Description, &agentID, &e.Enabled, &reason,
		&e.SealedSecret, &e.SecretHint, &e.PreviousSealedSecret, &expires, &created, &updated); err != nil {
		return core.WebhookEndpointRecord{}, err
	}
	if err := fromJSONText(events, "events", &e.Events); err != nil {
		return core.WebhookEndpointRecord{}, fmt.Errorf("webhook endpoint %s: %w", e.ID, err)
	}
	if e.Events == nil {
		e.Events = []string{}
	}
	if agentID.Valid {
		e.AgentID = &agentID.String
	}
	if reason.Valid {
		e.DisabledReason = &reason.String
	}
	e.PreviousSecretExpiresAt = expires.ptr()
	e.CreatedAt, e.UpdatedAt = created.Time, updated.Time
	return e, nil
}

// webhookEndpointValues returns the values of the columns an update may change, in the order
// of webhookEndpointInsert's $5… and webhookEndpointUpdate's $1….
func webhookEndpointValues(e core.WebhookEndpointRecord) ([]any, error) {
	events := e.Events
	if events == nil {
		events = []string{}
	}
	text, err := jsonText(events)
	if err != nil {
		return nil, err
	}
	return []any{e.URL, text, e.Description, e.Enabled, nullString(e.DisabledReason), e.SealedSecret,
		e.SecretHint, e.PreviousSealedSecret, dbNullTime(e.PreviousSecretExpiresAt), dbTime(e.UpdatedAt)}, nil
}

const webhookEndpointInsert = `INSERT INTO webhook_endpoints (id, organization_id, agent_id, created_at,
	url, events, description, enabled, disabled_reason, secret, secret_hint, previous_secret,
	previous_secret_expires_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

const webhookEndpointUpdate = `UPDATE webhook_endpoints SET url = $1, events = $2, description = $3,
	enabled = $4, disabled_reason = $5, secret = $6, secret_hint = $7, previous_secret = $8,
	previous_secret_expires_at = $9, updated_at = $10,
	failing_since = CASE WHEN $4 THEN failing_since ELSE NULL END
	WHERE id = $11 AND organization_id = $12 AND deleted_at IS NULL
	RETURNING ` + webhookEndpointColumns

// InsertWebhookEndpoint stores e as a new endpoint of orgID. It returns core.ErrLimit,
// inserting nothing, when orgID already has limit endpoints that are not deleted. The count
// and the insert are one transaction that excludes every other InsertWebhookEndpoint of the
// organization (PostgreSQL: the organization row is locked first; SQLite: write transactions
// are serialised). An AgentID must name a live agent of orgID, whose row is locked like
// InsertPhoneNumber does.
func (s *Store) InsertWebhookEndpoint(ctx context.Context, orgID string, e core.WebhookEndpointRecord, limit int) error {
	values, err := webhookEndpointValues(e)
	if err != nil {
		return fmt.Errorf("insert webhook endpoint: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrganizationWithin(ctx, tx, orgID,
			`SELECT COUNT(*) FROM webhook_endpoints WHERE organization_id = $1 AND deleted_at IS NULL`, limit); err != nil {
			return err
		}
		if e.AgentID != nil {
			if err := s.lockLiveAgent(ctx, tx, orgID, *e.AgentID); err != nil {
				return err
			}
		}
		args := append([]any{e.ID, orgID, nullString(e.AgentID), dbTime(e.CreatedAt)}, values...)
		_, err = tx.ExecContext(ctx, webhookEndpointInsert, args...)
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrLimit):
		return core.ErrLimit
	}
	return fmt.Errorf("insert webhook endpoint: %w", err)
}

// GetWebhookEndpoint returns orgID's endpoint id, or core.ErrNotFound (also for a deleted
// endpoint and for another organization's).
func (s *Store) GetWebhookEndpoint(ctx context.Context, orgID, id string) (core.WebhookEndpointRecord, error) {
	e, err := scanWebhookEndpoint(s.reader.QueryRowContext(ctx, webhookEndpointGet, id, orgID))
	return found(e, err, "get webhook endpoint")
}

// ListWebhookEndpoints returns a page of orgID's endpoints, newest first, and whether more
// follow, without their secrets. A cursor must name an endpoint of orgID that is not deleted,
// else core.ErrBadCursor. See listPage for the paging rules.
func (s *Store) ListWebhookEndpoints(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.WebhookEndpoint, bool, error) {
	return listPage(ctx, s.reader, listSpec[dialtone.WebhookEndpoint]{
		what:    "list webhook endpoints",
		table:   "webhook_endpoints",
		columns: webhookEndpointColumns,
		scope:   where{}.and("organization_id = ?", orgID).and("deleted_at IS NULL"),
		scan: func(r rowScanner) (dialtone.WebhookEndpoint, error) {
			e, err := scanWebhookEndpoint(r)
			return e.WebhookEndpoint, err
		},
	}, lp)
}

// UpdateWebhookEndpoint loads orgID's endpoint id, lets mutate change it, stores the result
// and returns the endpoint as stored; core.ErrNotFound when there is no such endpoint. Load
// and store are one transaction holding the endpoint's row, as in UpdateAgent; an error from
// mutate aborts the update and is returned as is. The id, organization, agent and created_at
// cannot be changed. mutate must be quick and must not call the Store.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, orgID, id string, mutate func(*core.WebhookEndpointRecord) error) (core.WebhookEndpointRecord, error) {
	return updateRow(ctx, s, rowUpdate[core.WebhookEndpointRecord]{what: "update webhook endpoint", get: webhookEndpointGet,
		update: webhookEndpointUpdate, scan: scanWebhookEndpoint, values: webhookEndpointValues}, orgID, id, mutate)
}

// DeleteWebhookEndpoint marks orgID's endpoint id deleted at t and forgets its secrets;
// core.ErrNotFound when there is no such endpoint. The row stays for the history of its
// deliveries, but no read of the Store returns it again.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, orgID, id string, t time.Time) error {
	res, err := s.writer.ExecContext(ctx,
		`UPDATE webhook_endpoints SET deleted_at = $1, updated_at = $2, secret = '', previous_secret = ''
		WHERE id = $3 AND organization_id = $4 AND deleted_at IS NULL`,
		dbTime(t), dbTime(t), id, orgID)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	if n == 0 {
		return core.ErrNotFound
	}
	return nil
}
