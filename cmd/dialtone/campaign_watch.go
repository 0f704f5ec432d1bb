package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newCampaignsWatchCommand(f *apiFlags) *cobra.Command {
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "watch CAMPAIGN_ID",
		Short: "Follow a campaign's progress on one line until it is completed or canceled (Ctrl-C stops watching)",
		Long: "Follow a campaign's progress: a bar of done/total leads, the leads in each status and the ETA,\n" +
			"redrawn on one line every --interval. When standard output is not a terminal a line is printed only\n" +
			"when the counts change. Exits when the campaign is completed or canceled, or on Ctrl-C.\n\n" +
			"The counts are of leads pending, calling, completed, failed, skipped and canceled; on a narrow terminal\n" +
			"($COLUMNS, default 80) they are abbreviated to pend call ok fail skip canc, then p: c: ok: f: s: x:.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return fmt.Errorf("--interval must be positive; got %s", interval)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			return watchCampaign(cmd.Context(), out, c, args[0], interval, isTerminal(out), terminalWidth())
		},
	}
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "time between polls")
	return cmd
}

// watchCampaign polls campaign id every interval and shows its progress: redrawn in place on
// a terminal (tty), else one line per change of its status or counts. It returns nil once
// the campaign is completed or canceled, or when ctx is done (Ctrl-C).
func watchCampaign(ctx context.Context, out io.Writer, c *client.Client, id string, interval time.Duration, tty bool, width int) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	last, drawn := "", false
	endLine := func() {
		if tty && drawn {
			fmt.Fprintln(out)
		}
	}
	for {
		cmp, err := c.Campaigns.Get(ctx, id)
		if err != nil {
			endLine()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		line := renderCampaignProgress(*cmp, time.Now(), width-1) // the last column would wrap
		if tty {
			fmt.Fprint(out, "\r"+line+"\x1b[K")
			drawn = true
		} else if key := fmt.Sprint(cmp.Status, cmp.Progress); key != last {
			fmt.Fprintln(out, line)
			last = key
		}
		if cmp.Status == dialtone.CampaignCompleted || cmp.Status == dialtone.CampaignCanceled {
			endLine()
			return nil
		}
		select {
		case <-ctx.Done():
			endLine()
			return nil
		case <-ticker.C:
		}
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is $COLUMNS when it is a positive number, else 80.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// Bar widths of renderCampaignProgress.
const (
	minProgressBar = 10
	progressBar    = 20
)

// renderCampaignProgress draws a campaign's progress on one line of at most width columns
// (width ≤ 0: unbounded): its status, a bar of done/total leads, the leads in each status and
// the ETA, e.g.
//
//	running [######--------------] 10/30 33%  ETA 3m12s  pending 17  calling 3  completed 8  failed 1  skipped 1  canceled 0
//
// When that does not fit, the bar shrinks to 10 columns and the counts are abbreviated: "pend
// 17 call 3 ok 8 fail 1 skip 1 canc 0", then "p:17 c:3 ok:8 f:1 s:1 x:0"; as a last resort the
// last counts are cut off, marked with "…". The form and the bar's width are chosen for the
// widest line the campaign's status and total allow, so that they stay put while the counts
// and the ETA change.
func renderCampaignProgress(c dialtone.Campaign, now time.Time, width int) string {
	p := c.Progress
	done := p.Done()
	pct := 0
	if p.Total > 0 {
		pct = min(done*100/p.Total, 100)
	}
	counts := []int{p.Pending, p.Calling, p.Completed, p.Failed, p.Skipped, p.Canceled}
	forms := []struct {
		labels []string
		sep    string
	}{
		{[]string{"pending ", "calling ", "completed ", "failed ", "skipped ", "canceled "}, "  "},
		{[]string{"pend ", "call ", "ok ", "fail ", "skip ", "canc "}, " "},
		{[]string{"p:", "c:", "ok:", "f:", "s:", "x:"}, " "},
	}
	countText := func(form int, number func(i int) string) string {
		parts := make([]string, len(counts))
		for i, label := range forms[form].labels {
			parts[i] = label + number(i)
		}
		return strings.Join(parts, forms[form].sep)
	}
	line := func(status, fraction, counts, eta string, bar int) string {
		filled := 0
		if p.Total > 0 {
			filled = min(done, p.Total) * bar / p.Total
		}
		return fmt.Sprintf("%s [%s%s] %s  ETA %s  %s", status, strings.Repeat("#", filled), strings.Repeat("-", bar-filled),
			fraction, eta, counts)
	}
	actual := func(form, bar int) string {
		return line(string(c.Status), fmt.Sprintf("%d/%d %d%%", done, p.Total, pct),
			countText(form, func(i int) string { return strconv.Itoa(counts[i]) }), formatETA(c.ETA, now), bar)
	}
	if width <= 0 {
		return actual(0, progressBar)
	}
	nines := strings.Repeat("9", len(strconv.Itoa(p.Total)))
	for form := range forms {
		widest := line(string(c.Status), nines+"/"+nines+" 100%", countText(form, func(int) string { return nines }), "99h59m", 0)
		if bar := width - utf8.RuneCountInString(widest); bar >= minProgressBar {
			return actual(form, min(bar, progressBar))
		}
	}
	for form := range forms {
		if l := actual(form, minProgressBar); utf8.RuneCountInString(l) <= width {
			return l
		}
	}
	// Cut the last counts off, at a space, and mark the cut.
	cut := []rune(actual(len(forms)-1, minProgressBar))[:max(width-1, 0)]
	if i := strings.LastIndexByte(string(cut), ' '); i > 0 {
		return strings.TrimRight(string(cut)[:i], " ") + "…"
	}
	return string(cut) + "…"
}

// formatETA shows how long until eta, rounded to the second ("3m12s", "1h05m", "45s"); "—"
// for none, "0s" once it is past.
func formatETA(eta *time.Time, now time.Time) string {
	if eta == nil {
		return "—"
	}
	d := max(eta.Sub(now).Round(time.Second), 0)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
