package dialtone

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// SMS encodings, as carriers count them.
const (
	EncodingGSM7 = "GSM-7" // the GSM 03.38 alphabet: 7 bits a character, 160 in one message
	EncodingUCS2 = "UCS-2" // anything else: UTF-16, 70 code units in one message
)

// MaxSMSBodyChars is the longest body a message may have, in characters (Unicode code points).
const MaxSMSBodyChars = 1600

// Sizes of SMS segments. A message longer than one segment is sent as several, each carrying a
// 6-byte concatenation header (UDH), which leaves 153 GSM-7 characters or 67 UCS-2 code units.
const (
	gsm7Single = 160
	gsm7Part   = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsm7Basic is the GSM 03.38 default alphabet (one septet each), in code order; position 0x1B
// is the escape to the extension table, listed as a space that never matches.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension is the GSM 03.38 extension table: each of these takes two septets (the escape
// and the character).
const gsm7Extension = "\f^{}\\[~]|€"

// gsm7Septets returns how many septets r takes in GSM-7 (1 or 2), or 0 when GSM-7 cannot
// carry it.
func gsm7Septets(r rune) int {
	switch {
	case r == 0x1b:
		return 0
	case strings.ContainsRune(gsm7Basic, r):
		return 1
	case strings.ContainsRune(gsm7Extension, r):
		return 2
	}
	return 0
}

// SMSSegments returns how the body of a text message is encoded and into how many segments
// (separately billed messages) carriers split it: GSM-7 when every character is in the GSM
// 03.38 alphabet or its extension table (whose characters count twice), otherwise UCS-2 (one
// UTF-16 code unit per character, two for characters outside the Basic Multilingual Plane
// such as most emoji). One segment holds 160 GSM-7 septets or 70 UCS-2 code units; a longer
// body is split into segments of 153 septets or 67 code units, never splitting an extension
// character's escape from it nor a surrogate pair, as handsets and carriers do. An empty body
// is one GSM-7 segment. Invalid UTF-8 bytes count as U+FFFD (UCS-2).
func SMSSegments(body string) (encoding string, segments int) {
	gsm := true
	for _, r := range body {
		if gsm7Septets(r) == 0 {
			gsm = false
			break
		}
	}
	if gsm {
		return EncodingGSM7, countSegments(body, gsm7Single, gsm7Part, gsm7Septets)
	}
	return EncodingUCS2, countSegments(body, ucs2Single, ucs2Part, func(r rune) int {
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return len(utf16.AppendRune(nil, r))
	})
}

// countSegments returns how many segments body takes, given the units each character costs:
// one segment when the total fits in single, else segments of part units filled in order with
// whole characters.
func countSegments(body string, single, part int, units func(rune) int) int {
	total := 0
	for _, r := range body {
		total += units(r)
	}
	if total <= single {
		return 1
	}
	segments, used := 1, 0
	for _, r := range body {
		u := units(r)
		if used+u > part {
			segments++
			used = 0
		}
		used += u
	}
	return segments
}

// SMSKeyword is what a one-word inbound message asks for.
type SMSKeyword string

// The keywords of inbound messages that carriers and regulators require senders to honour.
const (
	KeywordNone   SMSKeyword = ""
	KeywordOptOut SMSKeyword = "opt_out" // STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT
	KeywordOptIn  SMSKeyword = "opt_in"  // START, YES, UNSTOP
	KeywordHelp   SMSKeyword = "help"    // HELP
)

// ParseSMSKeyword returns the keyword an inbound body is: the whole body, in any case, with
// surrounding whitespace ignored, must be one of the keywords ("Stop " is an opt-out; "please
// stop" is not). Case is ASCII case only, as carriers match keywords: a look-alike such as
// "ſtop" (with U+017F, which Unicode upper-cases to S) is not STOP. Anything else is
// KeywordNone.
func ParseSMSKeyword(body string) SMSKeyword {
	word := strings.TrimSpace(body)
	if len(word) > len("UNSUBSCRIBE") {
		return KeywordNone
	}
	b := []byte(word)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
		default:
			return KeywordNone
		}
	}
	switch string(b) {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT":
		return KeywordOptOut
	case "START", "YES", "UNSTOP":
		return KeywordOptIn
	case "HELP":
		return KeywordHelp
	}
	return KeywordNone
}
