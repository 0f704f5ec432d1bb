package dialtone_test

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

func TestSMSSegments(t *testing.T) {
	r := strings.Repeat
	for _, tc := range []struct {
		name, body string
		encoding   string
		segments   int
	}{
		{"empty", "", dialtone.EncodingGSM7, 1},
		{"hello", "Hello, world!", dialtone.EncodingGSM7, 1},
		{"160 GSM-7 fit one", r("a", 160), dialtone.EncodingGSM7, 1},
		{"161 GSM-7 need two", r("a", 161), dialtone.EncodingGSM7, 2},
		{"306 = 2 × 153", r("a", 306), dialtone.EncodingGSM7, 2},
		{"307 need three", r("a", 307), dialtone.EncodingGSM7, 3},
		{"1530 = 10 × 153", r("a", 1530), dialtone.EncodingGSM7, 10},
		{"GSM-7 accents and Greek", "Ça coûte 5€? Ñandú, Øre, ΔΦΓ", dialtone.EncodingUCS2, 1}, // û is not GSM-7
		{"GSM-7 letters of the basic table", "Ça va? Ñandù, Øre, ΔΦΓ ¿¡ §", dialtone.EncodingGSM7, 1},
		{"extension counts twice: 80 € = 160 septets", r("€", 80), dialtone.EncodingGSM7, 1},
		{"81 € = 162 septets", r("€", 81), dialtone.EncodingGSM7, 2},
		{"escape pair not split at 153", r("a", 152) + "[" + r("a", 10), dialtone.EncodingGSM7, 2}, // 152+2 > 153: '[' opens part 2
		{"escape pair fills 153 exactly", r("a", 151) + "{" + r("a", 153), dialtone.EncodingGSM7, 2},
		{"escape pair spills", r("a", 152) + "{" + r("a", 152), dialtone.EncodingGSM7, 3},
		{"all extension characters", "^{}\\[~]|€\f", dialtone.EncodingGSM7, 1},
		{"one emoji switches to UCS-2", "Hi 👋", dialtone.EncodingUCS2, 1},
		{"70 UCS-2 units fit one", r("ж", 70), dialtone.EncodingUCS2, 1},
		{"71 UCS-2 units need two", r("ж", 71), dialtone.EncodingUCS2, 2},
		{"134 = 2 × 67", r("ж", 134), dialtone.EncodingUCS2, 2},
		{"135 need three", r("ж", 135), dialtone.EncodingUCS2, 3},
		{"35 emoji = 70 units", r("😀", 35), dialtone.EncodingUCS2, 1},
		{"36 emoji = 72 units", r("😀", 36), dialtone.EncodingUCS2, 2},
		{"surrogate pair not split at 67", r("ж", 66) + "😀" + r("ж", 10), dialtone.EncodingUCS2, 2}, // 66+2 > 67
		{"Chinese", "你好，世界", dialtone.EncodingUCS2, 1},
		{"backtick is not GSM-7", "`code`", dialtone.EncodingUCS2, 1},
		{"ESC itself is not text", "a\x1bb", dialtone.EncodingUCS2, 1},
		{"invalid UTF-8 counts as U+FFFD", "a\xffb", dialtone.EncodingUCS2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, n := dialtone.SMSSegments(tc.body)
			if enc != tc.encoding || n != tc.segments {
				t.Errorf("SMSSegments(%q) = %s, %d; want %s, %d", tc.body, enc, n, tc.encoding, tc.segments)
			}
		})
	}
}

func TestParseSMSKeyword(t *testing.T) {
	for body, want := range map[string]dialtone.SMSKeyword{
		"STOP": dialtone.KeywordOptOut, "stop": dialtone.KeywordOptOut, " Stop\n": dialtone.KeywordOptOut,
		"StopAll": dialtone.KeywordOptOut, "unsubscribe": dialtone.KeywordOptOut, "Cancel": dialtone.KeywordOptOut,
		"END": dialtone.KeywordOptOut, "\tquit ": dialtone.KeywordOptOut,
		"START": dialtone.KeywordOptIn, "yes": dialtone.KeywordOptIn, "Unstop": dialtone.KeywordOptIn,
		"HELP": dialtone.KeywordHelp, "help ": dialtone.KeywordHelp,
		"": dialtone.KeywordNone, "please stop": dialtone.KeywordNone, "STOP!": dialtone.KeywordNone,
		"stop stop": dialtone.KeywordNone, "stopp": dialtone.KeywordNone, "ſtop": dialtone.KeywordNone,
		"ＳＴＯＰ": dialtone.KeywordNone, "no": dialtone.KeywordNone, "HELPME": dialtone.KeywordNone,
	} {
		if got := dialtone.ParseSMSKeyword(body); got != want {
			t.Errorf("ParseSMSKeyword(%q) = %q, want %q", body, got, want)
		}
	}
}

// FuzzSMSSegments checks what must hold for any body: GSM-7 exactly when every character is
// in the GSM-7 alphabet; one segment exactly when the body fits one; and the segment count
// between the unit count divided by the segment size and the count if each segment lost one
// unit to a split it could not make.
func FuzzSMSSegments(f *testing.F) {
	for _, s := range []string{"", "hello", strings.Repeat("€", 81), strings.Repeat("😀", 36), "a\xffb", strings.Repeat("a{", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		enc, n := dialtone.SMSSegments(body)
		units := 0
		single, part := 160, 153
		if enc == dialtone.EncodingUCS2 {
			single, part = 70, 67
			for _, r := range body {
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				units += utf16.RuneLen(r)
			}
		} else {
			for _, r := range body {
				if strings.ContainsRune("\f^{}\\[~]|€", r) {
					units += 2
				} else {
					units++
				}
			}
		}
		if enc != dialtone.EncodingGSM7 && enc != dialtone.EncodingUCS2 {
			t.Fatalf("encoding %q", enc)
		}
		if (units <= single) != (n == 1) {
			t.Fatalf("%q: %d units in %d segments", body, units, n)
		}
		if n > 1 {
			lo := (units + part - 1) / part
			hi := (units + part - 2) / (part - 1)
			if n < lo || n > hi {
				t.Fatalf("%q: %d units in %d segments, want %d..%d", body, units, n, lo, hi)
			}
		}
	})
}

// FuzzParseSMSKeyword: a keyword is recognised only when the trimmed body is, in ASCII upper
// case, one of the keywords; nothing panics.
func FuzzParseSMSKeyword(f *testing.F) {
	for _, s := range []string{"STOP", " stop ", "Help", "yes", "please stop", "ſtop", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		k := dialtone.ParseSMSKeyword(body)
		word := strings.TrimSpace(body)
		upper := strings.ToUpper(word)
		ascii := true
		for i := 0; i < len(word); i++ {
			if word[i] >= utf8.RuneSelf {
				ascii = false
			}
		}
		want := dialtone.KeywordNone
		if ascii {
			switch upper {
			case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT":
				want = dialtone.KeywordOptOut
			case "START", "YES", "UNSTOP":
				want = dialtone.KeywordOptIn
			case "HELP":
				want = dialtone.KeywordHelp
			}
		}
		if k != want {
			t.Fatalf("ParseSMSKeyword(%q) = %q, want %q", body, k, want)
		}
	})
}
