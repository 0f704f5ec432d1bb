package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/config"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

func newKeysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage API keys directly in the configured database"}
	keys.AddCommand(newKeysCreateCommand(), newKeysListCommand(), newKeysRevokeCommand())
	return keys
}

func newKeysCreateCommand() *cobra.Command {
	var (
		cfg               config.Config
		role, org, newOrg string
		name              string
		operator          bool
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; the credential key_id:key_secret is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := dialtone.Role(role)
			if !r.Valid() {
				return fmt.Errorf("--role must be admin, write or read, not %q", role)
			}
			if (org == "") == (newOrg == "") {
				return errors.New("give exactly one of --org ORG_ID and --new-org NAME")
			}
			st, err := openStore(cmd.Context(), &cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := core.New(st, sandbox.Voices{}, core.Options{})
			var key core.KeyRecord
			if newOrg != "" {
				if err := core.ValidateOrganizationParams(dialtone.OrganizationParams{Name: dialtone.Some(newOrg)}).Err(); err != nil {
					return err
				}
				var o dialtone.Organization
				o, key = svc.Organizations.New(newOrg, name, r, operator)
				if err := st.CreateOrganization(cmd.Context(), o, key); err != nil {
					return err
				}
				org = o.ID
				fmt.Fprintf(cmd.OutOrStdout(), "created organization %s (%s)\n", o.ID, o.Name)
			} else {
				if _, err := st.GetOrganization(cmd.Context(), org); errors.Is(err, core.ErrNotFound) {
					return fmt.Errorf("no organization %s", org)
				} else if err != nil {
					return err
				}
				key = svc.Keys.NewKey(org, name, r, operator)
				if err := st.InsertKey(cmd.Context(), key); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s key %s in %s; the secret is shown only this once\n", r, key.ID, org)
			fmt.Fprintln(cmd.OutOrStdout(), key.Credential)
			return nil
		},
	}
	config.BindStorage(cmd.Flags(), &cfg)
	cmd.Flags().StringVar(&role, "role", "admin", "role of the key: admin, write or read")
	cmd.Flags().StringVar(&org, "org", "", "organization id the key belongs to")
	cmd.Flags().StringVar(&newOrg, "new-org", "", "create a new organization with this name for the key")
	cmd.Flags().StringVar(&name, "name", "", "a name to recognise the key by")
	cmd.Flags().BoolVar(&operator, "operator", false, "let the key create organizations")
	return cmd
}

func newKeysListCommand() *cobra.Command {
	var cfg config.Config
	var org string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List live API keys (of every organization, or of --org)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd.Context(), &cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tORGANIZATION\tROLE\tOPERATOR\tNAME\tSECRET\tCREATED")
			lp := dialtone.ListParams{Limit: dialtone.MaxListLimit}
			for {
				page, more, err := st.ListKeys(cmd.Context(), org, lp)
				if err != nil {
					return err
				}
				for _, k := range page {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\t%s\n", k.ID, k.OrganizationID, k.Role, k.Operator,
						k.Name, k.SecretHint, k.CreatedAt.Format("2006-01-02 15:04:05Z"))
				}
				if !more || len(page) == 0 {
					break
				}
				lp.StartingAfter = page[len(page)-1].ID
			}
			return tw.Flush()
		},
	}
	config.BindStorage(cmd.Flags(), &cfg)
	cmd.Flags().StringVar(&org, "org", "", "only this organization's keys")
	return cmd
}

func newKeysRevokeCommand() *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke an API key; it stops working on its next request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd.Context(), &cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			k, err := st.GetKey(cmd.Context(), args[0])
			if errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("no live key %s", args[0])
			} else if err != nil {
				return err
			}
			if err := st.RevokeKey(cmd.Context(), k.OrganizationID, k.ID, time.Now().UTC()); err != nil {
				if errors.Is(err, core.ErrLastAdmin) {
					return fmt.Errorf("%s is the last admin key of %s; create another admin key first", k.ID, k.OrganizationID)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", k.ID)
			return nil
		},
	}
	config.BindStorage(cmd.Flags(), &cfg)
	return cmd
}
