-- Agents' brain secrets (an OpenAI-compatible endpoint's API key), sealed with AES-256-GCM by
-- internal/secretbox; '' for none. Keep in step with migrations/sqlite/00008_brain_secrets.sql.

-- +goose Up
ALTER TABLE agents ADD COLUMN brain_secret TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE agents DROP COLUMN brain_secret;
