package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
)

// eventColumns is the select list scanEvent reads.
const eventColumns = `id, type, object_id, agent_id, data, created_at`

// scanEvent reads one row of eventColumns.
func scanEvent(row rowScanner) (dialtone.Event, error) {
	ev := dialtone.Event{Object: "event"}
	var data []byte
	var agentID sql.NullString
	var created timestamp
	if err := row.Scan(&ev.ID, &ev.Type, &ev.ObjectID, &agentID, &data, &created); err != nil {
		return dialtone.Event{}, err
	}
	ev.AgentID = agentID.String
	ev.Data.Object = json.RawMessage(data)
	ev.CreatedAt = created.Time
	return ev, nil
}

// GetEvent returns orgID's event id; core.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, orgID, id string) (dialtone.Event, error) {
	ev, err := scanEvent(s.reader.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE id = $1 AND organization_id = $2`, id, orgID))
	return found(ev, err, "get event")
}

// ListEvents returns a page of orgID's events matching f, newest first. A cursor must name
// an event of orgID (it need not match f), else core.ErrBadCursor.
func (s *Store) ListEvents(ctx context.Context, orgID string, f dialtone.EventFilter, lp dialtone.ListParams) ([]dialtone.Event, bool, error) {
	var filter where
	if f.Type != "" {
		filter = filter.and("type = ?", f.Type)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Event]{
		what:    "list events",
		table:   "events",
		columns: eventColumns,
		scope:   where{}.and("organization_id = ?", orgID),
		filter:  filter,
		scan:    scanEvent,
	}, lp)
}

// DeleteEventsBefore deletes at most limit of the oldest events created before t, of every
// organization, and returns how many it deleted.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int64, error) {
	return s.deleteOldest(ctx, "events", t, limit)
}

// deleteOldest deletes at most limit of the oldest rows of table (which has seq and
// created_at columns) created before t, and returns how many it deleted.
func (s *Store) deleteOldest(ctx context.Context, table string, t time.Time, limit int) (int64, error) {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM `+table+` WHERE seq IN
		(SELECT seq FROM `+table+` WHERE created_at < $1 ORDER BY seq LIMIT $2)`, dbTime(t), limit)
	if err != nil {
		return 0, fmt.Errorf("delete old %s: %w", table, err)
	}
	return res.RowsAffected()
}
