-- Monthly number rentals (PostgreSQL). Keep in step with migrations/sqlite/00006_number_rentals.sql.
-- paid_through is the end of the period a number's last rental charge paid for; the first
-- month is charged when the number is provisioned, later months by the rental sweep. Numbers
-- provisioned before this migration have NULL: paid for their first month only, which the sweep
-- turns into created_at + 1 month without charging (see sqlstore.ChargeRentals).

-- +goose Up
ALTER TABLE phone_numbers ADD COLUMN paid_through TIMESTAMPTZ;
CREATE INDEX phone_numbers_paid_through ON phone_numbers (paid_through) WHERE released_at IS NULL;

-- +goose Down
DROP INDEX phone_numbers_paid_through;
ALTER TABLE phone_numbers DROP COLUMN paid_through;
