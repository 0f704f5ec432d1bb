package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// webhookRoutes returns orgID's endpoints that are not deleted, through q (the transaction
// storing events, or the reader).
func webhookRoutes(ctx context.Context, q querier, orgID string) ([]core.WebhookRoute, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, agent_id, events, enabled FROM webhook_endpoints
		WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY seq`, orgID)
	if err != nil {
		return nil, fmt.Errorf("webhook routes: %w", err)
	}
	defer rows.Close()
	var out []core.WebhookRoute
	for rows.Next() {
		var r core.WebhookRoute
		var agentID sql.NullString
		var events string
		if err := rows.Scan(&r.ID, &agentID, &events, &r.Enabled); err != nil {
			return nil, fmt.Errorf("webhook routes: %w", err)
		}
		if err := fromJSONText(events, "events", &r.Events); err != nil {
			return nil, fmt.Errorf("webhook endpoint %s: %w", r.ID, err)
		}
		r.AgentID = agentID.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// WebhookRoutes returns orgID's endpoints that are not deleted, as routing sees them.
func (s *Store) WebhookRoutes(ctx context.Context, orgID string) ([]core.WebhookRoute, error) {
	return webhookRoutes(ctx, s.reader, orgID)
}

// enqueueEventDeliveries inserts, in tx, a delivery job for every endpoint of orgID that
// receives each of events (core.WebhookRecipients).
func (s *Store) enqueueEventDeliveries(ctx context.Context, tx *sql.Tx, orgID string, events []dialtone.Event) error {
	if len(events) == 0 {
		return nil
	}
	routes, err := webhookRoutes(ctx, tx, orgID)
	if err != nil || len(routes) == 0 {
		return err
	}
	var jobs []core.WebhookDeliveryJob
	for _, ev := range events {
		for _, id := range core.WebhookRecipients(routes, ev) {
			jobs = append(jobs, core.WebhookDeliveryJob{OrganizationID: orgID, EventID: ev.ID, EndpointID: id})
		}
	}
	return s.insertDeliveryJobs(ctx, tx, jobs)
}

// insertDeliveryJobs inserts jobs in tx.
func (s *Store) insertDeliveryJobs(ctx context.Context, tx *sql.Tx, jobs []core.WebhookDeliveryJob) error {
	if len(jobs) == 0 {
		return nil
	}
	opts := &river.InsertOpts{Queue: core.QueueWebhooks, MaxAttempts: core.WebhookMaxAttempts}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j, InsertOpts: opts}
	}
	if _, err := s.jobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("insert webhook delivery jobs: %w", err)
	}
	return nil
}

// EnqueueWebhookDeliveries inserts a delivery job for each of jobs, in one transaction.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, jobs []core.WebhookDeliveryJob) error {
	if len(jobs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.insertDeliveryJobs(ctx, tx, jobs) })
}

// webhookDeliveryColumns is the select list scanWebhookDelivery reads.
const webhookDeliveryColumns = `id, endpoint_id, event_id, event_type, attempt, outcome, status_code,
	latency_ms, error, next_retry_at, created_at`

func scanWebhookDelivery(r rowScanner) (dialtone.WebhookDelivery, error) {
	d := dialtone.WebhookDelivery{Object: "webhook_delivery"}
	var status sql.NullInt64
	var errText sql.NullString
	var next, created timestamp
	if err := r.Scan(&d.ID, &d.WebhookEndpointID, &d.EventID, &d.EventType, &d.Attempt, &d.Outcome,
		&status, &d.LatencyMS, &errText, &next, &created); err != nil {
		return dialtone.WebhookDelivery{}, err
	}
	if status.Valid {
		code := int(status.Int64)
		d.StatusCode = &code
	}
	if errText.Valid {
		d.Error = &errText.String
	}
	d.NextRetryAt = next.ptr()
	d.CreatedAt = created.Time
	return d, nil
}

// RecordWebhookDelivery stores attempt d of orgID and updates its endpoint's health in the
// same transaction (see core.Store). An endpoint deleted meanwhile keeps its log; its health
// no longer matters.
func (s *Store) RecordWebhookDelivery(ctx context.Context, orgID string, d dialtone.WebhookDelivery, health core.WebhookHealth) error {
	var status any
	if d.StatusCode != nil {
		status = *d.StatusCode
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, organization_id, endpoint_id,
			event_id, event_type, attempt, outcome, status_code, latency_ms, error, next_retry_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			d.ID, orgID, d.WebhookEndpointID, d.EventID, d.EventType, d.Attempt, d.Outcome, status,
			d.LatencyMS, nullString(d.Error), dbNullTime(d.NextRetryAt), dbTime(d.CreatedAt)); err != nil {
			return err
		}
		if health == nil {
			return nil
		}
		if d.Outcome == dialtone.DeliveryDelivered {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = NULL
				WHERE id = $1 AND organization_id = $2 AND failing_since IS NOT NULL`, d.WebhookEndpointID, orgID)
			return err
		}
		var since timestamp
		err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1)
			WHERE id = $2 AND organization_id = $3 AND deleted_at IS NULL AND enabled
			RETURNING failing_since`, dbTime(d.CreatedAt), d.WebhookEndpointID, orgID).Scan(&since)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // deleted or disabled meanwhile
		}
		if err != nil {
			return err
		}
		reason := health(since.Time)
		if reason == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1,
			failing_since = NULL, updated_at = $2 WHERE id = $3 AND organization_id = $4`,
			reason, dbTime(d.CreatedAt), d.WebhookEndpointID, orgID)
		return err
	})
	if err != nil {
		return fmt.Errorf("record webhook delivery: %w", err)
	}
	return nil
}

// ListWebhookDeliveries returns a page of the attempts of orgID's endpoint endpointID, newest
// first, and whether more follow; a cursor must name one of them, else core.ErrBadCursor.
func (s *Store) ListWebhookDeliveries(ctx context.Context, orgID, endpointID string, lp dialtone.ListParams) ([]dialtone.WebhookDelivery, bool, error) {
	return listPage(ctx, s.reader, listSpec[dialtone.WebhookDelivery]{
		what:    "list webhook deliveries",
		table:   "webhook_deliveries",
		columns: webhookDeliveryColumns,
		scope:   where{}.and("endpoint_id = ?", endpointID).and("organization_id = ?", orgID),
		scan:    scanWebhookDelivery,
	}, lp)
}

// DeleteWebhookDeliveriesBefore deletes at most limit of the oldest attempts made before t, of
// every organization, and returns how many it deleted.
func (s *Store) DeleteWebhookDeliveriesBefore(ctx context.Context, t time.Time, limit int) (int64, error) {
	return s.deleteOldest(ctx, "webhook_deliveries", t, limit)
}
