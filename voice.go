package dialtone

import "context"

// Voice is a text-to-speech voice a speech provider offers.
type Voice struct {
	ID          string `json:"id"`
	Object      string `json:"object"` // "voice"
	Name        string `json:"name"`
	Language    string `json:"language"` // BCP 47
	Provider    string `json:"provider"` // "sandbox", …
	Description string `json:"description"`
}

// VoiceCatalog is what the configured speech providers offer.
type VoiceCatalog interface {
	// Voices returns every voice, grouped by language, each language's default voice first.
	Voices(ctx context.Context) []Voice
}

// SupportedLanguages lists the BCP 47 tags agents may use.
func SupportedLanguages() []string {
	return []string{"en-US", "en-GB", "en-AU", "en-IN", "es-ES", "es-MX", "fr-FR", "fr-CA",
		"de-DE", "it-IT", "pt-BR", "pt-PT", "nl-NL", "sv-SE", "pl-PL", "ja-JP", "ko-KR", "zh-CN",
		"hi-IN"}
}

// LanguageSupported reports whether tag is in SupportedLanguages (exact, case-sensitive match).
func LanguageSupported(tag string) bool {
	for _, l := range SupportedLanguages() {
		if l == tag {
			return true
		}
	}
	return false
}
