package main

import (
	"context"
	"fmt"

	"github.com/dialtonehq/dialtone/internal/config"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
)

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg *config.Config) (*sqlstore.Store, error) {
	if err := cfg.ValidateStorage(); err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, sqlstore.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, nil
}
