package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newCallsCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "calls", Short: "Place, list and hang up calls through the API of a running server"}
	f.bind(cmd)
	cmd.AddCommand(newCallsCreateCommand(&f), newCallsListCommand(&f), newCallsGetCommand(&f), newCallsHangupCommand(&f),
		newCallsWatchCommand(&f))
	return cmd
}

func newCallsCreateCommand(f *apiFlags) *cobra.Command {
	var agent, to, from, instructions string
	var ringTimeout int
	var vars, metadata []string
	cmd := &cobra.Command{
		Use:   "create --agent AGENT_ID --to +1…",
		Short: "Place an outbound call (it waits in queued for a free line)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			params := dialtone.CallParams{AgentID: some(agent), ToNumber: some(to), FromNumber: some(from), Instructions: some(instructions)}
			var err error
			if params.Variables, err = pairsParam("var", vars); err != nil {
				return err
			}
			if params.Metadata, err = pairsParam("metadata", metadata); err != nil {
				return err
			}
			if cmd.Flags().Changed("ring-timeout") {
				params.RingTimeoutSeconds = dialtone.Some(ringTimeout)
			}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Calls.Create(cmd.Context(), params)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&agent, "agent", "", "id of the agent that places the call (required)")
	fl.StringVar(&to, "to", "", "E.164 number to call, e.g. +12125550100 (required)")
	fl.StringVar(&from, "from", "", "caller id: one of the agent's numbers (default its first outbound number)")
	fl.StringVar(&instructions, "instructions", "", "instructions for this call, added to the agent's prompt")
	fl.IntVar(&ringTimeout, "ring-timeout", 0, "seconds to ring before giving up (default the agent's)")
	fl.StringArrayVar(&vars, "var", nil, "variable for the agent's prompt, key=value (repeatable)")
	fl.StringArrayVar(&metadata, "metadata", nil, "metadata stored with the call, key=value (repeatable)")
	_ = cmd.MarkFlagRequired("agent")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func newCallsListCommand(f *apiFlags) *cobra.Command {
	var agent, status, direction string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List calls, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every call) or more; got %d", limit)
			}
			p := &client.CallListParams{AgentID: agent, Status: dialtone.CallStatus(status),
				Direction: dialtone.CallDirection(direction), Limit: dialtone.MaxListLimit}
			if limit > 0 {
				p.Limit = min(limit, dialtone.MaxListLimit)
			}
			return f.print(cmd, func(c *client.Client) (any, error) {
				calls := []dialtone.Call{}
				for call, err := range c.Calls.All(cmd.Context(), p) {
					if err != nil {
						return nil, err
					}
					calls = append(calls, call)
					if len(calls) == limit {
						break
					}
				}
				return calls, nil
			})
		},
	}
	cmd.Flags().StringVar(&agent, "agent", "", "only calls of this agent")
	cmd.Flags().StringVar(&status, "status", "", "only calls in this status (queued, dialing, ringing, in_progress, completed, busy, no_answer, failed, canceled)")
	cmd.Flags().StringVar(&direction, "direction", "", "only inbound or outbound calls")
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many calls; 0 shows every call")
	return cmd
}

func newCallsGetCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get CALL_ID",
		Short: "Show a call",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Calls.Get(cmd.Context(), args[0])
			})
		},
	}
}

func newCallsHangupCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "hangup CALL_ID",
		Short: "Hang up a call, or cancel it before it is answered",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Calls.Hangup(cmd.Context(), args[0])
			})
		},
	}
}

// parsePairs turns the key=value arguments of the repeatable flag --name into a map; nil when
// there are none. A pair without "=", with an empty key or with a key already given is an
// error naming the flag and the argument.
// pairsParam is the request field of the key=value flag name: absent when the flag was not
// given, else the map parsePairs returns.
func pairsParam(name string, pairs []string) (dialtone.Optional[map[string]string], error) {
	m, err := parsePairs(name, pairs)
	if err != nil || m == nil {
		return dialtone.Optional[map[string]string]{}, err
	}
	return dialtone.Some(m), nil
}

func parsePairs(name string, pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("--%s %q: want key=value", name, p)
		case k == "":
			return nil, fmt.Errorf("--%s %q: the key before = is empty", name, p)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("--%s: key %q is given twice", name, k)
		}
		m[k] = v
	}
	return m, nil
}
