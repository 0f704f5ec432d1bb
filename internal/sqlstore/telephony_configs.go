package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dialtonehq/dialtone"
)

// telephonyConfigUpsert stores an organization's whole config, replacing the one it had. The
// upsert is one statement, atomic on both engines, so concurrent puts leave one of them whole.
const telephonyConfigUpsert = `INSERT INTO telephony_configs (organization_id, allowed_countries,
	allowed_prefixes, block_premium_rate, updated_at, sms_help_text)
	VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (organization_id) DO UPDATE SET allowed_countries = excluded.allowed_countries,
	allowed_prefixes = excluded.allowed_prefixes, block_premium_rate = excluded.block_premium_rate,
	updated_at = excluded.updated_at, sms_help_text = excluded.sms_help_text`

// GetTelephonyConfig returns orgID's stored telephony config and true, or a zero config and
// false when the organization never stored one (also for an unknown organization). Nil lists
// are returned empty. A config stored before messaging existed has the SMSHelpText
// dialtone.DefaultSMSHelpText (the column's default, see 00017_messaging.sql).
func (s *Store) GetTelephonyConfig(ctx context.Context, orgID string) (dialtone.TelephonyConfig, bool, error) {
	cfg := dialtone.TelephonyConfig{Object: "telephony_config"}
	var countries, prefixes string
	var updated timestamp
	err := s.reader.QueryRowContext(ctx,
		`SELECT allowed_countries, allowed_prefixes, block_premium_rate, updated_at, sms_help_text
		 FROM telephony_configs WHERE organization_id = $1`, orgID,
	).Scan(&countries, &prefixes, &cfg.BlockPremiumRate, &updated, &cfg.SMSHelpText)
	if errors.Is(err, sql.ErrNoRows) {
		return dialtone.TelephonyConfig{}, false, nil
	}
	if err != nil {
		return dialtone.TelephonyConfig{}, false, fmt.Errorf("get telephony config: %w", err)
	}
	if err := errors.Join(
		fromJSONText(countries, "allowed_countries", &cfg.AllowedCountries),
		fromJSONText(prefixes, "allowed_prefixes", &cfg.AllowedPrefixes),
	); err != nil {
		return dialtone.TelephonyConfig{}, false, fmt.Errorf("telephony config of %s: %w", orgID, err)
	}
	if cfg.AllowedCountries == nil {
		cfg.AllowedCountries = []string{}
	}
	if cfg.AllowedPrefixes == nil {
		cfg.AllowedPrefixes = []string{}
	}
	cfg.UpdatedAt = updated.ptr()
	return cfg, true, nil
}

// PutTelephonyConfig stores cfg as orgID's whole telephony config, inserting it or replacing
// the one stored. cfg.UpdatedAt must be set (the store does not set it); it is stored in UTC,
// to the microsecond. Object is not stored. An unknown organization fails with an ordinary
// (wrapped) error.
func (s *Store) PutTelephonyConfig(ctx context.Context, orgID string, cfg dialtone.TelephonyConfig) error {
	if cfg.UpdatedAt == nil {
		return errors.New("put telephony config: UpdatedAt is not set")
	}
	countries, prefixes := cfg.AllowedCountries, cfg.AllowedPrefixes
	if countries == nil {
		countries = []string{}
	}
	if prefixes == nil {
		prefixes = []string{}
	}
	countriesText, err := jsonText(countries)
	if err != nil {
		return fmt.Errorf("put telephony config: %w", err)
	}
	prefixesText, err := jsonText(prefixes)
	if err != nil {
		return fmt.Errorf("put telephony config: %w", err)
	}
	if _, err := s.writer.ExecContext(ctx, telephonyConfigUpsert,
		orgID, countriesText, prefixesText, cfg.BlockPremiumRate, dbTime(*cfg.UpdatedAt), cfg.SMSHelpText); err != nil {
		return fmt.Errorf("put telephony config: %w", err)
	}
	return nil
}
