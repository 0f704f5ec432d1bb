package core

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/dialtonehq/dialtone"
)

// brainFieldOrder is the order of dialtone.Brain's fields, in which their errors are listed.
var brainFieldOrder = []string{"type", "rules", "fallback", "base_url", "model", "api_key", "api_key_hint",
	"temperature", "url", "signing_secret", "signing_secret_hint", "timeout_seconds"}

// validateBrain adds every invalid field of a brain's settings to fe, named "brain.<field>"
// (rules as "brain.rules[i].<field>"), in the order of the fields. Fields that belong to
// another brain type are refused, so a setting never silently does nothing.
func validateBrain(fe *dialtone.FieldErrors, b dialtone.Brain) {
	var own dialtone.FieldErrors
	checkBrain(&own, b)
	slices.SortStableFunc(own, func(x, y dialtone.FieldError) int {
		return brainFieldRank(x.Field) - brainFieldRank(y.Field)
	})
	*fe = append(*fe, own...)
}

// brainFieldRank is the position of the brain field an error names ("brain.rules[2].say" is
// rules).
func brainFieldRank(field string) int {
	name := strings.TrimPrefix(field, "brain.")
	if i := strings.IndexAny(name, ".["); i >= 0 {
		name = name[:i]
	}
	return slices.Index(brainFieldOrder, name)
}

func checkBrain(fe *dialtone.FieldErrors, b dialtone.Brain) {
	switch b.Type {
	case "":
		fe.Add("brain.type", dialtone.CodeFieldRequired, "brain.type is required: scripted, openai or webhook.")
		return
	case dialtone.BrainScripted, dialtone.BrainOpenAI, dialtone.BrainWebhook:
	default:
		fe.Addf("brain.type", dialtone.CodeInvalidValue, "brain.type must be scripted, openai or webhook; got %q.", b.Type)
		return
	}
	onlyFor := func(field string, set bool, t dialtone.BrainType) {
		if set && b.Type != t {
			fe.Addf("brain."+field, dialtone.CodeInvalidValue, "brain.%s applies to %s brains only; this brain is %s.", field, t, b.Type)
		}
	}
	onlyFor("rules", b.Rules != nil, dialtone.BrainScripted)
	onlyFor("base_url", b.BaseURL != "", dialtone.BrainOpenAI)
	onlyFor("model", b.Model != "", dialtone.BrainOpenAI)
	onlyFor("api_key", b.APIKey != "", dialtone.BrainOpenAI)
	onlyFor("temperature", b.Temperature != nil, dialtone.BrainOpenAI)
	onlyFor("url", b.URL != "", dialtone.BrainWebhook)
	onlyFor("signing_secret", b.SigningSecret != "", dialtone.BrainWebhook)
	onlyFor("timeout_seconds", b.TimeoutSeconds != 0, dialtone.BrainWebhook)
	if b.APIKeyHint != "" {
		fe.Add("brain.api_key_hint", dialtone.CodeInvalidValue, "brain.api_key_hint is read only; send brain.api_key to set the key.")
	}
	if b.SigningSecretHint != "" {
		fe.Add("brain.signing_secret_hint", dialtone.CodeInvalidValue, "brain.signing_secret_hint is read only; send brain.signing_secret to set the secret.")
	}
	if runes(b.Fallback) > dialtone.MaxBrainLineLen {
		fe.Addf("brain.fallback", dialtone.CodeValueTooLong, "brain.fallback is %d characters; the limit is %d.", runes(b.Fallback), dialtone.MaxBrainLineLen)
	}
	switch b.Type {
	case dialtone.BrainScripted:
		validateRules(fe, b.Rules)
	case dialtone.BrainOpenAI:
		validateOpenAI(fe, b)
	case dialtone.BrainWebhook:
		if b.URL == "" {
			fe.Add("brain.url", dialtone.CodeFieldRequired, "brain.url is required for a webhook brain.")
		} else {
			validateURL(fe, "brain.url", b.URL, false)
		}
		if s := b.SigningSecret; s != "" && (runes(s) < dialtone.MinSigningSecretLen || runes(s) > dialtone.MaxSigningSecretLen || strings.ContainsFunc(s, unicode.IsSpace)) {
			fe.Addf("brain.signing_secret", dialtone.CodeInvalidValue, "brain.signing_secret must be %d to %d characters without spaces, e.g. 32 random bytes in base64.",
				dialtone.MinSigningSecretLen, dialtone.MaxSigningSecretLen)
		}
		if b.TimeoutSeconds != 0 && (b.TimeoutSeconds < dialtone.MinBrainTimeoutSeconds || b.TimeoutSeconds > dialtone.MaxBrainTimeoutSeconds) {
			fe.Addf("brain.timeout_seconds", dialtone.CodeValueOutOfRange, "brain.timeout_seconds must be between %d and %d; got %d.",
				dialtone.MinBrainTimeoutSeconds, dialtone.MaxBrainTimeoutSeconds, b.TimeoutSeconds)
		}
	}
}

func validateOpenAI(fe *dialtone.FieldErrors, b dialtone.Brain) {
	if b.BaseURL == "" {
		fe.Add("brain.base_url", dialtone.CodeFieldRequired, "brain.base_url is required for an openai brain, e.g. https://api.openai.com/v1.")
	} else {
		validateURL(fe, "brain.base_url", b.BaseURL, true)
	}
	switch {
	case strings.TrimSpace(b.Model) == "":
		fe.Add("brain.model", dialtone.CodeFieldRequired, "brain.model is required for an openai brain, e.g. gpt-4o-mini.")
	case runes(b.Model) > dialtone.MaxBrainModelLen:
		fe.Addf("brain.model", dialtone.CodeValueTooLong, "brain.model is %d characters; the limit is %d.", runes(b.Model), dialtone.MaxBrainModelLen)
	}
	switch {
	case runes(b.APIKey) > dialtone.MaxBrainAPIKeyLen:
		fe.Addf("brain.api_key", dialtone.CodeValueTooLong, "brain.api_key is %d characters; the limit is %d.", runes(b.APIKey), dialtone.MaxBrainAPIKeyLen)
	case strings.ContainsFunc(b.APIKey, unicode.IsSpace):
		fe.Add("brain.api_key", dialtone.CodeInvalidValue, "brain.api_key must not contain spaces or line breaks.")
	}
	if t := b.Temperature; t != nil && (*t < dialtone.MinBrainTemperature || *t > dialtone.MaxBrainTemperature) {
		fe.Addf("brain.temperature", dialtone.CodeValueOutOfRange, "brain.temperature must be between %g and %g; got %g.",
			dialtone.MinBrainTemperature, dialtone.MaxBrainTemperature, *t)
	}
}

// validateURL checks an absolute http(s) URL with a host. Plain http is accepted for an
// OpenAI-compatible base_url when allowHTTP (local model servers speak it), and otherwise only
// for loopback hosts (a server on the same machine, as in development).
func validateURL(fe *dialtone.FieldErrors, field, raw string, allowHTTP bool) {
	if runes(raw) > dialtone.MaxBrainURLLen {
		fe.Addf(field, dialtone.CodeValueTooLong, "%s is %d characters; the limit is %d.", field, runes(raw), dialtone.MaxBrainURLLen)
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		fe.Addf(field, dialtone.CodeInvalidValue, "%s must be an absolute https:// URL without credentials; got %q.", field, raw)
		return
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		fe.Addf(field, dialtone.CodeInvalidValue, "%s must use https:// (plain http is accepted only for localhost); got %q.", field, raw)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validateRules(fe *dialtone.FieldErrors, rules []dialtone.ScriptRule) {
	if len(rules) > dialtone.MaxScriptRules {
		fe.Addf("brain.rules", dialtone.CodeTooManyItems, "brain.rules holds %d rules; the limit is %d.", len(rules), dialtone.MaxScriptRules)
		return
	}
	for i, r := range rules {
		field := func(name string) string { return fmt.Sprintf("brain.rules[%d].%s", i, name) }
		switch {
		case strings.TrimSpace(r.Match) == "":
			fe.Add(field("match"), dialtone.CodeFieldRequired, "match is required: words to listen for, or /regex/.")
		case runes(r.Match) > dialtone.MaxScriptMatchLen:
			fe.Addf(field("match"), dialtone.CodeValueTooLong, "match is %d characters; the limit is %d.", runes(r.Match), dialtone.MaxScriptMatchLen)
		default:
			if pattern, ok := r.Pattern(); ok {
				if _, err := regexp.Compile(pattern); err != nil {
					fe.Addf(field("match"), dialtone.CodeInvalidValue, "match is not a valid regular expression: %v.", err)
				}
			} else if len(dialtone.ScriptWords(r.Match)) == 0 {
				fe.Add(field("match"), dialtone.CodeInvalidValue, "match holds no word to listen for.")
			}
		}
		if runes(r.Say) > dialtone.MaxBrainLineLen {
			fe.Addf(field("say"), dialtone.CodeValueTooLong, "say is %d characters; the limit is %d.", runes(r.Say), dialtone.MaxBrainLineLen)
		}
		switch r.Action {
		case "":
			if strings.TrimSpace(r.Say) == "" {
				fe.Add(field("say"), dialtone.CodeFieldRequired, "A rule must say something, act, or both.")
			}
		case dialtone.ActionEndCall, dialtone.ActionTransfer, dialtone.ActionPressDigits:
		default:
			fe.Addf(field("action"), dialtone.CodeInvalidValue, "action must be end_call, transfer or press_digits; got %q.", r.Action)
		}
		switch {
		case r.Action == dialtone.ActionPressDigits && r.Digits == "":
			fe.Add(field("digits"), dialtone.CodeFieldRequired, "digits is required with press_digits.")
		case r.Action != dialtone.ActionPressDigits && r.Digits != "":
			fe.Add(field("digits"), dialtone.CodeInvalidValue, "digits applies to press_digits rules only.")
		case len(r.Digits) > dialtone.MaxDTMFDigits:
			fe.Addf(field("digits"), dialtone.CodeValueTooLong, "digits is %d characters; the limit is %d.", len(r.Digits), dialtone.MaxDTMFDigits)
		case strings.Trim(r.Digits, dialtone.DTMFDigits) != "":
			fe.Addf(field("digits"), dialtone.CodeInvalidValue, "digits may hold only %s (w waits half a second); got %q.", dialtone.DTMFDigits, r.Digits)
		}
		if r.TransferTo != "" {
			if r.Action != dialtone.ActionTransfer {
				fe.Add(field("transfer_to"), dialtone.CodeInvalidValue, "transfer_to applies to transfer rules only.")
			} else if err := CheckE164(r.TransferTo); err != nil {
				fe.Add(field("transfer_to"), err.Code, err.Message)
			}
		}
	}
}
