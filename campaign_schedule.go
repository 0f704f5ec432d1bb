package dialtone

import (
	"slices"
	"time"
)

// ParseWindowTime parses a calling window's "HH:MM" (00:00 to 24:00, 24-hour) into minutes
// after midnight; ok is false for anything else.
func ParseWindowTime(s string) (minutes int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, false
	}
	h, m := h1*10+h2, m1*10+m2
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// IsWeekdayName reports whether s names a day of a calling window: "mon", "tue", "wed",
// "thu", "fri", "sat" or "sun".
func IsWeekdayName(s string) bool { return slices.Contains(weekdayNames[:], s) }

// WeekdayNames lists the names of the days, Sunday first.
func WeekdayNames() []string { return weekdayNames[:] }

// on reports whether the window applies on weekday d.
func (w CallingWindow) on(d time.Weekday) bool { return slices.Contains(w.Days, weekdayNames[d]) }

// NextOpen returns the earliest instant at or after t at which the schedule allows dialing a
// lead whose time zone is loc: t itself when it allows it now. ok is false when it never will
// again (t is at or past EndAt, or no window names a day). Windows are read in loc's wall
// time on each date, so a window keeps its local hours across a daylight-saving change; a
// start that falls in the hour skipped in spring is read as the instant after the gap. The
// schedule's times must be valid (ParseWindowTime).
func (s CampaignSchedule) NextOpen(t time.Time, loc *time.Location) (at time.Time, ok bool) {
	if s.StartAt != nil && t.Before(*s.StartAt) {
		t = *s.StartAt
	}
	before := func(x time.Time) bool { return s.EndAt == nil || x.Before(*s.EndAt) }
	if !before(t) {
		return time.Time{}, false
	}
	if len(s.Windows) == 0 {
		return t, true
	}
	y, m, d := t.In(loc).Date()
	// A window opens within a week of t if it ever does (windows end by midnight, so none of
	// an earlier date is still open).
	for i := 0; i <= 7; i++ {
		wd := time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()
		var best time.Time
		for _, w := range s.Windows {
			if !w.on(wd) {
				continue
			}
			sm, _ := ParseWindowTime(w.Start)
			em, _ := ParseWindowTime(w.End)
			start := time.Date(y, m, d+i, sm/60, sm%60, 0, 0, loc)
			end := time.Date(y, m, d+i, em/60, em%60, 0, 0, loc)
			open := start
			if open.Before(t) {
				open = t
			}
			if !end.After(open) {
				continue
			}
			if best.IsZero() || open.Before(best) {
				best = open
			}
		}
		if !best.IsZero() {
			if !before(best) {
				return time.Time{}, false
			}
			return best, true
		}
	}
	return time.Time{}, false
}
