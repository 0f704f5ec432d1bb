package espeak

import (
	"testing"

	"github.com/dialtonehq/dialtone/internal/speech"
)

func TestCharsPerSecond(t *testing.T) {
	if got := charsPerSecond(160); got != 16 {
		t.Errorf("160 wpm = %v chars/s, want 16", got)
	}
	// 160 wpm × 6 chars = 16 chars/s: 1 s of audio reaches character 16, inside "four".
	tl := speech.NewTimeline("one two three four five six seven eight nine ten", charsPerSecond(160))
	if got := tl.At(8000, 8000, -1); got != "one two three" {
		t.Errorf("after 1 s: %q", got)
	}
}
