package dialtone

import "time"

// Destination limits and defaults (issue 4, item 7).
const (
	// AllCountries, alone in AllowedCountries, allows every country.
	AllCountries = "*"
	// MaxAllowedCountries caps TelephonyConfig.AllowedCountries.
	MaxAllowedCountries = 250
	// MaxAllowedPrefixes caps TelephonyConfig.AllowedPrefixes.
	MaxAllowedPrefixes = 100
	// DefaultBlockPremiumRate is TelephonyConfig.BlockPremiumRate until an organization says
	// otherwise.
	DefaultBlockPremiumRate = true
)

// TelephonyConfig is an organization's telephony settings: which destinations its calls may
// reach. A destination must be in one of AllowedCountries (["*"]: any), start with one of
// AllowedPrefixes when that list is not empty, and, with BlockPremiumRate, not be a
// premium-rate or shared-cost number.
type TelephonyConfig struct {
	Object           string   `json:"object"`            // "telephony_config"
	AllowedCountries []string `json:"allowed_countries"` // ISO 3166-1 alpha-2 codes, or ["*"]
	AllowedPrefixes  []string `json:"allowed_prefixes"`  // E.164 prefixes such as "+1212"; empty: no prefix rule
	BlockPremiumRate bool     `json:"block_premium_rate"`
	// SMSHelpText is the answer to a text saying HELP to any of the organization's numbers.
	SMSHelpText string     `json:"sms_help_text"`
	UpdatedAt   *time.Time `json:"updated_at"` // null until the organization first sets its config
}

// DefaultTelephonyConfig is the config of an organization that never set one: every country,
// no prefix rule, premium-rate and shared-cost numbers blocked.
func DefaultTelephonyConfig() TelephonyConfig {
	return TelephonyConfig{
		Object:           "telephony_config",
		AllowedCountries: []string{AllCountries},
		AllowedPrefixes:  []string{},
		BlockPremiumRate: DefaultBlockPremiumRate,
		SMSHelpText:      DefaultSMSHelpText,
	}
}

// TelephonyConfigParams replace an organization's telephony config (PUT): the config becomes
// exactly what is sent, and every field absent or null takes its default (allowed_countries
// ["*"], allowed_prefixes [], block_premium_rate true), so an empty body restores the defaults.
type TelephonyConfigParams struct {
	AllowedCountries Optional[[]string] `json:"allowed_countries,omitzero"`
	AllowedPrefixes  Optional[[]string] `json:"allowed_prefixes,omitzero"`
	BlockPremiumRate Optional[bool]     `json:"block_premium_rate,omitzero"`
	SMSHelpText      Optional[string]   `json:"sms_help_text,omitzero"`
}

// DefaultSMSHelpText answers HELP until an organization sets its own sms_help_text.
const DefaultSMSHelpText = "This number sends automated messages. Reply STOP to stop receiving them, START to receive them again. Message and data rates may apply."
