package core

import (
	"encoding/json"
	"fmt"

	"github.com/dialtonehq/dialtone"
)

// speechKind is one of an agent's speech lists: its field name, the list in a Speech, the
// providers it accepts, and how messages name them.
type speechKind struct {
	name    string
	list    func(*dialtone.Speech) *[]dialtone.SpeechProvider
	accepts map[dialtone.SpeechProviderName]bool
	what    string
}

// speechKinds returns an agent's speech lists, in the order they are documented.
func speechKinds() []speechKind {
	return []speechKind{{"stt", func(s *dialtone.Speech) *[]dialtone.SpeechProvider { return &s.STT },
		map[dialtone.SpeechProviderName]bool{dialtone.SpeechDeepgram: true, dialtone.SpeechOpenAI: true}, "deepgram or openai"},
		{"tts", func(s *dialtone.Speech) *[]dialtone.SpeechProvider { return &s.TTS },
			map[dialtone.SpeechProviderName]bool{dialtone.SpeechOpenAI: true, dialtone.SpeechElevenLabs: true}, "openai or elevenlabs"}}
}

// validateSpeech adds every invalid field of an agent's speech settings to fe, named
// "speech.<list>[i].<field>". Whether an entry has a key (its own or its organization's) is
// checked when the settings are applied.
func validateSpeech(fe *dialtone.FieldErrors, sp dialtone.Speech) {
	for _, k := range speechKinds() {
		list := *k.list(&sp)
		if len(list) > dialtone.MaxSpeechProviders {
			fe.Addf("speech."+k.name, dialtone.CodeTooManyItems, "speech.%s holds %d providers; the limit is %d (a primary and its fallbacks).",
				k.name, len(list), dialtone.MaxSpeechProviders)
			continue
		}
		for i, e := range list {
			f := fmt.Sprintf("speech.%s[%d]", k.name, i)
			switch {
			case e.Provider == "":
				fe.Addf(f+".provider", dialtone.CodeFieldRequired, "%s.provider is required: %s.", f, k.what)
			case !k.accepts[e.Provider]:
				fe.Addf(f+".provider", dialtone.CodeInvalidValue, "%s.provider must be %s; got %q.", f, k.what, e.Provider)
			}
			for _, s := range []struct{ name, v string }{{"model", e.Model}, {"voice", e.Voice}, {"language", e.Language}} {
				if runes(s.v) > dialtone.MaxSpeechSettingLen {
					fe.Addf(f+"."+s.name, dialtone.CodeValueTooLong, "%s.%s is %d characters; the limit is %d.", f, s.name, runes(s.v), dialtone.MaxSpeechSettingLen)
				}
			}
			switch {
			case k.name == "stt" && e.Voice != "":
				fe.Addf(f+".voice", dialtone.CodeInvalidValue, "%s.voice applies to text-to-speech (speech.tts) only.", f)
			case e.Provider == dialtone.SpeechElevenLabs && k.accepts[e.Provider] && e.Voice == "":
				fe.Addf(f+".voice", dialtone.CodeFieldRequired, "%s.voice is required for elevenlabs: the voice_id from ElevenLabs' voice library.", f)
			}
			if e.BaseURL != "" {
				if e.Provider != dialtone.SpeechOpenAI {
					fe.Addf(f+".base_url", dialtone.CodeInvalidValue, "%s.base_url applies to openai only.", f)
				} else {
					validateURL(fe, f+".base_url", e.BaseURL, true)
				}
			}
			if e.APIKey.HasValue() {
				checkSpeechKey(fe, f+".api_key", e.APIKey.Value, true)
			}
		}
	}
}

// settleSpeech applies the speech settings of params to a (whose settings before were prev):
// each entry's api_key is moved into a.SpeechSecrets (sealed) and replaced by api_key_set. An
// entry without api_key keeps the key stored for the same list, position and provider; null
// drops it. An entry left with no key of its own needs its organization's key of the provider
// (org), except an openai entry with a base_url. Settings with both lists empty are none.
func (s *Agents) settleSpeech(fe *dialtone.FieldErrors, a *dialtone.Agent, prev *dialtone.Speech, org map[dialtone.SpeechProviderName]SpeechProviderSecret) {
	if a.Speech == nil || (len(a.Speech.STT) == 0 && len(a.Speech.TTS) == 0) {
		a.Speech, a.SpeechSecrets = nil, ""
		return
	}
	sp := dialtone.Speech{STT: append([]dialtone.SpeechProvider{}, a.Speech.STT...), TTS: append([]dialtone.SpeechProvider{}, a.Speech.TTS...)}
	stored, err := openSpeechSecrets(s.secrets, a.SpeechSecrets)
	if err != nil {
		stored = map[string]string{} // a damaged sealed text: the keys must be sent again
	}
	if prev == nil {
		prev = &dialtone.Speech{}
	}
	own := map[string]string{}
	firstKeyField := ""
	for _, k := range speechKinds() {
		before := *k.list(prev)
		list := *k.list(&sp)
		for i := range list {
			e, f, name := &list[i], fmt.Sprintf("speech.%s[%d]", k.name, i), speechSecretKey(k.name, i)
			switch {
			case e.APIKey.HasValue():
				own[name] = e.APIKey.Value
			case !e.APIKey.Set && i < len(before) && before[i].Provider == e.Provider && stored[name] != "":
				own[name] = stored[name]
			}
			e.APIKey, e.APIKeySet = dialtone.Optional[string]{}, own[name] != ""
			if e.APIKeySet && firstKeyField == "" {
				firstKeyField = f + ".api_key"
			}
			if _, ok := org[e.Provider]; !e.APIKeySet && !ok && (e.Provider != dialtone.SpeechOpenAI || e.BaseURL == "") {
				fe.Addf(f+".api_key", dialtone.CodeFieldRequired,
					"%s has no API key: set the organization's %s key (PUT /v1/speech-providers) or give this entry an api_key.", f, e.Provider)
			}
		}
	}
	a.Speech, a.SpeechSecrets = &sp, ""
	if len(own) == 0 {
		return
	}
	if s.secrets == nil {
		fe.Add(firstKeyField, dialtone.CodeInvalidValue, "This server has no secret key configured, so it cannot store secrets.")
		return
	}
	text, err := json.Marshal(own)
	if err != nil {
		fe.Add(firstKeyField, dialtone.CodeInvalidValue, "The API keys could not be stored.")
		return
	}
	a.SpeechSecrets = s.secrets.Seal(string(text))
}
