package speech

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone/internal/media"
)

// Timeline estimates which part of a text a given amount of its audio speaks, for providers
// that give no word timings: it assumes the text's characters are spread evenly over the
// audio, and cuts back to whole words (pauses at punctuation and silence at the ends make it
// run a word or so early or late).
type Timeline struct {
	text  string
	runes int       // characters in text
	ends  []wordEnd // in order
	// charsPerSample is the speaking rate assumed before the audio's length is known.
	charsPerSample float64
}

// wordEnd is where a word of the text ends: after its last character.
type wordEnd struct {
	runes int // characters before the end
	bytes int // byte offset of the end
}

// NewTimeline returns the timeline of text spoken at about charsPerSecond characters a second
// (the rate assumed until the audio's whole length is known).
func NewTimeline(text string, charsPerSecond float64) *Timeline {
	tl := &Timeline{text: text, runes: utf8.RuneCountInString(text), charsPerSample: charsPerSecond / media.SampleRate}
	inWord, r := false, 0
	for i, c := range text {
		space := unicode.IsSpace(c)
		if inWord && space {
			tl.ends = append(tl.ends, wordEnd{runes: r, bytes: i})
		}
		inWord = !space
		r++
	}
	if inWord {
		tl.ends = append(tl.ends, wordEnd{runes: r, bytes: len(text)})
	}
	return tl
}

// ExpectedSamples is how long the audio of the whole text should be at the timeline's
// speaking rate, in samples.
func (tl *Timeline) ExpectedSamples() int {
	return int(float64(tl.runes) / tl.charsPerSample)
}

// Text returns the text the timeline was made for.
func (tl *Timeline) Text() string { return tl.text }

// heard returns the text up to the end of the last word that ends at or before character
// position pos, trimmed of surrounding white space.
func (tl *Timeline) heard(pos float64) string {
	end := 0
	for _, e := range tl.ends {
		if float64(e.runes) > pos {
			break
		}
		end = e.bytes
	}
	return strings.TrimSpace(tl.text[:end])
}

// At returns what the first samples samples of the audio speak, cut back to whole words.
// total is the length of the whole audio in samples, or -1 while it is unknown; produced is
// how many samples exist so far. With total known, samples/total of the characters count as
// heard; before that, samples (capped at produced) at the timeline's speaking rate. The result
// grows with samples and is the whole (trimmed) text at or past the end of the audio.
func (tl *Timeline) At(samples, produced, total int64) string {
	if samples <= 0 {
		return ""
	}
	if total >= 0 {
		if samples >= total {
			return tl.heard(float64(tl.runes))
		}
		return tl.heard(float64(samples) / float64(total) * float64(tl.runes))
	}
	samples = min(samples, produced)
	return tl.heard(min(float64(samples)*tl.charsPerSample, float64(tl.runes)))
}
