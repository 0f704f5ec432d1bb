package speech

import (
	"strings"
	"testing"
)

func TestTimelineBeforeEnd(t *testing.T) {
	tl := NewTimeline("  one two three four five six seven eight nine ten\n", 15)
	// Length unknown: 15 characters a second. One second reaches character 15 (counting the
	// two leading spaces), the end of "three".
	if got := tl.At(8000, 8000, -1); got != "one two three" {
		t.Errorf("after 1 s, length unknown: %q", got)
	}
	// Never more than what has arrived.
	if got, want := tl.At(80000, 4000, -1), tl.At(4000, 4000, -1); got != want {
		t.Errorf("not capped at what arrived: %q, want %q", got, want)
	}
	if got, want := tl.At(1<<40, 1<<40, -1), strings.TrimSpace(tl.Text()); got != want {
		t.Errorf("far past the end: %q", got)
	}
	if got, want := tl.ExpectedSamples(), 51*8000/15; got != want {
		t.Errorf("ExpectedSamples = %d, want %d", got, want)
	}
}

func TestTimelineKnownLength(t *testing.T) {
	tl := NewTimeline("  one two three four five six seven eight nine ten\n", 15)
	// A proportion of the characters (51 in all; half is 25.5, just past "five").
	if got := tl.At(5000, 10000, 10000); got != "one two three four five" {
		t.Errorf("half-way: %q", got)
	}
	if got := tl.At(10000, 10000, 10000); got != "one two three four five six seven eight nine ten" {
		t.Errorf("at the end: %q", got)
	}
	if got := tl.At(0, 10000, 10000); got != "" {
		t.Errorf("at 0: %q", got)
	}
}

func TestTimelineWholeWords(t *testing.T) {
	text := "  Hello, this is  a test.\n"
	tl := NewTimeline(text, 16)
	words := strings.Fields(text)
	const total = 16000
	prev := ""
	for s := int64(-10); s <= total+100; s += 7 {
		got := tl.At(s, total, total)
		g := strings.Fields(got)
		if len(g) > len(words) {
			t.Fatalf("at %d: %q has more words than the text", s, got)
		}
		for i, w := range g {
			if w != words[i] {
				t.Fatalf("at %d: %q: word %d is %q, want %q", s, got, i, w, words[i])
			}
		}
		if len(got) < len(prev) {
			t.Fatalf("at %d: %q is shorter than earlier %q", s, got, prev)
		}
		prev = got
	}
	if want := strings.TrimSpace(text); prev != want {
		t.Errorf("at the end: %q, want %q", prev, want)
	}
}
