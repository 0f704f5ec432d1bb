package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
)

// dbTime is t as the store writes it: UTC, truncated to the microsecond (PostgreSQL's
// precision), so both dialects return exactly what they were given.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// dbNullTime is a nullable timestamp argument: NULL for nil.
func dbNullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// timestamp scans a TIMESTAMP (SQLite) or TIMESTAMPTZ (PostgreSQL) column, NULL included,
// into a UTC time. The SQLite driver returns declared TIMESTAMP columns as time.Time, but text
// where SQLite does not report the declared type (expressions, RETURNING), so text is parsed
// too.
type timestamp struct {
	Time  time.Time
	Valid bool // false for NULL
}

// Scan implements sql.Scanner.
func (ts *timestamp) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*ts = timestamp{}
		return nil
	case time.Time:
		*ts = timestamp{Time: v.UTC(), Valid: true}
		return nil
	case []byte:
		return ts.parse(string(v))
	case string:
		return ts.parse(v)
	}
	return fmt.Errorf("scan timestamp: unsupported type %T", v)
}

func (ts *timestamp) parse(s string) error {
	// The layout the SQLite driver writes (see _time_format in open.go), then RFC 3339.
	for _, layout := range [...]string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			*ts = timestamp{Time: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("scan timestamp: cannot parse %q", s)
}

// ptr returns the time, or nil for NULL.
func (ts timestamp) ptr() *time.Time {
	if !ts.Valid {
		return nil
	}
	t := ts.Time
	return &t
}

// jsonText encodes v for a TEXT column holding JSON.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromJSONText decodes a TEXT column holding JSON into dst; what is the column's name, for
// the error.
func fromJSONText(text, what string, dst any) error {
	if err := json.Unmarshal([]byte(text), dst); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}
