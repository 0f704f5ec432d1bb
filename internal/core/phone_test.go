package core

import (
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
)

func TestCheckE164(t *testing.T) {
	for _, ok := range []string{"+14155550123", "+447446466847", "+12125550100", "+33612345678"} {
		if err := CheckE164(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for in, hint := range map[string]string{
		"4155550123":        "E.164",
		"+1 415 555 0123":   "did you mean +14155550123",
		"+1211555 0100":     "E.164",
		"+12115550100":      "not a valid phone number",
		"":                  "E.164",
		"+0123":             "E.164",
		"+1415555012345678": "E.164",
	} {
		err := CheckE164(in)
		if err == nil || err.Code != dialtone.CodeInvalidPhoneFormat || !strings.Contains(err.Message, hint) {
			t.Errorf("%q: %v, want message with %q", in, err, hint)
		}
	}
}

func FuzzCheckE164(f *testing.F) {
	for _, s := range []string{"+14155550123", "+1 415", "0044", "+", "+999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckE164(s); err == nil && !e164Shape.MatchString(s) {
			t.Fatalf("%q accepted without E.164 shape", s)
		} else if err != nil && err.Code != dialtone.CodeInvalidPhoneFormat {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
