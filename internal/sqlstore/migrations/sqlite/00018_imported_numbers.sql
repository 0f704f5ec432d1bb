-- Imported numbers (SQLite): the bring-your-own carrier account a number belongs to. The
-- account's auth token is sealed with AES-256-GCM by internal/secretbox; '' for provisioned
-- numbers. Keep in step with migrations/postgres/00018_imported_numbers.sql.

-- +goose Up
ALTER TABLE phone_numbers ADD COLUMN carrier_account_sid TEXT;
ALTER TABLE phone_numbers ADD COLUMN carrier_number_sid TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN carrier_secret TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE phone_numbers DROP COLUMN carrier_secret;
ALTER TABLE phone_numbers DROP COLUMN carrier_number_sid;
ALTER TABLE phone_numbers DROP COLUMN carrier_account_sid;
