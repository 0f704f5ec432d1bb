package dialtone

import (
	"context"
	"strings"
	"unicode"
)

// BrainType names what decides an agent's next words.
type BrainType string

// The brain types.
const (
	BrainScripted BrainType = "scripted" // offline, deterministic rules written in the agent
	BrainOpenAI   BrainType = "openai"   // any OpenAI-compatible chat-completions endpoint
	BrainWebhook  BrainType = "webhook"  // the user's server answers each caller turn
)

// BrainTypes lists the brain types.
func BrainTypes() []BrainType { return []BrainType{BrainScripted, BrainOpenAI, BrainWebhook} }

// BrainAction is something a brain can do on a call besides speaking.
type BrainAction string

// The brain actions.
const (
	ActionEndCall     BrainAction = "end_call"     // hang up once the reply is spoken
	ActionTransfer    BrainAction = "transfer"     // cold-transfer the caller to another number
	ActionPressDigits BrainAction = "press_digits" // send DTMF digits (to navigate a menu)
)

// BrainActions lists the brain actions.
func BrainActions() []BrainAction {
	return []BrainAction{ActionEndCall, ActionTransfer, ActionPressDigits}
}

// Brain limits and defaults.
const (
	MaxScriptRules             = 100
	MaxScriptMatchLen          = 200
	MaxBrainLineLen            = 1000 // a rule's say and the fallback line
	MaxDTMFDigits              = 32
	MaxBrainURLLen             = 2048
	MaxBrainModelLen           = 200
	MaxBrainAPIKeyLen          = 1000
	MinSigningSecretLen        = 24
	MaxSigningSecretLen        = 1000
	MinBrainTemperature        = 0.0
	MaxBrainTemperature        = 2.0
	MinBrainTimeoutSeconds     = 1
	MaxBrainTimeoutSeconds     = 60
	DefaultBrainTimeoutSeconds = 10
	// DTMFDigits are the characters press_digits may send: 0-9, *, #, A-D, and w (a half-second
	// wait).
	DTMFDigits = "0123456789*#ABCDw"
)

// ScriptRule is one rule of a scripted brain: when the caller's turn matches, the agent says
// Say and then does Action. The first matching rule wins.
type ScriptRule struct {
	// Match is either words, matched case-insensitively as a phrase of whole words anywhere in
	// the caller's turn (punctuation ignored), or /regex/ (Go RE2 syntax; add (?i) for case
	// insensitivity), matched against the turn as transcribed.
	Match      string      `json:"match"`
	Say        string      `json:"say,omitempty"`
	Action     BrainAction `json:"action,omitempty"`
	Digits     string      `json:"digits,omitempty"`      // press_digits: what to press
	TransferTo string      `json:"transfer_to,omitempty"` // transfer: E.164; default the agent's first transfer number
}

// Brain is an agent's brain settings. Which fields apply depends on Type; fields of another
// type are refused.
//
//   - scripted: Rules, Fallback (said when no rule matches).
//   - openai: BaseURL, Model, APIKey, Temperature, Fallback (said when the endpoint fails).
//   - webhook: URL, SigningSecret, TimeoutSeconds, Fallback (said when the server fails or
//     times out).
//
// APIKey and SigningSecret are write only: they are stored encrypted and never returned; reads
// show APIKeyHint or SigningSecretHint, "…" and the last four characters. An update that keeps
// the brain's type and sends no new secret keeps the stored one.
type Brain struct {
	Type              BrainType    `json:"type"`
	Rules             []ScriptRule `json:"rules,omitempty"`
	Fallback          string       `json:"fallback,omitempty"`
	BaseURL           string       `json:"base_url,omitempty"`
	Model             string       `json:"model,omitempty"`
	APIKey            string       `json:"api_key,omitempty"`
	APIKeyHint        string       `json:"api_key_hint,omitempty"`
	Temperature       *float64     `json:"temperature,omitempty"`
	URL               string       `json:"url,omitempty"`
	SigningSecret     string       `json:"signing_secret,omitempty"`
	SigningSecretHint string       `json:"signing_secret_hint,omitempty"`
	TimeoutSeconds    int          `json:"timeout_seconds,omitempty"`
}

// Pattern returns the regular expression of a rule whose Match is written /regex/, and
// whether it is one.
func (r ScriptRule) Pattern() (string, bool) {
	m := strings.TrimSpace(r.Match)
	if len(m) >= 2 && strings.HasPrefix(m, "/") && strings.HasSuffix(m, "/") {
		return m[1 : len(m)-1], true
	}
	return "", false
}

// ScriptWords splits text into lower-case words, dropping punctuation (apostrophes stay part
// of a word): how a rule's words and the caller's turn are compared.
func ScriptWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// Speaker says who spoke an utterance of a call.
type Speaker string

// The speakers of a call.
const (
	SpeakerAgent  Speaker = "agent"
	SpeakerCaller Speaker = "caller"
)

// Utterance is one turn of a conversation, as a brain sees the history.
type Utterance struct {
	Speaker Speaker `json:"speaker"`
	Text    string  `json:"text"`
}

// BrainTurn is one caller turn for a brain to answer, with what it needs to know.
type BrainTurn struct {
	Agent Agent
	Call  Call // the call; zero for a text message
	// Conversation is the text conversation the turn is in; nil on a call. Its Metadata is
	// the conversation's state, as the application set it.
	Conversation *SMSConversation
	Prompt       string      // the agent's system prompt with the number's overlay and the call's instructions (or the SMS prompt), variables filled in
	History      []Utterance // the conversation before this turn, oldest first
	Text         string      // what the caller just said; "" when they only pressed keys
	Digits       string      // keys the caller pressed during the turn
}

// BrainOutput is one piece of a brain's reply, in order: words to speak as soon as they
// arrive, and, on the last piece, at most one action.
type BrainOutput struct {
	Text string
	// Flush asks for Text and whatever came before it to be spoken now, even mid-sentence
	// (a webhook's interim line).
	Flush      bool
	Action     BrainAction // "" for none
	Digits     string      // with press_digits
	TransferTo string      // with transfer: an E.164 number
}

// Responder produces an agent's replies; each brain type has one.
type Responder interface {
	// Reply answers turn, calling emit with each piece of the reply in order as soon as it is
	// available, and returns once the reply is complete. An error from emit stops the reply
	// and is returned as is; a brain that fails returns an error and the session says the
	// agent's fallback line.
	Reply(ctx context.Context, turn BrainTurn, emit func(BrainOutput) error) error
}

// Summarizer is a brain that can sum up a finished conversation.
type Summarizer interface {
	// Summarize returns one or two sentences on what happened in the call, from its transcript.
	Summarize(ctx context.Context, agent Agent, transcript []TranscriptTurn) (string, error)
}
