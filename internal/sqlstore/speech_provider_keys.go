package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// ListSpeechProviderKeys returns orgID's speech provider keys, ordered by provider name; none
// for an organization that never set one (or an unknown organization). Secrets are returned
// sealed, as stored.
func (s *Store) ListSpeechProviderKeys(ctx context.Context, orgID string) ([]core.SpeechProviderSecret, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT provider, secret, base_url, updated_at FROM speech_provider_keys
		 WHERE organization_id = $1 ORDER BY provider`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list speech provider keys: %w", err)
	}
	defer rows.Close()
	var keys []core.SpeechProviderSecret
	for rows.Next() {
		var k core.SpeechProviderSecret
		var updated timestamp
		if err := rows.Scan(&k.Provider, &k.Secret, &k.BaseURL, &updated); err != nil {
			return nil, fmt.Errorf("list speech provider keys: %w", err)
		}
		k.UpdatedAt = updated.Time
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list speech provider keys: %w", err)
	}
	return keys, nil
}

// PutSpeechProviderKeys stores the keys of set (inserting or replacing each provider's) and
// deletes those of the providers in remove, for orgID, in one transaction: all of it happens
// or none. Each key's UpdatedAt must be set; it is stored in UTC, to the microsecond. An
// unknown organization fails with an ordinary (wrapped) error.
func (s *Store) PutSpeechProviderKeys(ctx context.Context, orgID string, set []core.SpeechProviderSecret, remove []dialtone.SpeechProviderName) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, p := range remove {
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM speech_provider_keys WHERE organization_id = $1 AND provider = $2`, orgID, string(p)); err != nil {
				return err
			}
		}
		for _, k := range set {
			if k.UpdatedAt.IsZero() {
				return fmt.Errorf("the %s key has no UpdatedAt", k.Provider)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO speech_provider_keys (organization_id, provider, secret, base_url, updated_at)
				 VALUES ($1, $2, $3, $4, $5)
				 ON CONFLICT (organization_id, provider) DO UPDATE SET secret = excluded.secret,
				 base_url = excluded.base_url, updated_at = excluded.updated_at`,
				orgID, string(k.Provider), k.Secret, k.BaseURL, dbTime(k.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put speech provider keys: %w", err)
	}
	return nil
}
