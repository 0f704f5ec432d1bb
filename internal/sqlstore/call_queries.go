package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
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

// Heartbeat records that node is alive at t.
func (s *Store) Heartbeat(ctx context.Context, node string, t time.Time) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO nodes (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, dbTime(t))
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// OrphanedCalls returns the live calls whose node was last seen before staleBefore, or never.
func (s *Store) OrphanedCalls(ctx context.Context, staleBefore time.Time) ([]core.OrphanedCall, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+callColumns+`,
		(SELECT seen_at FROM nodes WHERE nodes.id = calls.node_id)
		FROM calls WHERE status IN `+callLiveStatuses+` AND NOT EXISTS
		(SELECT 1 FROM nodes WHERE nodes.id = calls.node_id AND nodes.seen_at >= $1) ORDER BY seq`,
		dbTime(staleBefore))
	if err != nil {
		return nil, fmt.Errorf("orphaned calls: %w", err)
	}
	defer rows.Close()
	var out []core.OrphanedCall
	for rows.Next() {
		var seen timestamp
		c, err := scanCall(suffixed{rows, &seen})
		if err != nil {
			return nil, fmt.Errorf("orphaned calls: %w", err)
		}
		out = append(out, core.OrphanedCall{Call: c, LastSeen: seen.Time})
	}
	return out, rows.Err()
}

// suffixed scans the columns the wrapped scanner's caller expects, then one more into last.
type suffixed struct {
	r    rowScanner
	last any
}

func (s suffixed) Scan(dest ...any) error { return s.r.Scan(append(dest, s.last)...) }

// EndedCalls returns which of ids are calls in a terminal status.
func (s *Store) EndedCalls(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var w where
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, "?"
	}
	w = w.and("id IN ("+strings.Join(marks, ", ")+")", args...).
		and("status NOT IN ('queued', 'dialing', 'ringing', 'in_progress')")
	cond, params := w.render()
	rows, err := s.reader.QueryContext(ctx, `SELECT id FROM calls WHERE `+cond, params...)
	if err != nil {
		return nil, fmt.Errorf("ended calls: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("ended calls: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// InsertEvents stores events of orgID that change no object (see core.Store).
func (s *Store) InsertEvents(ctx context.Context, orgID string, events []dialtone.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.storeEffects(ctx, tx, orgID, core.Effects{Events: events})
	})
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}
