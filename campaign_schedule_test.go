package dialtone

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must load wherever the tests run
)

func TestParseWindowTime(t *testing.T) {
	valid := map[string]int{
		"00:00": 0,
		"00:01": 1,
		"00:59": 59,
		"09:30": 9*60 + 30,
		"12:00": 12 * 60,
		"19:45": 19*60 + 45,
		"23:59": 23*60 + 59,
		"24:00": 24 * 60,
	}
	for s, want := range valid {
		got, ok := ParseWindowTime(s)
		if !ok || got != want {
			t.Errorf("ParseWindowTime(%q) = %d, %v; want %d, true", s, got, ok, want)
		}
	}
	for _, s := range []string{
		"24:01", "24:59", "24:60", "25:00", "99:00",
		"9:00", "09:0", "009:00", "09:000", "0900", "09-00", "09.00", "09:60", "09:99",
		"", ":", "ab:cd", "0a:00", "09:0a", "-1:00", "+9:00", " 9:00", "09: 0",
		"09:00 ", " 09:00", "09:00\n", "09:00:00", "９:00",
	} {
		if got, ok := ParseWindowTime(s); ok {
			t.Errorf("ParseWindowTime(%q) = %d, true; want false", s, got)
		}
	}
	// Every HH:MM from 00:00 to 24:59, exhaustively.
	n := 0
	for h := 0; h <= 25; h++ {
		for m := 0; m <= 60; m++ {
			s := fmt.Sprintf("%02d:%02d", h, m)
			wantOK := m <= 59 && (h < 24 || h == 24 && m == 0)
			got, ok := ParseWindowTime(s)
			if ok != wantOK || (ok && got != h*60+m) {
				t.Errorf("ParseWindowTime(%q) = %d, %v; want %d, %v", s, got, ok, h*60+m, wantOK)
			}
			n++
		}
	}
	if n != 26*61 {
		t.Fatalf("checked %d strings", n)
	}
}

func TestIsWeekdayName(t *testing.T) {
	for _, s := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		if !IsWeekdayName(s) {
			t.Errorf("IsWeekdayName(%q) = false", s)
		}
	}
	for _, s := range []string{"", "Mon", "MON", "monday", "mo", "m", " mon", "mon ", "tues", "thur", "weekday", "0", "1", "sunday"} {
		if IsWeekdayName(s) {
			t.Errorf("IsWeekdayName(%q) = true", s)
		}
	}
	names := WeekdayNames()
	if len(names) != 7 {
		t.Fatalf("WeekdayNames() = %v", names)
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if want := strings.ToLower(d.String()[:3]); names[d] != want || !IsWeekdayName(names[d]) {
			t.Errorf("WeekdayNames()[%s] = %q, want %q", d, names[d], want)
		}
	}
}

// scheduleTestZone loads an IANA zone or stops the test.
func scheduleTestZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// scheduleAt is a wall time in loc, checked to exist as written (not in a daylight-saving
// gap). The date is normalized first, as time.Date does (October 32 is November 1).
func scheduleAt(t *testing.T, loc *time.Location, y int, mo time.Month, d, h, mi int) time.Time {
	t.Helper()
	y, mo, d = time.Date(y, mo, d, 12, 0, 0, 0, loc).Date()
	x := time.Date(y, mo, d, h, mi, 0, 0, loc)
	if yy, mm, dd := x.Date(); yy != y || mm != mo || dd != d || x.Hour() != h || x.Minute() != mi {
		t.Fatalf("%04d-%02d-%02d %02d:%02d does not exist in %s (got %v)", y, mo, d, h, mi, loc, x)
	}
	return x
}

var weekdaysOnly = []string{"mon", "tue", "wed", "thu", "fri"}
var everyDay = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

type nextOpenCase struct {
	name   string
	s      CampaignSchedule
	t      time.Time
	want   time.Time // zero with ok false
	wantOK bool
}

func runNextOpen(t *testing.T, loc *time.Location, cases []nextOpenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.NextOpen(tc.t, loc)
			if ok != tc.wantOK || (ok && !got.Equal(tc.want)) || (!ok && !got.IsZero()) {
				t.Errorf("NextOpen(%v) = %v (%v), %v; want %v (%v), %v",
					tc.t.In(loc), got.In(loc), got.UTC(), ok, tc.want.In(loc), tc.want.UTC(), tc.wantOK)
			}
		})
	}
}

func TestScheduleNextOpen(t *testing.T) {
	utc := time.UTC
	// 2026-05-04 is a Monday.
	mon := func(h, m int) time.Time { return scheduleAt(t, utc, 2026, 5, 4, h, m) }
	day := func(d, h, m int) time.Time { return scheduleAt(t, utc, 2026, 5, d, h, m) }
	if mon(0, 0).Weekday() != time.Monday {
		t.Fatal("2026-05-04 is not a Monday")
	}
	office := CampaignSchedule{Windows: []CallingWindow{{Days: weekdaysOnly, Start: "09:00", End: "17:00"}}}
	several := CampaignSchedule{Windows: []CallingWindow{
		{Days: everyDay, Start: "13:00", End: "15:00"},
		{Days: everyDay, Start: "09:00", End: "11:00"},
		{Days: everyDay, Start: "10:00", End: "12:00"},
		{Days: []string{"mon"}, Start: "08:30", End: "08:45"},
	}}
	withStart := func(s CampaignSchedule, at time.Time) CampaignSchedule { s.StartAt = &at; return s }
	withEnd := func(s CampaignSchedule, at time.Time) CampaignSchedule { s.EndAt = &at; return s }

	runNextOpen(t, utc, []nextOpenCase{
		// One window.
		{"inside a window", office, mon(10, 15), mon(10, 15), true},
		{"inside, sub-minute", office, mon(9, 0).Add(30*time.Second + 7), mon(9, 0).Add(30*time.Second + 7), true},
		{"at the window start", office, mon(9, 0), mon(9, 0), true},
		{"just before the window start", office, mon(9, 0).Add(-time.Nanosecond), mon(9, 0), true},
		{"before the window, same day", office, mon(7, 0), mon(9, 0), true},
		{"at midnight", office, mon(0, 0), mon(9, 0), true},
		{"last instant of the window", office, mon(17, 0).Add(-time.Nanosecond), mon(17, 0).Add(-time.Nanosecond), true},
		{"at the window end (exclusive)", office, mon(17, 0), day(5, 9, 0), true},
		{"after the day's window", office, mon(18, 0), day(5, 9, 0), true},
		{"friday evening to monday", office, day(8, 17, 30), day(11, 9, 0), true},
		{"saturday to monday", office, day(9, 11, 0), day(11, 9, 0), true},
		{"sunday 23:59 to monday", office, day(10, 23, 59), day(11, 9, 0), true},
		{"one day a week, just missed: a week later", CampaignSchedule{Windows: []CallingWindow{{Days: []string{"mon"}, Start: "09:00", End: "10:00"}}},
			mon(10, 0), day(11, 9, 0), true},
		{"day listed twice", CampaignSchedule{Windows: []CallingWindow{{Days: []string{"tue", "tue"}, Start: "09:00", End: "10:00"}}},
			mon(10, 0), day(5, 9, 0), true},

		// Several windows on one day: the earliest that is still open.
		{"several: before all", several, mon(7, 0), mon(8, 30), true},
		{"several: monday-only window", several, mon(8, 40), mon(8, 40), true},
		{"several: between monday-only and 09:00", several, mon(8, 45), mon(9, 0), true},
		{"several: in overlapping windows", several, mon(10, 30), mon(10, 30), true},
		{"several: 11:00 still in the 10-12 window", several, mon(11, 0), mon(11, 0), true},
		{"several: gap before 13:00", several, mon(12, 0), mon(13, 0), true},
		{"several: in the last window", several, mon(14, 59), mon(14, 59), true},
		{"several: after all, next day (no monday-only)", several, mon(15, 0), day(5, 9, 0), true},
		{"several: tuesday before all", several, day(5, 8, 30), day(5, 9, 0), true},

		// StartAt.
		{"StartAt in the future, inside a window", withStart(office, mon(10, 30)), mon(6, 0), mon(10, 30), true},
		{"StartAt in the future, before a window", withStart(office, mon(7, 0)), mon(6, 0), mon(9, 0), true},
		{"StartAt in the future, after the window", withStart(office, day(6, 20, 0)), mon(6, 0), day(7, 9, 0), true},
		{"StartAt in the future on a saturday", withStart(office, day(9, 10, 0)), mon(6, 0), day(11, 9, 0), true},
		{"StartAt in the past", withStart(office, day(1, 10, 0)), mon(10, 0), mon(10, 0), true},
		{"StartAt equal to t", withStart(office, mon(10, 0)), mon(10, 0), mon(10, 0), true},
		{"StartAt in the future, no windows", withStart(CampaignSchedule{}, day(20, 3, 3)), mon(6, 0), day(20, 3, 3), true},

		// EndAt.
		{"EndAt reached", withEnd(office, mon(10, 0)), mon(10, 0), time.Time{}, false},
		{"EndAt passed", withEnd(office, mon(10, 0)), mon(11, 0), time.Time{}, false},
		{"EndAt reached, no windows", withEnd(CampaignSchedule{}, mon(10, 0)), mon(10, 0), time.Time{}, false},
		{"EndAt just after t, inside", withEnd(office, mon(10, 0).Add(time.Nanosecond)), mon(10, 0), mon(10, 0), true},
		{"EndAt before the next opening", withEnd(office, day(5, 8, 0)), mon(18, 0), time.Time{}, false},
		{"EndAt at the next opening", withEnd(office, day(5, 9, 0)), mon(18, 0), time.Time{}, false},
		{"EndAt just after the next opening", withEnd(office, day(5, 9, 0).Add(time.Nanosecond)), mon(18, 0), day(5, 9, 0), true},
		{"EndAt over the weekend", withEnd(office, day(10, 12, 0)), day(8, 18, 0), time.Time{}, false},
		{"StartAt after EndAt", withEnd(withStart(office, day(6, 10, 0)), day(6, 9, 0)), mon(10, 0), time.Time{}, false},
		{"StartAt and EndAt around a window", withEnd(withStart(office, day(6, 6, 0)), day(6, 12, 0)), mon(10, 0), day(6, 9, 0), true},

		// No windows: any time.
		{"no windows", CampaignSchedule{}, mon(3, 17), mon(3, 17), true},
		{"empty windows", CampaignSchedule{Windows: []CallingWindow{}}, day(9, 23, 59), day(9, 23, 59), true},

		// Windows naming no day: never.
		{"window with no days", CampaignSchedule{Windows: []CallingWindow{{Start: "09:00", End: "17:00"}}}, mon(10, 0), time.Time{}, false},
		{"window with empty days", CampaignSchedule{Windows: []CallingWindow{{Days: []string{}, Start: "00:00", End: "24:00"}}}, mon(10, 0), time.Time{}, false},
		{"window with unknown day names", CampaignSchedule{Windows: []CallingWindow{{Days: []string{"Mon", "monday"}, Start: "00:00", End: "24:00"}}}, mon(10, 0), time.Time{}, false},

		// A window ending 24:00.
		{"24:00: inside", CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "20:00", End: "24:00"}}}, mon(23, 59), mon(23, 59), true},
		{"24:00: last instant", CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "20:00", End: "24:00"}}},
			day(5, 0, 0).Add(-time.Nanosecond), day(5, 0, 0).Add(-time.Nanosecond), true},
		{"24:00: at midnight, the next day's window", CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "20:00", End: "24:00"}}},
			day(5, 0, 0), day(5, 20, 0), true},
		{"24:00: monday only, at tuesday midnight", CampaignSchedule{Windows: []CallingWindow{{Days: []string{"mon"}, Start: "20:00", End: "24:00"}}},
			day(5, 0, 0), day(11, 20, 0), true},
		{"00:00-24:00 every day", CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "00:00", End: "24:00"}}}, day(9, 4, 44), day(9, 4, 44), true},
		{"two windows across midnight", CampaignSchedule{Windows: []CallingWindow{
			{Days: []string{"mon"}, Start: "22:00", End: "24:00"}, {Days: []string{"tue"}, Start: "00:00", End: "02:00"}}},
			day(5, 0, 0), day(5, 0, 0), true},
		{"empty window (start = end) never opens", CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "09:00", End: "09:00"}}},
			mon(8, 0), time.Time{}, false},
	})
}

// TestScheduleNextOpenZones checks that windows are read in the lead's zone, whatever the
// location of t.
func TestScheduleNextOpenZones(t *testing.T) {
	ny := scheduleTestZone(t, "America/New_York")
	tokyo := scheduleTestZone(t, "Asia/Tokyo")
	office := CampaignSchedule{Windows: []CallingWindow{{Days: weekdaysOnly, Start: "09:00", End: "17:00"}}}
	// Saturday 2026-05-09 11:00 in New York (EDT, UTC-4) → Monday 2026-05-11 09:00 EDT.
	sat := scheduleAt(t, ny, 2026, 5, 9, 11, 0)
	wantMon := scheduleAt(t, ny, 2026, 5, 11, 9, 0)
	runNextOpen(t, ny, []nextOpenCase{
		{"saturday in New York → monday 09:00 local", office, sat, wantMon, true},
		{"same, t in UTC", office, sat.UTC(), wantMon, true},
		{"same, t in Tokyo", office, sat.In(tokyo), wantMon, true},
		// Monday 2026-05-11 02:00 UTC is still Sunday 22:00 in New York.
		{"monday in UTC, sunday in New York", office, time.Date(2026, 5, 11, 2, 0, 0, 0, time.UTC), wantMon, true},
		// Friday 2026-05-08 20:30 UTC is 16:30 in New York: open.
		{"friday evening UTC, afternoon in New York", office, time.Date(2026, 5, 8, 20, 30, 0, 0, time.UTC),
			time.Date(2026, 5, 8, 20, 30, 0, 0, time.UTC), true},
	})
	if wantMon.UTC() != time.Date(2026, 5, 11, 13, 0, 0, 0, time.UTC) {
		t.Errorf("monday 09:00 EDT = %v", wantMon.UTC())
	}
	// In Tokyo (UTC+9), Saturday 2026-05-09 11:00 New York is Sunday 00:00 → Monday 09:00 JST.
	runNextOpen(t, tokyo, []nextOpenCase{
		{"same instant, Tokyo lead", office, sat, scheduleAt(t, tokyo, 2026, 5, 11, 9, 0), true},
	})
}

// TestScheduleNextOpenDaylightSaving checks that a window keeps its local hours on the days
// around a daylight-saving change, so its UTC instant moves by an hour.
func TestScheduleNextOpenDaylightSaving(t *testing.T) {
	ny := scheduleTestZone(t, "America/New_York")
	berlin := scheduleTestZone(t, "Europe/Berlin")
	office := CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "09:00", End: "17:00"}}}
	utcAt := func(mo time.Month, d, h int) time.Time { return time.Date(2026, mo, d, h, 0, 0, 0, time.UTC) }

	// Each change is checked on the two days before it, its own day and the day after: the
	// window opens at before (UTC hour) on the days before, at after from the change on.
	type dayCase struct {
		zone *time.Location
		mo   time.Month
		d    int
		want time.Time // the window's opening that day, in UTC
	}
	var days []dayCase
	for _, ch := range []struct {
		zone          *time.Location
		mo            time.Month
		d             int // the day of the change
		before, after int
	}{
		{ny, 3, 8, 14, 13},     // spring forward on Sunday 2026-03-08 02:00 EST → 03:00 EDT
		{ny, 11, 1, 13, 14},    // fall back on Sunday 2026-11-01 02:00 EDT → 01:00 EST
		{berlin, 3, 29, 8, 7},  // spring forward on Sunday 2026-03-29 02:00 CET → 03:00 CEST
		{berlin, 10, 25, 7, 8}, // fall back on Sunday 2026-10-25 03:00 CEST → 02:00 CET
	} {
		for off := -2; off <= 1; off++ {
			h := ch.before
			if off >= 0 {
				h = ch.after
			}
			// The date normalized, as time.Date does (November 0 is October 31).
			_, mo, d := time.Date(2026, ch.mo, ch.d+off, 12, 0, 0, 0, time.UTC).Date()
			days = append(days, dayCase{ch.zone, mo, d, utcAt(mo, d, h)})
		}
	}
	for _, tc := range days {
		name := fmt.Sprintf("%s 2026-%02d-%02d", tc.zone, tc.mo, tc.d)
		t.Run(name, func(t *testing.T) {
			loc := tc.zone
			// From just after midnight of the day (before the change), from the evening
			// before (across the change), and from 08:59 local.
			froms := []time.Time{
				scheduleAt(t, loc, 2026, tc.mo, tc.d, 0, 30),
				scheduleAt(t, loc, 2026, tc.mo, tc.d, 0, 30).Add(-6 * time.Hour),
				scheduleAt(t, loc, 2026, tc.mo, tc.d, 8, 59),
			}
			for _, from := range froms {
				got, ok := office.NextOpen(from, loc)
				if !ok || !got.Equal(tc.want) {
					t.Errorf("NextOpen(%v) = %v (%v), %v; want %v (%v)", from, got.In(loc), got.UTC(), ok, tc.want.In(loc), tc.want)
				}
				if ok && (got.In(loc).Hour() != 9 || got.In(loc).Minute() != 0) {
					t.Errorf("NextOpen(%v) = %v: not 09:00 local", from, got.In(loc))
				}
			}
			// The window closes at 17:00 local: the last instant before is open, 17:00 is not.
			end := scheduleAt(t, loc, 2026, tc.mo, tc.d, 17, 0)
			if got, ok := office.NextOpen(end.Add(-time.Nanosecond), loc); !ok || !got.Equal(end.Add(-time.Nanosecond)) {
				t.Errorf("NextOpen(16:59:59.999999999) = %v, %v: want open", got, ok)
			}
			if got, ok := office.NextOpen(end, loc); !ok || !got.Equal(scheduleAt(t, loc, 2026, tc.mo, tc.d+1, 9, 0)) {
				t.Errorf("NextOpen(17:00) = %v, %v: want the next day's 09:00", got.In(loc), ok)
			}
		})
	}
	if d := utcAt(3, 8, 13).Sub(utcAt(3, 7, 14)); d != 23*time.Hour {
		t.Errorf("spring-forward: openings %v apart, want 23h", d)
	}

	// A 00:00-24:00 window on the fall-back day (25 hours long) ends at the next local
	// midnight, 05:00Z on 2026-11-02.
	late := CampaignSchedule{Windows: []CallingWindow{{Days: []string{"sun"}, Start: "00:00", End: "24:00"}}}
	lastSun := time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	if got, ok := late.NextOpen(lastSun, ny); !ok || !got.Equal(lastSun) {
		t.Errorf("fall-back sunday 00:00-24:00 at 23:59:59.999999999 EST: %v, %v; want open", got, ok)
	}
	if got, ok := late.NextOpen(lastSun.Add(time.Nanosecond), ny); !ok || !got.Equal(scheduleAt(t, ny, 2026, 11, 8, 0, 0)) {
		t.Errorf("fall-back sunday 00:00-24:00 at midnight: %v, %v; want the next sunday", got.In(ny), ok)
	}
	// Both 01:30s of the fall-back night are inside a 00:00-24:00 window.
	first130 := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)  // 01:30 EDT
	second130 := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC) // 01:30 EST
	for _, x := range []time.Time{first130, second130} {
		if got, ok := late.NextOpen(x, ny); !ok || !got.Equal(x) {
			t.Errorf("NextOpen(%v) = %v, %v; want open", x.In(ny), got.In(ny), ok)
		}
	}
}

// TestScheduleNextOpenSpringForwardGap checks the documented reading of a window start that
// falls in the hour skipped in spring: "the instant after the gap", 02:30 → 03:30 daylight
// time.
func TestScheduleNextOpenSpringForwardGap(t *testing.T) {
	for _, tc := range []struct {
		zone   string
		mo     time.Month
		d      int
		before time.Time // 00:00 local on the day, standard time
		want   time.Time // 03:30 daylight time
	}{
		// New York: 2026-03-08 02:00 EST (07:00Z) → 03:00 EDT; 03:30 EDT is 07:30Z.
		{"America/New_York", 3, 8, time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC)},
		// Berlin: 2026-03-29 02:00 CET (01:00Z) → 03:00 CEST; 03:30 CEST is 01:30Z.
		{"Europe/Berlin", 3, 29, time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			loc := scheduleTestZone(t, tc.zone)
			s := CampaignSchedule{Windows: []CallingWindow{{Days: everyDay, Start: "02:30", End: "05:00"}}}
			windowEnd := scheduleAt(t, loc, 2026, tc.mo, tc.d, 5, 0)
			if h, m, _ := tc.want.In(loc).Clock(); h != 3 || m != 30 {
				t.Fatalf("want %v is not 03:30 local", tc.want.In(loc))
			}
			got, ok := s.NextOpen(tc.before, loc)
			if !ok || !got.Equal(tc.want) {
				t.Errorf("NextOpen(00:00 local) = %v (%v), %v; want %v (%v) "+
					"[time.Date(2026, %d, %d, 2, 30, 0, 0, %s) = %v]",
					got.In(loc), got.UTC(), ok, tc.want.In(loc), tc.want.UTC(),
					tc.mo, tc.d, tc.zone, time.Date(2026, tc.mo, tc.d, 2, 30, 0, 0, loc))
			}
			// Walk the night minute by minute: closed before 03:30 local, open from 03:30 to
			// 05:00 local, closed after.
			var wrong []string
			for x := tc.before; x.Before(tc.before.Add(8 * time.Hour)); x = x.Add(time.Minute) {
				wantOpen := !x.Before(tc.want) && x.Before(windowEnd)
				got, ok := s.NextOpen(x, loc)
				if open := ok && got.Equal(x); open != wantOpen {
					wrong = append(wrong, fmt.Sprintf("%s open=%v", x.In(loc).Format("15:04 MST"), open))
				}
			}
			if len(wrong) > 0 {
				t.Errorf("%d minutes in the wrong state, from %s to %s", len(wrong), wrong[0], wrong[len(wrong)-1])
			}
		})
	}
}

// TestScheduleNextOpenClockWalk steps a fake clock one minute at a time across 24 hours
// around a window's boundaries and checks that the schedule is open exactly while the local
// wall clock is inside the window, and that while closed NextOpen names the next opening.
func TestScheduleNextOpenClockWalk(t *testing.T) {
	for _, tc := range []struct {
		zone       string
		days       []string
		start, end string
		from       [3]int // year, month, day: the walk starts at 00:00 local of the day before
	}{
		{"UTC", weekdaysOnly, "09:00", "17:00", [3]int{2026, 5, 5}},
		{"UTC", []string{"sat", "sun"}, "10:15", "24:00", [3]int{2026, 5, 10}},
		{"America/New_York", everyDay, "09:00", "17:00", [3]int{2026, 3, 8}},
		{"America/New_York", everyDay, "09:00", "17:00", [3]int{2026, 11, 1}},
		{"America/New_York", weekdaysOnly, "08:00", "20:00", [3]int{2026, 3, 9}},
		{"Europe/Berlin", everyDay, "09:00", "17:00", [3]int{2026, 3, 29}},
		{"Europe/Berlin", everyDay, "09:00", "17:00", [3]int{2026, 10, 25}},
		{"Asia/Kolkata", everyDay, "09:30", "18:45", [3]int{2026, 5, 5}},
	} {
		name := fmt.Sprintf("%s %v %s-%s %d-%02d-%02d", tc.zone, tc.days, tc.start, tc.end, tc.from[0], tc.from[1], tc.from[2])
		t.Run(name, func(t *testing.T) {
			loc := scheduleTestZone(t, tc.zone)
			s := CampaignSchedule{Windows: []CallingWindow{{Days: tc.days, Start: tc.start, End: tc.end}}}
			sm, _ := ParseWindowTime(tc.start)
			em, _ := ParseWindowTime(tc.end)
			inWindow := func(x time.Time) bool {
				l := x.In(loc)
				mins := l.Hour()*60 + l.Minute()
				return containsDay(tc.days, l.Weekday()) && mins >= sm && mins < em
			}
			// 48 hours from 00:00 local of the day before cover the change and both
			// boundaries of the days around it.
			begin := scheduleAt(t, loc, tc.from[0], time.Month(tc.from[1]), tc.from[2]-1, 0, 0)
			flips := 0
			prev := inWindow(begin)
			for x := begin; x.Before(begin.Add(48 * time.Hour)); x = x.Add(time.Minute) {
				want := inWindow(x)
				if want != prev {
					flips++
					prev = want
				}
				got, ok := s.NextOpen(x, loc)
				if !ok {
					t.Fatalf("at %v: NextOpen not ok", x.In(loc))
				}
				if open := got.Equal(x); open != want {
					t.Errorf("at %v (%v): open = %v, want %v (NextOpen = %v)", x.In(loc), x.UTC(), open, want, got.In(loc))
					continue
				}
				if !want {
					// The next opening: open itself, the first open minute after x, at the
					// window's local start.
					if !got.After(x) || !inWindow(got) {
						t.Errorf("at %v: NextOpen = %v is not a later open instant", x.In(loc), got.In(loc))
					}
					if l := got.In(loc); l.Hour()*60+l.Minute() != sm || l.Second() != 0 || l.Nanosecond() != 0 {
						t.Errorf("at %v: NextOpen = %v is not the window start %s", x.In(loc), l, tc.start)
					}
					if g2, ok2 := s.NextOpen(got, loc); !ok2 || !g2.Equal(got) {
						t.Errorf("at %v: NextOpen = %v, which is not open (%v)", x.In(loc), got.In(loc), g2.In(loc))
					}
					for y := x.Add(time.Minute); y.Before(got); y = y.Add(time.Minute) {
						if inWindow(y) {
							t.Errorf("at %v: NextOpen = %v skips the open minute %v", x.In(loc), got.In(loc), y.In(loc))
							break
						}
					}
				}
				// Just before the minute flips, the state is the previous minute's.
				if y := x.Add(-time.Nanosecond); inWindow(y) != inWindow(x) {
					g, ok := s.NextOpen(y, loc)
					if open := ok && g.Equal(y); open != inWindow(y) {
						t.Errorf("1ns before %v: open = %v, want %v", x.In(loc), open, inWindow(y))
					}
				}
			}
			if flips == 0 {
				t.Errorf("the walk crossed no window boundary")
			}
		})
	}
}

func containsDay(days []string, d time.Weekday) bool {
	for _, x := range days {
		if x == WeekdayNames()[d] {
			return true
		}
	}
	return false
}
