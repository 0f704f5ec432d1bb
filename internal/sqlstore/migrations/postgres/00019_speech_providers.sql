-- Speech providers (postgres): an agent's cloud speech settings and its own provider keys, and each
-- organization's provider keys. Keys are sealed with AES-256-GCM by internal/secretbox and
-- never stored in the clear. Keep in step with migrations/sqlite/00019_speech_providers.sql.

-- +goose Up
ALTER TABLE agents ADD COLUMN speech TEXT NOT NULL DEFAULT ''; -- JSON dialtone.Speech without keys; '' for none
ALTER TABLE agents ADD COLUMN speech_secrets TEXT NOT NULL DEFAULT ''; -- sealed JSON {"stt.0": key, …}; '' for none

CREATE TABLE speech_provider_keys (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    provider        TEXT NOT NULL, -- deepgram, openai or elevenlabs
    secret          TEXT NOT NULL, -- the API key, sealed; '' for none (openai with a base_url)
    base_url        TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, provider)
);

-- +goose Down
DROP TABLE speech_provider_keys;
ALTER TABLE agents DROP COLUMN speech_secrets;
ALTER TABLE agents DROP COLUMN speech;
