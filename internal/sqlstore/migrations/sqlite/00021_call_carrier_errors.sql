-- Why the carrier refused to place a call (sqlite): the JSON of dialtone.CarrierError, NULL for
-- calls it did not refuse. Keep in step with migrations/postgres/00021_call_carrier_errors.sql.

-- +goose Up
ALTER TABLE calls ADD COLUMN carrier_error TEXT;

-- +goose Down
ALTER TABLE calls DROP COLUMN carrier_error;
