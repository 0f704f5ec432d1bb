package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// QueuedOrganizations returns the organizations that have queued calls, in id order.
func (s *Store) QueuedOrganizations(ctx context.Context) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT DISTINCT organization_id FROM calls WHERE status = 'queued' ORDER BY organization_id`)
	if err != nil {
		return nil, fmt.Errorf("queued organizations: %w", err)
	}
	defer rows.Close()
	var orgs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("queued organizations: %w", err)
		}
		orgs = append(orgs, id)
	}
	return orgs, rows.Err()
}

// CallsInProgress returns orgID's answered calls that have not ended, oldest first.
func (s *Store) CallsInProgress(ctx context.Context, orgID string) ([]dialtone.Call, error) {
	return queryCalls(ctx, s.reader, `SELECT `+callColumns+` FROM calls
		WHERE organization_id = $1 AND status = 'in_progress' ORDER BY seq`, orgID)
}

func queryCalls(ctx context.Context, db querier, query string, args ...any) ([]dialtone.Call, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query calls: %w", err)
	}
	defer rows.Close()
	var calls []dialtone.Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, fmt.Errorf("query calls: %w", err)
		}
		calls = append(calls, c)
	}
	return calls, rows.Err()
}

// CallUsage sums orgID's calls that ended in [from, to) by UTC day or by agent (see
// core.Store). Deleted calls count: their billing records stay.
func (s *Store) CallUsage(ctx context.Context, orgID string, from, to time.Time, groupBy string) ([]core.UsageGroup, error) {
	key := "COALESCE(agent_id, '')"
	if groupBy == "day" {
		key = s.dialect.utcDay("ended_at")
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+key+` AS k, COUNT(*), COALESCE(SUM(duration_seconds), 0),
		COALESCE(SUM(cost_micros), 0) FROM calls
		WHERE organization_id = $1 AND ended_at >= $2 AND ended_at < $3
		GROUP BY k ORDER BY k`, orgID, dbTime(from), dbTime(to))
	if err != nil {
		return nil, fmt.Errorf("call usage: %w", err)
	}
	defer rows.Close()
	var groups []core.UsageGroup
	for rows.Next() {
		var g core.UsageGroup
		if err := rows.Scan(&g.Key, &g.Calls, &g.DurationSeconds, &g.CostMicros); err != nil {
			return nil, fmt.Errorf("call usage: %w", err)
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// ListObjectEvents returns orgID's events about objectID, oldest first.
func (s *Store) ListObjectEvents(ctx context.Context, orgID, objectID string) ([]dialtone.Event, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, type, object_id, data, created_at FROM events
		WHERE organization_id = $1 AND object_id = $2 ORDER BY seq`, orgID, objectID)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var events []dialtone.Event
	for rows.Next() {
		ev := dialtone.Event{Object: "event"}
		var data sql.RawBytes
		var created timestamp
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.ObjectID, &data, &created); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		ev.Data.Object = json.RawMessage(append([]byte(nil), data...))
		ev.CreatedAt = created.Time
		events = append(events, ev)
	}
	return events, rows.Err()
}
