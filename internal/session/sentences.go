package session

import "strings"

// maxSentence is the longest text held back waiting for a sentence to end: a reply that runs
// on without punctuation is cut at a word boundary after this many bytes, so speech starts.
const maxSentence = 240

// sentences cuts a stream of text into sentences as it arrives, so that each can be spoken
// as soon as it is complete. A sentence ends at a newline, and at '.', '!' or '?' followed by
// white space or ending a piece of the stream (so "3.5" inside a piece does not end one: a
// model streams tokens, and a token ending in a full stop almost always ends a sentence).
type sentences struct {
	buf strings.Builder
}

// add appends text and returns the sentences it completed, trimmed.
func (s *sentences) add(text string) []string {
	var out []string
	s.buf.WriteString(text)
	cur := s.buf.String()
	start := 0
	atPieceEnd := text != ""
	for i := 0; i < len(cur); i++ {
		c := cur[i]
		end := c == '\n' || ((c == '.' || c == '!' || c == '?') && (i+1 == len(cur) && atPieceEnd || i+1 < len(cur) && isSpace(cur[i+1])))
		if !end && i-start >= maxSentence && isSpace(c) {
			end = true
		}
		if end {
			if t := strings.TrimSpace(cur[start : i+1]); t != "" {
				out = append(out, t)
			}
			start = i + 1
		}
	}
	if start > 0 {
		rest := cur[start:]
		s.buf.Reset()
		s.buf.WriteString(rest)
	}
	return out
}

// flush returns what is left (the last sentence, which may lack its full stop), trimmed.
func (s *sentences) flush() string {
	t := strings.TrimSpace(s.buf.String())
	s.buf.Reset()
	return t
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }
