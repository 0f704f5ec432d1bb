package core

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// Validate returns every invalid field of params, in the order the fields are documented.
// When update is false params describe a new agent, so name is required. It checks each field
// on its own; the voice's language is checked against the agent's when the params are applied.
func (s *Agents) Validate(ctx context.Context, params dialtone.AgentParams, update bool) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if !update || params.Name.Set {
		validateName(&fe, "name", params.Name, dialtone.MaxAgentNameLen)
	}
	if params.SystemPrompt.HasValue() && runes(params.SystemPrompt.Value) > dialtone.MaxSystemPromptLen {
		fe.Addf("system_prompt", dialtone.CodePromptTooLong,
			"system_prompt is %d characters; the limit is %d.", runes(params.SystemPrompt.Value), dialtone.MaxSystemPromptLen)
	}
	maxLen(&fe, "greeting", params.Greeting, dialtone.MaxGreetingLen)
	if params.SMSPrompt.HasValue() && runes(params.SMSPrompt.Value) > dialtone.MaxSMSPromptLen {
		fe.Addf("sms_prompt", dialtone.CodePromptTooLong, "sms_prompt is %d characters; the limit is %d.",
			runes(params.SMSPrompt.Value), dialtone.MaxSMSPromptLen)
	}
	if params.Voice.HasValue() {
		if _, ok := findVoice(s.voices.Voices(ctx), params.Voice.Value); !ok {
			fe.Addf("voice", dialtone.CodeInvalidVoiceID,
				"Voice %q is not offered; GET /v1/voices lists the voices you can use.", params.Voice.Value)
		}
	}
	if params.Language.HasValue() && !dialtone.LanguageSupported(params.Language.Value) {
		fe.Addf("language", dialtone.CodeInvalidLanguage, "Language %q is not supported; use one of %s.",
			params.Language.Value, strings.Join(dialtone.SupportedLanguages(), ", "))
	}
	if params.Timezone.HasValue() {
		if _, err := LoadTimezone(params.Timezone.Value); err != nil {
			fe.Addf("timezone", dialtone.CodeInvalidValue, "timezone must be an IANA time zone such as Europe/Paris or America/New_York; got %q.", params.Timezone.Value)
		}
	}
	if params.Brain.HasValue() {
		validateBrain(&fe, params.Brain.Value)
	}
	if params.Speech.HasValue() {
		validateSpeech(&fe, params.Speech.Value)
	}
	if params.Voicemail.HasValue() {
		validateVoicemail(&fe, params.Voicemail.Value)
	}
	if params.TurnTaking.HasValue() {
		validateTurnTaking(&fe, params.TurnTaking.Value)
	}
	inRange(&fe, "max_call_duration_seconds", params.MaxCallDurationSeconds,
		dialtone.MinMaxCallDurationSeconds, dialtone.MaxMaxCallDurationSeconds)
	inRange(&fe, "ring_timeout_seconds", params.RingTimeoutSeconds,
		dialtone.MinRingTimeoutSeconds, dialtone.MaxRingTimeoutSeconds)
	if params.TransferNumbers.HasValue() {
		validateTransferNumbers(&fe, params.TransferNumbers.Value)
	}
	if params.Metadata.HasValue() {
		ValidateMetadata(&fe, "metadata", params.Metadata.Value)
	}
	return fe
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func maxLen(fe *dialtone.FieldErrors, field string, o dialtone.Optional[string], max int) {
	if o.HasValue() && runes(o.Value) > max {
		fe.Addf(field, dialtone.CodeValueTooLong, "%s is %d characters; the limit is %d.", field, runes(o.Value), max)
	}
}

func inRange(fe *dialtone.FieldErrors, field string, o dialtone.Optional[int], min, max int) {
	if o.HasValue() && (o.Value < min || o.Value > max) {
		fe.Addf(field, dialtone.CodeValueOutOfRange, "%s must be between %d and %d; got %d.", field, min, max, o.Value)
	}
}

func validateVoicemail(fe *dialtone.FieldErrors, v dialtone.Voicemail) {
	switch v.Action {
	case "":
		fe.Add("voicemail.action", dialtone.CodeFieldRequired, "voicemail.action is required: hang_up, leave_message or continue.")
	case dialtone.VoicemailHangUp, dialtone.VoicemailContinue:
	case dialtone.VoicemailLeaveMessage:
		if strings.TrimSpace(v.Message) == "" {
			fe.Add("voicemail.message", dialtone.CodeFieldRequired, "voicemail.message is required when voicemail.action is leave_message.")
		}
	default:
		fe.Addf("voicemail.action", dialtone.CodeInvalidValue, "voicemail.action must be hang_up, leave_message or continue; got %q.", v.Action)
	}
	if runes(v.Message) > dialtone.MaxVoicemailMessageLen {
		fe.Addf("voicemail.message", dialtone.CodeValueTooLong, "voicemail.message is %d characters; the limit is %d.",
			runes(v.Message), dialtone.MaxVoicemailMessageLen)
	}
}

func validateTransferNumbers(fe *dialtone.FieldErrors, nums []string) {
	if len(nums) > dialtone.MaxTransferNumbers {
		fe.Addf("transfer_numbers", dialtone.CodeTooManyItems, "transfer_numbers holds %d numbers; the limit is %d.",
			len(nums), dialtone.MaxTransferNumbers)
		return
	}
	seen := make(map[string]bool, len(nums))
	for i, n := range nums {
		field := fmt.Sprintf("transfer_numbers[%d]", i)
		if err := CheckE164(n); err != nil {
			fe.Add(field, err.Code, err.Message)
		} else if seen[n] {
			fe.Addf(field, dialtone.CodeInvalidValue, "%s is listed twice.", n)
		}
		seen[n] = true
	}
}

// ValidateMetadata checks a metadata map: at most 50 keys of 1 to 40 characters, values of at
// most 500 characters. Errors name the field as "metadata.<key>".
func ValidateMetadata(fe *dialtone.FieldErrors, field string, m map[string]string) {
	if len(m) > dialtone.MaxMetadataKeys {
		fe.Addf(field, dialtone.CodeTooManyItems, "%s has %d keys; the limit is %d.", field, len(m), dialtone.MaxMetadataKeys)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch {
		case k == "" || runes(k) > dialtone.MaxMetadataKeyLen:
			fe.Addf(field+"."+k, dialtone.CodeInvalidValue, "%s keys must be 1 to %d characters.", field, dialtone.MaxMetadataKeyLen)
		case runes(m[k]) > dialtone.MaxMetadataValueLen:
			fe.Addf(field+"."+k, dialtone.CodeValueTooLong, "%s.%s is %d characters; the limit is %d.",
				field, k, runes(m[k]), dialtone.MaxMetadataValueLen)
		}
	}
}

func validateTurnTaking(fe *dialtone.FieldErrors, t dialtone.TurnTakingParams) {
	inRange(fe, "turn_taking.end_of_turn_silence_ms", t.EndOfTurnSilenceMS, dialtone.MinEndOfTurnSilenceMS, dialtone.MaxEndOfTurnSilenceMS)
	inRange(fe, "turn_taking.barge_in_minimum_ms", t.BargeInMinimumMS, dialtone.MinBargeInMinimumMS, dialtone.MaxBargeInMinimumMS)
	inRange(fe, "turn_taking.silence_reminder_seconds", t.SilenceReminderSeconds, dialtone.MinSilenceReminderSeconds, dialtone.MaxSilenceReminderSeconds)
	inRange(fe, "turn_taking.silence_reminders", t.SilenceReminders, 0, dialtone.MaxSilenceReminders)
	maxLen(fe, "turn_taking.reminder_text", t.ReminderText, dialtone.MaxReminderTextLen)
	if t.ReminderText.HasValue() && strings.TrimSpace(t.ReminderText.Value) == "" {
		fe.Add("turn_taking.reminder_text", dialtone.CodeValueTooShort, "turn_taking.reminder_text must say something.")
	}
}
