package core

import (
	"fmt"
	"regexp"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

var e164Shape = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// CheckE164 returns nil when s is a valid phone number written in E.164 (a "+", the country
// code and the national number, digits only), and invalid_phone_format otherwise. When s is a
// valid number written another way, the message suggests its E.164 form.
func CheckE164(s string) *dialtone.Error {
	if e164Shape.MatchString(s) {
		if num, err := phonenumbers.Parse(s, ""); err == nil && phonenumbers.IsValidNumber(num) {
			return nil
		}
		return dialtone.Errorf(dialtone.CodeInvalidPhoneFormat, "%q is not a valid phone number for its country.", s)
	}
	msg := fmt.Sprintf("%q is not in E.164 format: write a +, the country code and the number, digits only, e.g. +14155550123.", s)
	if num, err := phonenumbers.Parse(s, ""); err == nil && phonenumbers.IsValidNumber(num) {
		msg = fmt.Sprintf("%q is not in E.164 format; did you mean %s?", s, phonenumbers.Format(num, phonenumbers.E164))
	}
	return dialtone.NewError(dialtone.CodeInvalidPhoneFormat, msg)
}

// requireE164 adds to fe that field is required when v is not set, or why it is not an E.164
// number.
func requireE164(fe *dialtone.FieldErrors, field string, v dialtone.Optional[string]) {
	if !v.HasValue() {
		fe.Addf(field, dialtone.CodeFieldRequired, "%s is required.", field)
	} else if err := CheckE164(v.Value); err != nil {
		fe.Add(field, err.Code, err.Message)
	}
}
