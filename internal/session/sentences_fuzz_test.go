package session

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzSentences streams text into the sentence splitter in pieces whose lengths come from
// cuts (one byte a piece, 0 to 16 bytes, an empty piece included; the rest of the text is
// the last piece): the sentences and the flushed rest hold exactly the text's non-space
// characters, in order; every sentence is non-empty and trimmed; and none is longer than
// maxSentence plus the text's longest word.
func FuzzSentences(f *testing.F) {
	long := strings.Repeat("and then we went on ", 20)
	for _, seed := range []struct {
		text string
		cuts string
	}{
		{"Hello, this is Ada. How can I help you today?", ""},
		{"Hello, this is Ada. How can I help you today?", "\x05\x03\x00\x07\x01\x10"},
		{"We open at 9.30 on weekdays. The price is 3.5 dollars!", "\x0c\x01\x01\x01"},
		{"Line one\nline two\n\nline three", "\x02\x02\x02"},
		{"Wait... what? Really?! Yes.", "\x01\x01\x01\x01\x01\x01\x01\x01"},
		{long + "end.", "\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10"},
		{strings.Repeat("x", 300) + " y " + strings.Repeat("z", 250), "\x0f\x00\x0f"},
		{"  \t \r\n  ", "\x01"},
		{"Café au lait\u00a0s'il vous plaît. Merci\u0085bien.", "\x03\x04"},
		{"Dr. Smith will see you. Mr.Jones won't.", "\x03\x00\x00\x03"},
		{"\xff\xfe. \xc2", "\x01\x01"},
	} {
		f.Add(seed.text, []byte(seed.cuts))
	}
	f.Fuzz(func(t *testing.T, text string, cuts []byte) {
		var s sentences
		var got []string
		rest := text
		for _, c := range cuts {
			n := min(int(c)%17, len(rest))
			piece := rest[:n]
			rest = rest[n:]
			out := s.add(piece)
			for _, sen := range out {
				if sen == "" || sen != strings.TrimSpace(sen) {
					t.Fatalf("%q (cuts %v): sentence %q is empty or untrimmed", text, cuts, sen)
				}
			}
			got = append(got, out...)
		}
		if rest != "" {
			got = append(got, s.add(rest)...)
		}
		last := s.flush()
		if last != strings.TrimSpace(last) {
			t.Fatalf("%q (cuts %v): flushed %q untrimmed", text, cuts, last)
		}
		if s.flush() != "" {
			t.Fatalf("%q (cuts %v): a second flush returned text", text, cuts)
		}

		var all strings.Builder
		for _, sen := range append(got, last) {
			all.WriteString(noSpace(sen)) // sentence by sentence: joining could mend a broken UTF-8 sequence
		}
		if want := noSpace(text); all.String() != want {
			t.Fatalf("%q (cuts %v): sentences %q + %q hold %q, want %q", text, cuts, got, last, all.String(), want)
		}
		longestWord := 0
		for w := range strings.FieldsFuncSeq(text, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }) {
			longestWord = max(longestWord, len(w))
		}
		for _, sen := range append(got, last) {
			if len(sen) > maxSentence+longestWord {
				t.Fatalf("%q (cuts %v): sentence of %d bytes, longest word %d: %q", text, cuts, len(sen), longestWord, sen)
			}
		}
	})
}

// noSpace drops every white space character of s.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
