package dialtone

import "time"

// SpeechProviderName names a cloud speech provider an agent can use.
type SpeechProviderName string

// The speech providers. Deepgram only recognises speech, ElevenLabs only speaks, OpenAI (and
// any OpenAI-compatible server, such as a self-hosted Whisper) does both.
const (
	SpeechDeepgram   SpeechProviderName = "deepgram"
	SpeechOpenAI     SpeechProviderName = "openai"
	SpeechElevenLabs SpeechProviderName = "elevenlabs"
)

// Speech settings limits.
const (
	// MaxSpeechProviders caps each of Speech.STT and Speech.TTS: a primary and two fallbacks.
	MaxSpeechProviders = 3
	// MaxSpeechSettingLen caps a provider entry's model, voice and language.
	MaxSpeechSettingLen = 200
	// MaxSpeechAPIKeyLen caps a provider API key.
	MaxSpeechAPIKeyLen = 500
)

// SpeechApology is what an agent says, in the voice that cannot fail (sandbox tones or
// espeak-ng, as the agent's voice says), when every speech provider of one kind has failed
// during a call; the call then ends with EndedProviderError.
const SpeechApology = "I'm sorry, I'm having technical trouble. Please call back later."

// Speech is an agent's choice of cloud speech providers: ordered lists, the first the primary
// and the others fallbacks, tried in turn when the one in use fails during a call. An empty
// list keeps the default of that kind: the agent's voice (sandbox tones or espeak-ng) for
// text-to-speech, the sandbox recogniser for speech-to-text.
type Speech struct {
	STT []SpeechProvider `json:"stt"`
	TTS []SpeechProvider `json:"tts"`
}

// SpeechProvider is one entry of an agent's speech lists.
//
// APIKey is write only: it is stored sealed and never returned. Sent as a string it becomes the
// entry's own key; sent as null the entry has none (it uses the organization's key, see
// SpeechProviderKeys); absent in an update, the entry keeps the key stored for the same list,
// position and provider, if any. Reads show APIKeySet instead: whether the entry has its own
// key (ignored on input). An entry with neither its own key nor an organization key for its
// provider is refused, except an openai entry with a BaseURL (self-hosted servers often need
// no key).
type SpeechProvider struct {
	Provider SpeechProviderName `json:"provider"`
	Model    string             `json:"model,omitempty"`
	// Voice is an ElevenLabs voice_id (required for elevenlabs) or an OpenAI voice name.
	Voice string `json:"voice,omitempty"`
	// BaseURL is the root of an OpenAI-compatible API, up to and including the version
	// (openai only), for a self-hosted server.
	BaseURL string `json:"base_url,omitempty"`
	// Language overrides the agent's language for the provider (BCP-47 for Deepgram, ISO 639-1
	// for OpenAI speech-to-text).
	Language  string           `json:"language,omitempty"`
	APIKey    Optional[string] `json:"api_key,omitzero"`
	APIKeySet bool             `json:"api_key_set"`
}

// SpeechKeys are the opened API keys of an agent's speech providers, in the order of its
// Speech lists: STT[i] and TTS[i] are the keys of Speech.STT[i] and Speech.TTS[i], the
// entry's own key or else its organization's, "" for none.
type SpeechKeys struct {
	STT []string
	TTS []string
}

// SpeechProviderKey is how an organization's key of one provider reads: the key is never shown.
type SpeechProviderKey struct {
	APIKeySet bool `json:"api_key_set"`
	// BaseURL is the OpenAI-compatible server (openai only); "" for the provider's own API.
	BaseURL string `json:"base_url,omitempty"`
}

// SpeechProviderKeys is an organization's speech provider keys, used by every agent entry of
// that provider without a key of its own. A provider without a key is null.
type SpeechProviderKeys struct {
	Object     string             `json:"object"` // "speech_providers"
	Deepgram   *SpeechProviderKey `json:"deepgram"`
	OpenAI     *SpeechProviderKey `json:"openai"`
	ElevenLabs *SpeechProviderKey `json:"elevenlabs"`
	UpdatedAt  *time.Time         `json:"updated_at"` // null until a key is first set
}

// SpeechProviderKeyParams set an organization's key of one provider.
type SpeechProviderKeyParams struct {
	APIKey  string `json:"api_key"`            // required, except for openai with a base_url
	BaseURL string `json:"base_url,omitempty"` // openai only
}

// SpeechProviderKeysParams change an organization's speech provider keys (PUT): a provider
// absent stays as it is, null removes its key, an object replaces it.
type SpeechProviderKeysParams struct {
	Deepgram   Optional[SpeechProviderKeyParams] `json:"deepgram,omitzero"`
	OpenAI     Optional[SpeechProviderKeyParams] `json:"openai,omitzero"`
	ElevenLabs Optional[SpeechProviderKeyParams] `json:"elevenlabs,omitzero"`
}

// SpeechFallback is the data of a call.speech_fallback event: the speech provider of Kind
// ("stt" or "tts") named From failed during the call and To took over; To is "" when none was
// left (the agent then apologised and ended the call with provider_error). Providers are named
// by their list position and provider, such as "tts[0] elevenlabs".
type SpeechFallback struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
}
