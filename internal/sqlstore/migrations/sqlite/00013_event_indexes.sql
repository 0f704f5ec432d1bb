-- Indexes of the events API and of the event retention sweep. Keep in step with
-- migrations/postgres/00013_event_indexes.sql.

-- +goose Up
-- GET /v1/events?type=…: an organization's events of one type, newest first.
CREATE INDEX events_organization_type ON events (organization_id, type, seq);
-- The retention sweep deletes events by age.
CREATE INDEX events_created ON events (created_at);

-- +goose Down
DROP INDEX events_created;
DROP INDEX events_organization_type;
