package core

import (
	"context"
	"math"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Usage reports what organizations' calls and messages used.
type Usage struct {
	store Store
	now   func() time.Time
}

var _ dialtone.UsageService = (*Usage)(nil)

// ValidateUsage returns every invalid parameter of a usage request after applying its
// defaults (see dialtone.UsageParams), and the params with the defaults applied.
func (s *Usage) ValidateUsage(params dialtone.UsageParams) (dialtone.UsageParams, dialtone.FieldErrors) {
	var fe dialtone.FieldErrors
	if params.To.IsZero() {
		params.To = s.now()
	}
	if params.From.IsZero() {
		params.From = params.To.Add(-dialtone.DefaultUsageRange)
	}
	if params.GroupBy == "" {
		params.GroupBy = dialtone.UsageByDay
	}
	switch {
	case !params.From.Before(params.To):
		fe.Addf("from", dialtone.CodeInvalidValue, "from must be before to.")
	case params.To.Sub(params.From) > dialtone.MaxUsageRange:
		fe.Addf("from", dialtone.CodeValueOutOfRange, "A usage report covers at most 366 days; from and to are %d days apart.",
			int(params.To.Sub(params.From).Hours()/24))
	}
	if params.GroupBy != dialtone.UsageByDay && params.GroupBy != dialtone.UsageByAgent {
		fe.Addf("group_by", dialtone.CodeInvalidValue, "group_by must be day or agent; got %q.", params.GroupBy)
	}
	return params, fe
}

// Usage sums the calls of p's organization that ended in [params.From, params.To) (read
// role): how many, their billable seconds and minutes, and their cost, and the text messages
// billed in the period (sent by the carrier, or received): how many, their segments and their
// cost, by UTC day or by agent, with the total. Deleted calls count: their charges stay. Invalid params are a validation
// error naming from or group_by.
func (s *Usage) Usage(ctx context.Context, p dialtone.Principal, params dialtone.UsageParams) (dialtone.Usage, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Usage{}, err
	}
	params, fe := s.ValidateUsage(params)
	if len(fe) > 0 {
		return dialtone.Usage{}, fe.Err()
	}
	calls, err := s.store.CallUsage(ctx, p.OrganizationID, params.From, params.To, params.GroupBy)
	if err != nil {
		return dialtone.Usage{}, dialtone.Internal(err)
	}
	messages, err := s.store.MessageUsage(ctx, p.OrganizationID, params.From, params.To, params.GroupBy)
	if err != nil {
		return dialtone.Usage{}, dialtone.Internal(err)
	}
	groups := mergeUsage(calls, messages)
	u := dialtone.Usage{Object: "usage", From: params.From.UTC(), To: params.To.UTC(), GroupBy: params.GroupBy,
		Data: make([]dialtone.UsageEntry, 0, len(groups))}
	var total UsageGroup
	for _, g := range groups {
		u.Data = append(u.Data, usageEntry(g))
		total = addUsage(total, g)
	}
	u.Total = usageEntry(total)
	return u, nil
}

// mergeUsage merges two lists of groups in ascending key order into one, adding the groups
// with the same key.
func mergeUsage(a, b []UsageGroup) []UsageGroup {
	out := make([]UsageGroup, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0].Key < b[0].Key):
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0].Key < a[0].Key:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, addUsage(a[0], b[0])), a[1:], b[1:]
		}
	}
	return out
}

// addUsage returns the sum of two groups, with a's key.
func addUsage(a, b UsageGroup) UsageGroup {
	a.Calls += b.Calls
	a.DurationSeconds += b.DurationSeconds
	a.Messages += b.Messages
	a.Segments += b.Segments
	a.CostMicros += b.CostMicros
	return a
}

func usageEntry(g UsageGroup) dialtone.UsageEntry {
	return dialtone.UsageEntry{Group: g.Key, Calls: g.Calls, DurationSeconds: g.DurationSeconds,
		Minutes: math.Round(float64(g.DurationSeconds)/60*100) / 100, Messages: g.Messages, Segments: g.Segments,
		Cost: dialtone.USD(g.CostMicros)}
}
