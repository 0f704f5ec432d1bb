package espeak

import (
	"strings"
	"testing"
)

func TestTimelineWholeWords(t *testing.T) {
	text := "  Hello, this is  a test.\n"
	tl := newTextTimeline(text, DefaultWPM)
	words := strings.Fields(text)
	const total = 16000
	prev := ""
	for s := int64(-10); s <= total+100; s += 7 {
		got := tl.at(s, total, total)
		checkPrefixOfWords(t, got, words)
		if len(got) < len(prev) {
			t.Fatalf("at %d: %q is shorter than earlier %q", s, got, prev)
		}
		prev = got
	}
	if want := strings.TrimSpace(text); prev != want {
		t.Errorf("at the end: %q, want %q", prev, want)
	}
	if got := tl.at(0, total, total); got != "" {
		t.Errorf("at 0: %q", got)
	}
}

func TestTimelineBeforeEnd(t *testing.T) {
	tl := newTextTimeline("one two three four five six seven eight nine ten", 160)
	// 160 wpm × 6 chars = 16 chars/s: 1 s of audio reaches character 16, inside "four".
	if got := tl.at(8000, 8000, -1); got != "one two three" {
		t.Errorf("after 1 s: %q", got)
	}
	// Never more than what has been produced.
	if got, want := tl.at(80000, 8000, -1), tl.at(8000, 8000, -1); got != want {
		t.Errorf("capped at produced: %q, want %q", got, want)
	}
	if got := tl.at(1<<40, 1<<40, -1); got != tl.text {
		t.Errorf("far past the end: %q", got)
	}
}

// checkPrefixOfWords fails unless got is the first k words of words joined by the original
// spacing: every word in it whole.
func checkPrefixOfWords(t *testing.T, got string, words []string) {
	t.Helper()
	g := strings.Fields(got)
	if len(g) > len(words) {
		t.Fatalf("%q has more words than the text", got)
	}
	for i, w := range g {
		if w != words[i] {
			t.Fatalf("%q: word %d is %q, want %q", got, i, w, words[i])
		}
	}
}
