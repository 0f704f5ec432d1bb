package dialtone

import (
	"context"
	"time"
)

// Usage grouping and limits.
const (
	UsageByDay   = "day"   // one row per UTC day on which calls ended
	UsageByAgent = "agent" // one row per agent
	// MaxUsageRange is the longest period one usage request may cover.
	MaxUsageRange = 366 * 24 * time.Hour
	// DefaultUsageRange is the period covered when from is not given: the 30 days before to.
	DefaultUsageRange = 30 * 24 * time.Hour
)

// UsageParams select a usage report: calls that ended in [From, To), grouped by GroupBy.
type UsageParams struct {
	From, To time.Time // zero: To is now, From is DefaultUsageRange before To
	GroupBy  string    // UsageByDay (default) or UsageByAgent
}

// Usage is what an organization's calls and text messages used in a period.
type Usage struct {
	Object  string       `json:"object"` // "usage"
	From    time.Time    `json:"from"`
	To      time.Time    `json:"to"`
	GroupBy string       `json:"group_by"`
	Data    []UsageEntry `json:"data"`  // ascending by day or agent id
	Total   UsageEntry   `json:"total"` // the sum of Data
}

// UsageEntry is the usage of one group, or the total.
type UsageEntry struct {
	// Group is the UTC day ("2026-11-23") with group_by=day, the agent's id with
	// group_by=agent ("" for inbound calls to a number without an agent), "" in the total.
	Group           string  `json:"group"`
	Calls           int64   `json:"calls"`            // calls that ended, whatever their outcome
	DurationSeconds int64   `json:"duration_seconds"` // billable seconds
	Minutes         float64 `json:"minutes"`          // DurationSeconds / 60, to two decimals
	Messages        int64   `json:"messages"`         // billed text messages: sent by the carrier, or received
	Segments        int64   `json:"segments"`         // their segments
	Cost            Money   `json:"cost"`             // of the calls and the messages
}

// UsageService reports usage.
type UsageService interface {
	Usage(ctx context.Context, p Principal, params UsageParams) (Usage, error)
}
