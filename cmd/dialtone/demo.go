package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

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
	for ev, err := range c.Calls.Events(ctx, call.ID, "") {
		if err != nil {
			return fmt.Errorf("follow the call: %w", err)
		}
		printDemoEvent(out, ev)
	}
	final, err := c.Calls.Get(ctx, call.ID)
	if err != nil {
		return err
	}
	printCallSummary(out, final, filepath.Join(dir, "recordings", final.ID+".wav"))
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

// printDemoEvent writes one line for an event of the call.
func printDemoEvent(out io.Writer, ev dialtone.Event) {
	switch ev.Type {
	case dialtone.EventCallTranscriptTurn:
		var ce dialtone.ConversationEvent
		if json.Unmarshal(ev.Data.Object, &ce) != nil || ce.Turn == nil {
			return
		}
		t := ce.Turn
		line := fmt.Sprintf("  [%s] %-6s %s", clockMS(t.StartMS), t.Speaker+":", t.Text)
		if t.Digits != "" {
			line += fmt.Sprintf(" (keys %s)", t.Digits)
		}
		if t.Interrupted {
			line += " [interrupted]"
		}
		if l := ce.Latency; l != nil {
			line += "   " + latencyNote(l)
		}
		fmt.Fprintln(out, line)
	case dialtone.EventCallDTMF, dialtone.EventCallAction:
		var ce dialtone.ConversationEvent
		if json.Unmarshal(ev.Data.Object, &ce) == nil && ce.Action != "" {
			fmt.Fprintf(out, "  [%s] action: %s%s\n", clockMS(ce.OffsetMS), ce.Action, strings.TrimSpace(" "+ce.TransferTo+ce.Digits))
		}
	default:
		var c dialtone.Call
		if json.Unmarshal(ev.Data.Object, &c) != nil {
			return
		}
		status := string(c.Status)
		if c.EndedReason != nil {
			status += " (" + string(*c.EndedReason) + ")"
		}
		fmt.Fprintf(out, "  %s %s\n", ev.CreatedAt.Format("15:04:05.000"), status)
	}
}

// latencyNote shows a reply's latency stages in a few words.
func latencyNote(l *dialtone.TurnLatency) string {
	var parts []string
	add := func(name string, v *float64) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s %.1f ms", name, *v))
		}
	}
	add("end of turn", l.EndOfTurnMS)
	add("brain", l.BrainFirstTokenMS)
	add("first audio", l.FirstAudioMS)
	return "(" + strings.Join(parts, ", ") + ")"
}

// clockMS formats an offset in milliseconds as mm:ss.t.
func clockMS(ms int64) string {
	return fmt.Sprintf("%02d:%04.1f", ms/60000, float64(ms%60000)/1000)
}

// printCallSummary writes the call's outcome, cost, latency and recording.
func printCallSummary(out io.Writer, c *dialtone.Call, recording string) {
	reason := ""
	if c.EndedReason != nil {
		reason = string(*c.EndedReason)
	}
	fmt.Fprintf(out, "\nCall %s: %s (%s), %d s billed, cost $%.4f, %d transcript turns\n",
		c.ID, c.Status, reason, c.DurationSeconds, float64(c.Cost.AmountMicros)/1e6, len(c.Transcript))
	if l := c.Latency; l != nil {
		fmt.Fprintf(out, "Latency over %d replies (p50 / p95):\n", len(l.Turns))
		for _, s := range []struct {
			name string
			v    dialtone.StageLatency
		}{{"end of turn (silence after the caller)", l.EndOfTurn}, {"transcript final", l.TranscriptFinal},
			{"brain first token", l.BrainFirstToken}, {"first audio frame out", l.FirstAudio}} {
			fmt.Fprintf(out, "  %-40s %8.1f ms / %8.1f ms\n", s.name, s.v.P50MS, s.v.P95MS)
		}
	}
	if c.Summary != nil {
		fmt.Fprintf(out, "Summary: %s\n", *c.Summary)
	}
	if c.RecordingURL != nil {
		if fi, err := os.Stat(recording); err == nil {
			// 44 bytes of header, then 8,000 stereo 16-bit frames a second.
			fmt.Fprintf(out, "Recording: %.1f s of WAV, caller left, agent right (GET %s; --keep keeps it in %s)\n",
				float64(fi.Size()-44)/32000, *c.RecordingURL, filepath.Dir(recording))
		}
	}
}
