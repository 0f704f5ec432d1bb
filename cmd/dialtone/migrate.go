package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone/internal/config"
)

func newMigrateCommand() *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit (serve also does this on start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd.Context(), &cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "database (%s) is up to date\n", st.Dialect())
			return nil
		},
	}
	config.BindStorage(cmd.Flags(), &cfg)
	return cmd
}
