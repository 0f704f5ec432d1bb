package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/config"
)

// demoOptions are the flags of dialtone demo.
type demoOptions struct {
	speed float64 // the sandbox time scale: 1 is real time
	to    string  // whom to call
	keep  bool    // keep the data directory
}

func newDemoCommand() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch an AI agent hold a phone call, offline, in about 25 seconds",
		Long: "Start a server in-process on a temporary data directory, create an agent and a sandbox\n" +
			"number, call a simulated person and stream the live transcript with each reply's latency,\n" +
			"then print the call's summary. Nothing leaves this machine.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.speed <= 0 || o.speed > 1 {
				return fmt.Errorf("--speed must be greater than 0 and at most 1, not %v", o.speed)
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().Float64Var(&o.speed, "speed", 1, "time scale of the simulated call (0.1 plays it ten times faster)")
	cmd.Flags().StringVar(&o.to, "to", "+12125550100", "number to call; its last two digits choose the simulated person (see docs/sandbox.md)")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "keep the temporary data directory (database and recording) and print where it is")
	return cmd
}

// demoAgent is the agent the demo creates: a dental practice's receptionist answering the
// sandbox's default caller, who asks for the opening hours and says goodbye.
func demoAgent() dialtone.AgentParams {
	return dialtone.AgentParams{
		Name:     dialtone.Some("Ada (demo)"),
		Greeting: dialtone.Some("Hello, this is Ada at Dialtone Dental. How can I help you today?"),
		Brain: dialtone.Some(dialtone.Brain{Type: dialtone.BrainScripted, Rules: []dialtone.ScriptRule{
			{Match: "opening hours", Say: "We are open from nine to five, Monday to Friday."},
			{Match: "goodbye", Say: "Thank you for calling. Goodbye!", Action: dialtone.ActionEndCall},
		}, Fallback: "Sorry, could you say that again?"}),
	}
}

// runDemo runs the demo and writes it to out.
func runDemo(ctx context.Context, out, errOut io.Writer, o demoOptions) error {
	dir, err := os.MkdirTemp("", "dialtone-demo-")
	if err != nil {
		return err
	}
	if o.keep {
		defer fmt.Fprintf(out, "\nData directory kept: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cfg, err := demoConfig(dir, o.speed)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, cfg, slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer srv.stop(context.Background())
	fmt.Fprintf(out, "Dialtone %s demo: a server on %s over SQLite in %s\n", version, srv.base, dir)

	c := client.New(srv.base, srv.credential)
	agent, err := c.Agents.Create(ctx, demoAgent())
	if err != nil {
		return fmt.Errorf("create the agent: %w", err)
	}
	number, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{AreaCode: dialtone.Some("415"), AgentID: dialtone.Some(agent.ID)})
	if err != nil {
		return fmt.Errorf("provision a number: %w", err)
	}
	call, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(o.to)})
	if err != nil {
		return fmt.Errorf("place the call: %w", err)
	}
	fmt.Fprintf(out, "Agent %s (%s) calls %s from %s: call %s\n\n", agent.Name, agent.ID, o.to, number.Number, call.ID)
	final, err := followCall(ctx, out, c, call.ID)
	if err != nil {
		return err
	}
	printRecording(out, final, filepath.Join(dir, "recordings", final.ID+".wav"))
	return nil
}

// demoConfig is the server configuration of a demo: the defaults, on a free loopback port,
// over SQLite in dir.
func demoConfig(dir string, speed float64) (*config.Config, error) {
	var cfg config.Config
	fs := pflag.NewFlagSet("demo", pflag.ContinueOnError)
	config.BindServer(fs, &cfg)
	if err := fs.Parse(nil); err != nil {
		return nil, err
	}
	cfg.Addr, cfg.DataDir, cfg.DatabaseURL, cfg.SecretKey, cfg.RecordingsDir = "127.0.0.1:0", dir, "", "", ""
	cfg.SandboxTimeScale = speed
	return &cfg, cfg.Validate()
}
