package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func newCampaignsCommand() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{Use: "campaigns", Short: "Create, fill, run and watch outbound calling campaigns through the API of a running server"}
	f.bind(cmd)
	cmd.AddCommand(newCampaignsCreateCommand(&f), newCampaignsListCommand(&f), newCampaignsGetCommand(&f),
		newCampaignsUploadCommand(&f), newCampaignsLeadsCommand(&f), newCampaignsWatchCommand(&f))
	for _, a := range []struct {
		action dialtone.CampaignAction
		short  string
	}{
		{dialtone.CampaignStart, "Start a draft campaign: it is scheduled, and runs from its start time (at once without one)"},
		{dialtone.CampaignPause, "Pause a running campaign: live calls finish, nothing new is dialed"},
		{dialtone.CampaignResume, "Resume a paused campaign"},
		{dialtone.CampaignCancel, "Cancel a campaign for good: its waiting leads are canceled"},
	} {
		cmd.AddCommand(newCampaignsActionCommand(&f, a.action, a.short))
	}
	return cmd
}

// windowHelp documents the syntax of --window.
const windowHelp = `calling window DAYS@HH:MM-HH:MM in the lead's time zone (repeatable; none: any time).
DAYS is a comma-separated list of days (mon tue wed thu fri sat sun) and day ranges
(mon-fri, sat-sun; a range may wrap, fri-mon); the time is 24-hour and the end may be 24:00.
Examples: --window mon-fri@09:00-17:00 --window sat@10:00-14:00 --window mon,wed,fri@09:00-12:00`

func newCampaignsCreateCommand(f *apiFlags) *cobra.Command {
	var name, agent, instructions, timezone, startAt, endAt string
	var from, windows, retryOn, metadata []string
	var maxConcurrent, retryAttempts, retryBackoff int
	var cps float64
	cmd := &cobra.Command{
		Use:   "create --name NAME --agent AGENT_ID --max-concurrent N",
		Short: "Create a draft campaign; add leads with upload, then start it",
		Long: "Create a draft campaign; add leads with `campaigns upload`, then `campaigns start` it.\n\n" +
			"--window takes DAYS@HH:MM-HH:MM, e.g. mon-fri@09:00-17:00 or mon,wed,fri@09:00-12:00 (see its help below).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			params := dialtone.CampaignCreateParams{Name: some(name), AgentID: some(agent), Instructions: some(instructions),
				MaxConcurrentCalls: dialtone.Some(maxConcurrent)}
			if len(from) > 0 {
				params.FromNumbers = dialtone.Some(from)
			}
			if fl.Changed("cps") {
				params.CallsPerSecond = dialtone.Some(cps)
			}
			if fl.Changed("timezone") || fl.Changed("window") || fl.Changed("start-at") || fl.Changed("end-at") {
				s, err := campaignSchedule(timezone, windows, startAt, endAt)
				if err != nil {
					return err
				}
				params.Schedule = dialtone.Some(s)
			}
			if fl.Changed("retry-attempts") || fl.Changed("retry-backoff") || fl.Changed("retry-on") {
				if !fl.Changed("retry-attempts") {
					return errors.New("--retry-backoff and --retry-on need --retry-attempts (the attempts per lead, the first one included)")
				}
				r, err := retryPolicy(retryAttempts, retryBackoff, retryOn)
				if err != nil {
					return err
				}
				params.Retry = dialtone.Some(r)
			}
			var err error
			if params.Metadata, err = pairsParam("metadata", metadata); err != nil {
				return err
			}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Campaigns.Create(cmd.Context(), params)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "name of the campaign (required)")
	fl.StringVar(&agent, "agent", "", "id of the agent that places the calls (required)")
	fl.IntVar(&maxConcurrent, "max-concurrent", 0, "most live calls at a time (required)")
	fl.StringSliceVar(&from, "from", nil, "caller id, one of the agent's outbound numbers, E.164 (repeatable or comma-separated; default the agent's oldest outbound number)")
	fl.Float64Var(&cps, "cps", 0, "most calls started per second (default as fast as lines free up)")
	fl.StringVar(&timezone, "timezone", "", "IANA time zone of leads whose own zone is unknown, e.g. America/New_York (default UTC)")
	fl.StringArrayVar(&windows, "window", nil, windowHelp)
	fl.StringVar(&startAt, "start-at", "", "dial nothing before this time, RFC 3339 (e.g. 2030-01-02T09:00:00-05:00)")
	fl.StringVar(&endAt, "end-at", "", "dial nothing after this time, RFC 3339")
	fl.IntVar(&retryAttempts, "retry-attempts", 1, "attempts per lead, the first one included (1: no retry)")
	fl.IntVar(&retryBackoff, "retry-backoff", dialtone.DefaultRetryBackoffMinutes, "minutes to wait before a retry")
	fl.StringSliceVar(&retryOn, "retry-on", []string{string(dialtone.OutcomeBusy), string(dialtone.OutcomeNoAnswer)},
		"outcomes that are retried, comma-separated: busy, no_answer, voicemail, failed")
	fl.StringVar(&instructions, "instructions", "", "instructions for the campaign's calls, added to the agent's prompt")
	fl.StringArrayVar(&metadata, "metadata", nil, "metadata stored with the campaign, key=value (repeatable)")
	for _, n := range []string{"name", "agent", "max-concurrent"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

// campaignSchedule builds a schedule from the flags of create; the zone defaults to UTC.
func campaignSchedule(timezone string, windows []string, startAt, endAt string) (dialtone.CampaignSchedule, error) {
	s := dialtone.CampaignSchedule{Timezone: timezone, Windows: []dialtone.CallingWindow{}}
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	for _, w := range windows {
		cw, err := parseWindow(w)
		if err != nil {
			return s, err
		}
		s.Windows = append(s.Windows, cw)
	}
	for _, t := range []struct {
		flag, v string
		at      **time.Time
	}{{"start-at", startAt, &s.StartAt}, {"end-at", endAt, &s.EndAt}} {
		if t.v == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return s, fmt.Errorf("--%s %q: want an RFC 3339 time such as 2030-01-02T09:00:00Z", t.flag, t.v)
		}
		*t.at = &at
	}
	return s, nil
}

// weekOrder lists the days as a week of calling windows reads them, Monday first.
var weekOrder = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseWindow parses a --window: DAYS@HH:MM-HH:MM (see windowHelp). Its days come out in
// week order, Monday first, each once.
func parseWindow(s string) (dialtone.CallingWindow, error) {
	bad := func(why string) (dialtone.CallingWindow, error) {
		return dialtone.CallingWindow{}, fmt.Errorf("--window %q: %s (want DAYS@HH:MM-HH:MM, e.g. mon-fri@09:00-17:00)", s, why)
	}
	days, hours, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "@")
	if !ok {
		return bad("no @ between the days and the hours")
	}
	on := make([]bool, len(weekOrder))
	for _, part := range strings.Split(days, ",") {
		first, last, isRange := strings.Cut(strings.TrimSpace(part), "-")
		i, j := slices.Index(weekOrder, first), slices.Index(weekOrder, strings.TrimSpace(last))
		if !isRange {
			j = i
		}
		if i < 0 || j < 0 {
			return bad(fmt.Sprintf("%q is not a day or a range of days (mon, tue, wed, thu, fri, sat, sun)", part))
		}
		for d := i; ; d = (d + 1) % len(weekOrder) {
			on[d] = true
			if d == j {
				break
			}
		}
	}
	start, end, ok := strings.Cut(hours, "-")
	if !ok {
		return bad("no - between the start and the end")
	}
	from, okStart := dialtone.ParseWindowTime(start)
	to, okEnd := dialtone.ParseWindowTime(end)
	switch {
	case !okStart || from == 24*60:
		return bad(fmt.Sprintf("start %q is not a time from 00:00 to 23:59", start))
	case !okEnd:
		return bad(fmt.Sprintf("end %q is not a time from 00:00 to 24:00", end))
	case from >= to:
		return bad("the start must come before the end; a window cannot cross midnight (use two)")
	}
	w := dialtone.CallingWindow{Start: start, End: end}
	for d, set := range on {
		if set {
			w.Days = append(w.Days, weekOrder[d])
		}
	}
	return w, nil
}

// retryPolicy builds the retry policy of create's flags.
func retryPolicy(attempts, backoff int, on []string) (dialtone.RetryPolicy, error) {
	r := dialtone.RetryPolicy{MaxAttempts: attempts, BackoffMinutes: backoff, RetryOn: []dialtone.LeadOutcome{}}
	for _, o := range on {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if !slices.Contains(dialtone.RetryableOutcomes(), dialtone.LeadOutcome(o)) {
			return r, fmt.Errorf("--retry-on %q: want busy, no_answer, voicemail or failed", o)
		}
		r.RetryOn = append(r.RetryOn, dialtone.LeadOutcome(o))
	}
	return r, nil
}

func newCampaignsListCommand(f *apiFlags) *cobra.Command {
	var status string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List campaigns, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every campaign) or more; got %d", limit)
			}
			p := &client.CampaignListParams{Status: dialtone.CampaignStatus(status), Limit: pageSize(limit)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return collect(c.Campaigns.All(cmd.Context(), p), limit)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only campaigns in this status (draft, scheduled, running, paused, completed, canceled)")
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many campaigns; 0 shows every campaign")
	return cmd
}

func newCampaignsGetCommand(f *apiFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get CAMPAIGN_ID",
		Short: "Show a campaign with its progress",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				return c.Campaigns.Get(cmd.Context(), args[0])
			})
		},
	}
}

func newCampaignsActionCommand(f *apiFlags, a dialtone.CampaignAction, short string) *cobra.Command {
	return &cobra.Command{
		Use:   string(a) + " CAMPAIGN_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.print(cmd, func(c *client.Client) (any, error) {
				act := map[dialtone.CampaignAction]func(context.Context, string) (*dialtone.Campaign, error){
					dialtone.CampaignStart: c.Campaigns.Start, dialtone.CampaignPause: c.Campaigns.Pause,
					dialtone.CampaignResume: c.Campaigns.Resume, dialtone.CampaignCancel: c.Campaigns.Cancel,
				}[a]
				return act(cmd.Context(), args[0])
			})
		},
	}
}

func newCampaignsUploadCommand(f *apiFlags) *cobra.Command {
	var skipInvalid bool
	cmd := &cobra.Command{
		Use:   "upload CAMPAIGN_ID FILE.csv",
		Short: "Add the leads of a CSV file (a phone_number column; optional timezone; other columns become variables)",
		Long: "Add the leads of a CSV file to a campaign. Its header row names a phone_number column, an optional\n" +
			"timezone column, and any other column becomes a variable of the lead's calls. FILE - reads standard input.\n\n" +
			"Prints how many leads were added and the rejected rows by reason (the header is row 1). Without\n" +
			"--skip-invalid a file with any rejected row adds nothing: the rows are printed and the command fails.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			csv, err := readLeadFile(cmd.InOrStdin(), args[1])
			if err != nil {
				return err
			}
			up, err := c.Campaigns.UploadLeads(cmd.Context(), args[0], csv, skipInvalid)
			if d, ok := client.LeadsRejectedDetails(err); ok {
				w := cmd.ErrOrStderr()
				fmt.Fprintf(w, "No leads were added: %d rejected, %d valid. Fix these rows, or pass --skip-invalid to add the valid leads:\n",
					rejectedCount(d.Rejected), d.Valid)
				printRejections(w, d.Rejected)
				return err
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Added %d %s to %s.\n", up.Added, plural(up.Added, "lead", "leads"), args[0])
			if n := rejectedCount(up.Rejected); n > 0 {
				fmt.Fprintf(out, "Skipped %d rejected %s:\n", n, plural(n, "row", "rows"))
				printRejections(out, up.Rejected)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "add the valid leads even when some rows are rejected")
	return cmd
}

// readLeadFile reads a lead upload: the file at path, or stdin for "-". A file over the
// server's limit is refused before it is sent.
func readLeadFile(stdin io.Reader, path string) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, dialtone.MaxLeadImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > dialtone.MaxLeadImportBytes {
		return nil, fmt.Errorf("%s is larger than the %d MiB one upload may send: split it", path, dialtone.MaxLeadImportBytes>>20)
	}
	return data, nil
}

// rejectedCount is how many leads the groups reject.
func rejectedCount(groups []dialtone.ImportRejection) int {
	n := 0
	for _, g := range groups {
		n += len(g.Rows)
	}
	return n
}

// printRejections writes one line per reason: the reason, its rows and its message.
func printRejections(w io.Writer, groups []dialtone.ImportRejection) {
	for _, g := range groups {
		fmt.Fprintf(w, "  %s: %s %s", g.Reason, plural(len(g.Rows), "row", "rows"), formatRows(g.Rows, 20))
		if g.Message != "" {
			fmt.Fprintf(w, " (%s)", g.Message)
		}
		fmt.Fprintln(w)
	}
}

// formatRows writes row numbers with runs as ranges ("2, 5-7, 9"), showing at most max runs
// and counting the rows left out.
func formatRows(rows []int, max int) string {
	var parts []string
	shown := 0
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		if len(parts) == max {
			break
		}
		if i == j {
			parts = append(parts, strconv.Itoa(rows[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", rows[i], rows[j]))
		}
		shown += j - i + 1
		i = j + 1
	}
	s := strings.Join(parts, ", ")
	if left := len(rows) - shown; left > 0 {
		s += fmt.Sprintf(" and %d more", left)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func newCampaignsLeadsCommand(f *apiFlags) *cobra.Command {
	var status string
	var limit int
	cmd := &cobra.Command{
		Use:   "leads CAMPAIGN_ID",
		Short: "List a campaign's leads",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (every lead) or more; got %d", limit)
			}
			p := &client.LeadListParams{Status: dialtone.LeadStatus(status), Limit: pageSize(limit)}
			return f.print(cmd, func(c *client.Client) (any, error) {
				return collect(c.Campaigns.AllLeads(cmd.Context(), args[0], p), limit)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only leads in this status (pending, calling, completed, failed, skipped, canceled)")
	cmd.Flags().IntVar(&limit, "limit", dialtone.DefaultListLimit, "show at most this many leads; 0 shows every lead")
	return cmd
}
