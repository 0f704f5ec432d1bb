package espeak

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone/internal/media"
)

// charsPerWord is the average length of a spoken word plus the space or punctuation after it,
// in characters, used to turn words per minute into characters per second. Six is the usual
// figure for English text (typing speeds use the same convention).
const charsPerWord = 6

// wordEnd is where a word of the text ends: after its last character.
type wordEnd struct {
	runes int // characters before the end
	bytes int // byte offset of the end
}

// textTimeline estimates which part of a text a given amount of audio speaks.
type textTimeline struct {
	text  string
	runes int       // characters in text
	ends  []wordEnd // in order
	// charsPerSample is the speaking rate assumed before the audio's length is known.
	charsPerSample float64
}

func newTextTimeline(text string, wpm int) *textTimeline {
	tl := &textTimeline{
		text:           text,
		runes:          utf8.RuneCountInString(text),
		charsPerSample: float64(wpm) * charsPerWord / 60 / media.SampleRate,
	}
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

// heard returns the text up to the end of the last word that ends at or before character
// position pos, trimmed of surrounding white space.
func (tl *textTimeline) heard(pos float64) string {
	end := 0
	for _, e := range tl.ends {
		if float64(e.runes) > pos {
			break
		}
		end = e.bytes
	}
	return strings.TrimSpace(tl.text[:end])
}

// at returns what the first samples samples of the audio speak. total is the length of the
// whole audio in samples, or -1 while it is unknown; produced is how many samples exist so far.
func (tl *textTimeline) at(samples, produced, total int64) string {
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
