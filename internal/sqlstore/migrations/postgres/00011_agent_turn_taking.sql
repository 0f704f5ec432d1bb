-- Agents' turn-taking settings (JSON); '{}' reads as the defaults. Keep in step with
-- migrations/sqlite/00011_agent_turn_taking.sql.

-- +goose Up
ALTER TABLE agents ADD COLUMN turn_taking TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE agents DROP COLUMN turn_taking;
