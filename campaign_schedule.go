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

// wallTime is the instant of minutes after midnight on a date in loc. A wall time that does
// not exist (in the hour skipped when clocks go forward) is read with the offset in force
// before the change, which puts it as far after the gap as it is after the gap's start:
// 02:30 on a night that jumps from 02:00 to 03:00 is 03:30. time.Date alone does not say on
// which side it lands (it differs between zones west and east of UTC). A wall time that
// exists twice (when clocks go back) is the earlier of the two, as time.Date reads it in
// zones west of UTC and as this function makes it everywhere.
func wallTime(y int, m time.Month, d, minutes int, loc *time.Location) time.Time {
	h, mi := minutes/60, minutes%60
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	asUTC := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
	// The offset some hours earlier is the one before any change near this wall time
	// (zones never change twice within twelve hours).
	_, before := asUTC.Add(-12 * time.Hour).In(loc).Zone()
	early := asUTC.Add(-time.Duration(before) * time.Second)
	if t.Hour() != h%24 || t.Minute() != mi {
		return early // in the gap
	}
	if e := early.In(loc); early.Before(t) && e.Hour() == h%24 && e.Minute() == mi {
		return early // repeated: the first
	}
	return t
}

// NextOpen returns the earliest instant at or after t at which the schedule allows dialing a
// lead whose time zone is loc: t itself when it allows it now. ok is false when it never will
// again (t is at or past EndAt, or no window names a day). Windows are read in loc's wall
// time on each date, so a window keeps its local hours across a daylight-saving change (see
// wallTime for the hour skipped in spring and the hour repeated in autumn). The schedule's
// times must be valid (ParseWindowTime).
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
			start, end := wallTime(y, m, d+i, sm, loc), wallTime(y, m, d+i, em, loc)
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
