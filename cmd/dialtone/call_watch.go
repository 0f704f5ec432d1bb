package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newCallsWatchCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "watch CALL_ID",
		Short: "Follow a call live: status changes, transcript turns with latency, keys, actions; then its summary",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			_, err = followCall(cmd.Context(), cmd.OutOrStdout(), c, args[0])
			return err
		},
	}
}

// followCall prints the events of call id as they happen until it ends, then its summary,
// and returns the call as it ended.
func followCall(ctx context.Context, out io.Writer, c *client.Client, id string) (*dialtone.Call, error) {
	for ev, err := range c.Calls.Events(ctx, id, "") {
		if err != nil {
			return nil, fmt.Errorf("follow the call: %w", err)
		}
		printCallEvent(out, ev)
	}
	final, err := c.Calls.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	printCallSummary(out, final)
	return final, nil
}

// printCallEvent writes one line for an event of the call.
func printCallEvent(out io.Writer, ev dialtone.Event) {
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
		if c.CarrierError != nil {
			status += ": " + c.CarrierError.Message
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

// printCallSummary writes the call's outcome, cost, latency and summary.
func printCallSummary(out io.Writer, c *dialtone.Call) {
	reason := ""
	if c.EndedReason != nil {
		reason = string(*c.EndedReason)
	}
	fmt.Fprintf(out, "\nCall %s: %s (%s), %d s billed, cost $%.4f, %d transcript turns\n",
		c.ID, c.Status, reason, c.DurationSeconds, float64(c.Cost.AmountMicros)/1e6, len(c.Transcript))
	if e := c.CarrierError; e != nil {
		fmt.Fprintf(out, "The carrier refused it (%s", e.Code)
		if code, ok := e.Details["provider_code"]; ok {
			fmt.Fprintf(out, "; %v error %v", e.Details["provider"], code)
		}
		fmt.Fprintf(out, "): %s\n", e.Message)
	}
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
}

// printRecording writes the length of the call's recording, a file of this machine.
func printRecording(out io.Writer, c *dialtone.Call, recording string) {
	if c.RecordingURL == nil {
		return
	}
	if fi, err := os.Stat(recording); err == nil {
		// 44 bytes of header, then 8,000 stereo 16-bit frames a second.
		fmt.Fprintf(out, "Recording: %.1f s of WAV, caller left, agent right (GET %s; --keep keeps it in %s)\n",
			float64(fi.Size()-44)/32000, *c.RecordingURL, filepath.Dir(recording))
	}
}
