package core

import (
	"fmt"
	"math"
	"slices"

	"github.com/dialtonehq/dialtone"
)

// ValidateCampaign returns every invalid field of a new campaign (create) or of a change of
// one, without looking anything up. maxLive is the organization's cap on live calls, which
// bounds max_concurrent_calls.
func ValidateCampaign(params dialtone.CampaignCreateParams, create bool, maxLive int) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	required := func(field string, o interface{ HasValue() bool }, set bool) bool {
		if create && !o.HasValue() || !create && set && !o.HasValue() {
			fe.Addf(field, dialtone.CodeFieldRequired, "%s is required.", field)
			return false
		}
		return o.HasValue()
	}
	if required("name", params.Name, params.Name.Set) {
		if n := runes(params.Name.Value); n == 0 {
			fe.Add("name", dialtone.CodeValueTooShort, "name must not be empty.")
		} else if n > dialtone.MaxCampaignNameLen {
			fe.Addf("name", dialtone.CodeValueTooLong, "name is %d characters; the limit is %d.", n, dialtone.MaxCampaignNameLen)
		}
	}
	required("agent_id", params.AgentID, params.AgentID.Set)
	if params.FromNumbers.HasValue() {
		validateFromNumbers(&fe, params.FromNumbers.Value)
	}
	maxLen(&fe, "instructions", params.Instructions, dialtone.MaxCallInstructionsLen)
	if params.Schedule.HasValue() {
		validateSchedule(&fe, params.Schedule.Value)
	}
	if required("max_concurrent_calls", params.MaxConcurrentCalls, params.MaxConcurrentCalls.Set) {
		if n := params.MaxConcurrentCalls.Value; n < 1 || n > maxLive {
			fe.Addf("max_concurrent_calls", dialtone.CodeValueOutOfRange,
				"max_concurrent_calls must be between 1 and %d, your organization's cap on live calls; got %d.", maxLive, n)
		}
	}
	if params.CallsPerSecond.HasValue() {
		if v := params.CallsPerSecond.Value; math.IsNaN(v) || v <= 0 || v > dialtone.MaxCampaignCallsPerSecond {
			fe.Addf("calls_per_second", dialtone.CodeValueOutOfRange,
				"calls_per_second must be more than 0 and at most %d; got %g.", dialtone.MaxCampaignCallsPerSecond, v)
		}
	}
	if params.Retry.HasValue() {
		validateRetry(&fe, params.Retry.Value)
	}
	ValidateMetadata(&fe, "metadata", params.Metadata.Value)
	return fe
}

func validateFromNumbers(fe *dialtone.FieldErrors, nums []string) {
	if len(nums) > dialtone.MaxCampaignFromNumbers {
		fe.Addf("from_numbers", dialtone.CodeValueOutOfRange, "from_numbers holds %d numbers; the limit is %d.", len(nums), dialtone.MaxCampaignFromNumbers)
		return
	}
	for i, n := range nums {
		field := fmt.Sprintf("from_numbers[%d]", i)
		if err := CheckE164(n); err != nil {
			fe.Add(field, err.Code, err.Message)
		} else if slices.Index(nums, n) < i {
			fe.Addf(field, dialtone.CodeInvalidValue, "%s is listed twice.", n)
		}
	}
}

func validateSchedule(fe *dialtone.FieldErrors, s dialtone.CampaignSchedule) {
	if s.Timezone != "" {
		if _, err := LoadTimezone(s.Timezone); err != nil {
			fe.Addf("schedule.timezone", dialtone.CodeInvalidValue, "schedule.timezone must be an IANA time zone such as America/New_York; got %q.", s.Timezone)
		}
	}
	if s.StartAt != nil && s.EndAt != nil && !s.EndAt.After(*s.StartAt) {
		fe.Add("schedule.end_at", dialtone.CodeInvalidValue, "schedule.end_at must come after schedule.start_at.")
	}
	if len(s.Windows) > dialtone.MaxCampaignWindows {
		fe.Addf("schedule.windows", dialtone.CodeValueOutOfRange, "schedule.windows holds %d windows; the limit is %d.", len(s.Windows), dialtone.MaxCampaignWindows)
		return
	}
	for i, w := range s.Windows {
		field := fmt.Sprintf("schedule.windows[%d]", i)
		if len(w.Days) == 0 {
			fe.Addf(field+".days", dialtone.CodeFieldRequired, "%s.days must name at least one day (mon, tue, wed, thu, fri, sat, sun).", field)
		}
		for j, d := range w.Days {
			if !dialtone.IsWeekdayName(d) {
				fe.Addf(fmt.Sprintf("%s.days[%d]", field, j), dialtone.CodeInvalidValue, "%q is not a day: use mon, tue, wed, thu, fri, sat or sun.", d)
			} else if slices.Index(w.Days, d) < j {
				fe.Addf(fmt.Sprintf("%s.days[%d]", field, j), dialtone.CodeInvalidValue, "%s is listed twice.", d)
			}
		}
		start, okStart := dialtone.ParseWindowTime(w.Start)
		end, okEnd := dialtone.ParseWindowTime(w.End)
		if !okStart || start == 24*60 {
			fe.Addf(field+".start", dialtone.CodeInvalidValue, "%s.start must be a time of day as HH:MM, 00:00 to 23:59; got %q.", field, w.Start)
		}
		if !okEnd {
			fe.Addf(field+".end", dialtone.CodeInvalidValue, "%s.end must be a time of day as HH:MM, 00:01 to 24:00; got %q.", field, w.End)
		}
		if okStart && okEnd && end <= start {
			fe.Addf(field+".end", dialtone.CodeInvalidValue, "%s.end must come after its start (%s); a window cannot cross midnight, so use two windows.", field, w.Start)
		}
	}
}

func validateRetry(fe *dialtone.FieldErrors, r dialtone.RetryPolicy) {
	if r.MaxAttempts < 1 || r.MaxAttempts > dialtone.MaxRetryAttempts {
		fe.Addf("retry.max_attempts", dialtone.CodeValueOutOfRange, "retry.max_attempts counts every attempt, the first included: 1 to %d; got %d.", dialtone.MaxRetryAttempts, r.MaxAttempts)
	}
	if r.BackoffMinutes < 0 || r.BackoffMinutes > dialtone.MaxRetryBackoffMinutes {
		fe.Addf("retry.backoff_minutes", dialtone.CodeValueOutOfRange, "retry.backoff_minutes must be between 0 and %d; got %d.", dialtone.MaxRetryBackoffMinutes, r.BackoffMinutes)
	}
	for i, o := range r.RetryOn {
		field := fmt.Sprintf("retry.retry_on[%d]", i)
		if !slices.Contains(dialtone.RetryableOutcomes(), o) {
			fe.Addf(field, dialtone.CodeInvalidValue, "%q cannot be retried: use busy, no_answer, voicemail or failed.", o)
		} else if slices.Index(r.RetryOn, o) < i {
			fe.Addf(field, dialtone.CodeInvalidValue, "%s is listed twice.", o)
		}
	}
}
