-- Leads a calling window deferred (sqlite): when the dialer moves a pending lead's next attempt to
-- its window's next opening, deferred_from keeps when the attempt was due before that, so a
-- change of the campaign's schedule can put it back for the dialer to judge again. NULL for a
-- lead no window deferred. Keep in step with migrations/postgres/00022_lead_window_deferrals.sql.

-- +goose Up
ALTER TABLE leads ADD COLUMN deferred_from TIMESTAMP;

-- +goose Down
ALTER TABLE leads DROP COLUMN deferred_from;
