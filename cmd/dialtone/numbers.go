package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newNumbersCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "numbers", Short: "Manage phone numbers through the API of a running server"}
	f.bind(cmd)

	var country, areaCode, agent, carrier string
	createCmd := &cobra.Command{
		Use:   "create",
		Short: "Provision a phone number",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				create := dialtone.PhoneNumberCreateParams{Country: some(country), AreaCode: some(areaCode), AgentID: some(agent), Carrier: some(carrier)}
				return c.PhoneNumbers.Create(cmd.Context(), create)
			})
		},
	}
	createCmd.Flags().StringVar(&country, "country", "", "ISO 3166-1 alpha-2 country (default US)")
	createCmd.Flags().StringVar(&areaCode, "area-code", "", "area code, e.g. 415")
	createCmd.Flags().StringVar(&agent, "agent", "", "agent id to attach the number to")
	createCmd.Flags().StringVar(&carrier, "carrier", "", "carrier (default sandbox)")

	var number, sid, importAgent string
	importCmd := &cobra.Command{
		Use:   "import",
		Short: "Import a number from your Twilio account (the auth token comes from TWILIO_AUTH_TOKEN)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token := os.Getenv("TWILIO_AUTH_TOKEN")
			if token == "" {
				return errors.New("set TWILIO_AUTH_TOKEN to the account's auth token (an environment variable: flags show in ps)")
			}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.PhoneNumbers.Import(cmd.Context(), dialtone.PhoneNumberImportParams{
					PhoneNumber: some(number), Carrier: dialtone.Some("twilio"), TwilioAccountSID: some(sid),
					TwilioAuthToken: dialtone.Some(token), AgentID: some(importAgent)})
			})
		},
	}
	importCmd.Flags().StringVar(&number, "number", "", "the number to import, E.164 (+14155550123)")
	importCmd.Flags().StringVar(&sid, "twilio-account-sid", os.Getenv("TWILIO_ACCOUNT_SID"), "the Twilio account SID, AC… (default $TWILIO_ACCOUNT_SID)")
	importCmd.Flags().StringVar(&importAgent, "agent", "", "agent id to attach the number to")

	var listAgent string
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List phone numbers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				nums := []dialtone.PhoneNumber{}
				for n, err := range c.PhoneNumbers.All(cmd.Context(), &client.ListParams{AgentID: listAgent, Limit: dialtone.MaxListLimit}) {
					if err != nil {
						return nil, err
					}
					nums = append(nums, n)
				}
				return nums, nil
			})
		},
	}
	listCmd.Flags().StringVar(&listAgent, "agent", "", "only numbers attached to this agent")

	getCmd := &cobra.Command{
		Use:   "get NUMBER_ID",
		Short: "Show a phone number",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.PhoneNumbers.Get(cmd.Context(), args[0])
			})
		},
	}

	var attach string
	var detach bool
	updateCmd := &cobra.Command{
		Use:   "update NUMBER_ID",
		Short: "Attach a number to an agent (--agent) or detach it (--detach)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				var params dialtone.PhoneNumberUpdateParams
				switch {
				case detach:
					params.AgentID = dialtone.Null[string]()
				case attach != "":
					params.AgentID = dialtone.Some(attach)
				}
				return c.PhoneNumbers.Update(cmd.Context(), args[0], params)
			})
		},
	}
	updateCmd.Flags().StringVar(&attach, "agent", "", "attach the number to this agent")
	updateCmd.Flags().BoolVar(&detach, "detach", false, "detach the number from its agent")
	updateCmd.MarkFlagsMutuallyExclusive("agent", "detach")

	releaseCmd := &cobra.Command{
		Use:   "release NUMBER_ID",
		Short: "Release a phone number back to its carrier",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.PhoneNumbers.Release(cmd.Context(), args[0])
			})
		},
	}
	cmd.AddCommand(createCmd, importCmd, listCmd, getCmd, updateCmd, releaseCmd)
	return cmd
}

// some returns an Optional holding s, or an absent one for "".
func some(s string) dialtone.Optional[string] {
	if s == "" {
		return dialtone.Optional[string]{}
	}
	return dialtone.Some(s)
}
