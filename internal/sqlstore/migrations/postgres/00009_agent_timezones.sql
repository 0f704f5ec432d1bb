-- Agents' time zones (IANA names), for the date and time in their prompts. Keep in step with
-- migrations/sqlite/00009_agent_timezones.sql.

-- +goose Up
ALTER TABLE agents ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE agents DROP COLUMN timezone;
