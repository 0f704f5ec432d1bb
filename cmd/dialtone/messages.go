package main

import (
	"fmt"
	"iter"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newMessagesCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "messages", Short: "Send, list and read text messages through the API of a running server"}
	f.bind(cmd)
	cmd.AddCommand(newMessagesSendCommand(&f), newMessagesListCommand(&f), newMessagesGetCommand(&f))
	return cmd
}

func newMessagesSendCommand(f *apiFlags) *cobra.Command {
	var to, body, from, agent string
	var metadata []string
	cmd := &cobra.Command{
		Use:   "send --to +1… --body TEXT (--from NUMBER | --agent AGENT_ID)",
		Short: "Send a text message (it waits in queued for its number's send slot)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			params := dialtone.MessageParams{ToNumber: some(to), Body: some(body), FromNumber: some(from), AgentID: some(agent)}
			var err error
			if params.Metadata, err = pairsParam("metadata", metadata); err != nil {
				return err
			}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Messages.Send(cmd.Context(), params)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&to, "to", "", "E.164 number to text, e.g. +12125550100 (required)")
	fl.StringVar(&body, "body", "", "text of the message, at most 1600 characters (required)")
	fl.StringVar(&from, "from", "", "sender: one of the organization's SMS numbers, E.164 (this or --agent is required)")
	fl.StringVar(&agent, "agent", "", "send from this agent's oldest SMS number, or check that --from is attached to it (this or --from is required)")
	fl.StringArrayVar(&metadata, "metadata", nil, "metadata stored with the message, key=value (repeatable)")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.MarkFlagRequired("body")
	cmd.MarkFlagsOneRequired("from", "agent")
	return cmd
}

func newMessagesListCommand(f *apiFlags) *cobra.Command {
	var conversation, status, direction string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List text messages, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every message) or more; got %d", limit)
			}
			p := &client.MessageListParams{ConversationID: conversation, Status: dialtone.MessageStatus(status),
				Direction: dialtone.MessageDirection(direction), Limit: pageSize(limit)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return collect(c.Messages.All(cmd.Context(), p), limit)
			})
		},
	}
	cmd.Flags().StringVar(&conversation, "conversation", "", "only messages of this conversation (conv_…)")
	cmd.Flags().StringVar(&status, "status", "", "only messages in this status (queued, sending, sent, delivered, failed, undelivered, received)")
	cmd.Flags().StringVar(&direction, "direction", "", "only inbound or outbound messages")
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many messages; 0 shows every message")
	return cmd
}

func newMessagesGetCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get MESSAGE_ID",
		Short: "Show a text message",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Messages.Get(cmd.Context(), args[0])
			})
		},
	}
}

func newConversationsCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "conversations", Short: "List and read text conversations through the API of a running server"}
	f.bind(cmd)
	cmd.AddCommand(newConversationsListCommand(&f), newConversationsGetCommand(&f), newConversationsMessagesCommand(&f))
	return cmd
}

func newConversationsListCommand(f *apiFlags) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List conversations, the most recent activity first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every conversation) or more; got %d", limit)
			}
			p := &client.ListParams{Limit: pageSize(limit)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return collect(c.Conversations.All(cmd.Context(), p), limit)
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many conversations; 0 shows every conversation")
	return cmd
}

func newConversationsGetCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get CONVERSATION_ID",
		Short: "Show a conversation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Conversations.Get(cmd.Context(), args[0])
			})
		},
	}
}

func newConversationsMessagesCommand(f *apiFlags) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "messages CONVERSATION_ID",
		Short: "List a conversation's messages, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every message) or more; got %d", limit)
			}
			p := &client.ListParams{Limit: pageSize(limit)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return collect(c.Conversations.AllMessages(cmd.Context(), args[0], p), limit)
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many messages; 0 shows every message")
	return cmd
}

func newSandboxCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "sandbox", Short: "Simulate the outside world of the sandbox carrier on a running server"}
	f.bind(cmd)
	cmd.AddCommand(newSandboxTextCommand(&f))
	return cmd
}

func newSandboxTextCommand(f *apiFlags) *cobra.Command {
	var from, to, body string
	cmd := &cobra.Command{
		Use:   "text --from +1… --to YOUR_SANDBOX_NUMBER --body TEXT",
		Short: "Make a simulated person text one of your sandbox numbers; prints the inbound message",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			params := dialtone.SandboxMessageParams{From: some(from), To: some(to), Body: some(body)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Sandbox.Text(cmd.Context(), params)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "E.164 number of the simulated person, e.g. +12125550150 (required)")
	fl.StringVar(&to, "to", "", "one of the organization's sandbox numbers, E.164 (required)")
	fl.StringVar(&body, "body", "", "text the person sends, at most 1600 characters; STOP, START and HELP are keywords (required)")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.MarkFlagRequired("body")
	return cmd
}

// pageSize is the page size to fetch for a list that shows at most limit items (0: every
// item): the largest page the API allows, or limit when it is smaller.
func pageSize(limit int) int {
	if limit > 0 {
		return min(limit, dialtone.MaxListLimit)
	}
	return dialtone.MaxListLimit
}

// collect gathers the items of seq, stopping after limit of them (0: every item); it stops at
// the first error and returns it. The result is never nil, so that it prints as [].
func collect[T any](seq iter.Seq2[T, error], limit int) ([]T, error) {
	items := []T{}
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		items = append(items, item)
		if len(items) == limit {
			break
		}
	}
	return items, nil
}
