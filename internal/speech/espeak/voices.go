package espeak

import (
	"context"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// VoicePrefix starts the id of every espeak-ng voice: "espeak-" and espeak-ng's own voice
// name ("espeak-en-us").
const VoicePrefix = "espeak-"

// languageVoices maps each supported language to espeak-ng's voice for it.
var languageVoices = map[string]string{
	"en-US": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb",
	"es-ES": "es", "es-MX": "es-419", "fr-FR": "fr", "fr-CA": "fr", "de-DE": "de", "it-IT": "it",
	"pt-BR": "pt-br", "pt-PT": "pt", "nl-NL": "nl", "sv-SE": "sv", "pl-PL": "pl", "ja-JP": "ja",
	"ko-KR": "ko", "zh-CN": "cmn", "hi-IN": "hi",
}

// Voices is the espeak-ng voice catalogue: one voice per supported language.
type Voices struct{}

var _ dialtone.VoiceCatalog = Voices{}

// Voices returns one espeak-ng voice per supported language, in the languages' order.
func (Voices) Voices(context.Context) []dialtone.Voice {
	langs := dialtone.SupportedLanguages()
	out := make([]dialtone.Voice, 0, len(langs))
	for _, lang := range langs {
		v, ok := languageVoices[lang]
		if !ok {
			continue
		}
		out = append(out, dialtone.Voice{
			ID: VoicePrefix + strings.ToLower(lang), Object: "voice", Name: "espeak-ng " + lang,
			Language: lang, Provider: "espeak",
			Description: "Offline synthetic speech from espeak-ng (voice " + v + "): human words, robotic sound. For demos and development.",
		})
	}
	return out
}

// VoiceConfig returns the Config of the catalogue voice id, and false for an id that is not
// one of its voices.
func VoiceConfig(id string) (Config, bool) {
	lang, ok := strings.CutPrefix(id, VoicePrefix)
	if !ok {
		return Config{}, false
	}
	for l, v := range languageVoices {
		if strings.ToLower(l) == lang {
			return Config{Voice: v}, true
		}
	}
	return Config{}, false
}
