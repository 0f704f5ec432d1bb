package dialtone

import "time"

// Turn-taking limits and defaults.
const (
	DefaultEndOfTurnSilenceMS     = 600
	MinEndOfTurnSilenceMS         = 200
	MaxEndOfTurnSilenceMS         = 5000
	DefaultBargeInMinimumMS       = 200
	MinBargeInMinimumMS           = 60
	MaxBargeInMinimumMS           = 2000
	DefaultSilenceReminderSeconds = 10
	MinSilenceReminderSeconds     = 2
	MaxSilenceReminderSeconds     = 600
	DefaultSilenceReminders       = 2
	MaxSilenceReminders           = 5
	DefaultReminderText           = "Are you still there?"
	MaxReminderTextLen            = 200
)

// TurnTaking is how an agent takes turns in a conversation.
type TurnTaking struct {
	// EndOfTurnSilenceMS is how long the caller must be silent before their turn is over.
	EndOfTurnSilenceMS int `json:"end_of_turn_silence_ms"`
	// BargeInMinimumMS is how long the caller must speak over the agent to interrupt it;
	// shorter sounds (a cough) do not.
	BargeInMinimumMS int `json:"barge_in_minimum_ms"`
	// SilenceReminderSeconds is how long nobody may speak before the agent says ReminderText.
	SilenceReminderSeconds int `json:"silence_reminder_seconds"`
	// SilenceReminders is how many reminders the agent says before hanging up
	// (silence_timeout); 0 hangs up at the first silence.
	SilenceReminders int    `json:"silence_reminders"`
	ReminderText     string `json:"reminder_text"`
}

// DefaultTurnTaking returns the defaults.
func DefaultTurnTaking() TurnTaking {
	return TurnTaking{EndOfTurnSilenceMS: DefaultEndOfTurnSilenceMS, BargeInMinimumMS: DefaultBargeInMinimumMS,
		SilenceReminderSeconds: DefaultSilenceReminderSeconds, SilenceReminders: DefaultSilenceReminders,
		ReminderText: DefaultReminderText}
}

// OrDefault returns t, or the defaults when t is the zero value (an agent stored before
// turn-taking settings existed).
func (t TurnTaking) OrDefault() TurnTaking {
	if t == (TurnTaking{}) {
		return DefaultTurnTaking()
	}
	return t
}

// EndOfTurnSilence is EndOfTurnSilenceMS as a duration.
func (t TurnTaking) EndOfTurnSilence() time.Duration {
	return time.Duration(t.EndOfTurnSilenceMS) * time.Millisecond
}

// BargeInMinimum is BargeInMinimumMS as a duration.
func (t TurnTaking) BargeInMinimum() time.Duration {
	return time.Duration(t.BargeInMinimumMS) * time.Millisecond
}

// SilenceReminder is SilenceReminderSeconds as a duration.
func (t TurnTaking) SilenceReminder() time.Duration {
	return time.Duration(t.SilenceReminderSeconds) * time.Second
}

// TurnTakingParams set turn-taking; fields left out take their defaults.
type TurnTakingParams struct {
	EndOfTurnSilenceMS     Optional[int]    `json:"end_of_turn_silence_ms,omitzero"`
	BargeInMinimumMS       Optional[int]    `json:"barge_in_minimum_ms,omitzero"`
	SilenceReminderSeconds Optional[int]    `json:"silence_reminder_seconds,omitzero"`
	SilenceReminders       Optional[int]    `json:"silence_reminders,omitzero"`
	ReminderText           Optional[string] `json:"reminder_text,omitzero"`
}

// Apply returns the defaults with the fields of p that have a value.
func (p TurnTakingParams) Apply() TurnTaking {
	t := DefaultTurnTaking()
	pick(&t.EndOfTurnSilenceMS, p.EndOfTurnSilenceMS)
	pick(&t.BargeInMinimumMS, p.BargeInMinimumMS)
	pick(&t.SilenceReminderSeconds, p.SilenceReminderSeconds)
	pick(&t.SilenceReminders, p.SilenceReminders)
	pick(&t.ReminderText, p.ReminderText)
	return t
}

func pick[T any](dst *T, o Optional[T]) {
	if o.HasValue() {
		*dst = o.Value
	}
}
