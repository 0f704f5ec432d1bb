// Package sandbox is Dialtone's built-in speech provider: a deterministic machine voice that
// encodes text as tones and decodes it back exactly. It is not human speech; it exists so that
// the whole audio path can run, and be tested, without any external software.
package sandbox

import (
	"context"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// Voices is the sandbox provider's voice catalogue: two voices per supported language, a low
// and a high tone register, the low one being the language's default.
type Voices struct{}

var _ dialtone.VoiceCatalog = Voices{}

// Voices returns every sandbox voice, each language's default first.
func (Voices) Voices(context.Context) []dialtone.Voice {
	langs := dialtone.SupportedLanguages()
	out := make([]dialtone.Voice, 0, 2*len(langs))
	for _, lang := range langs {
		for _, reg := range []struct{ name, desc string }{
			{"low", "Sandbox tone voice, low register. Deterministic machine audio for tests and demos, not human speech."},
			{"high", "Sandbox tone voice, high register. Deterministic machine audio for tests and demos, not human speech."},
		} {
			out = append(out, dialtone.Voice{
				ID:          "sandbox-" + strings.ToLower(lang) + "-" + reg.name,
				Object:      "voice",
				Name:        "Sandbox " + lang + " " + reg.name,
				Language:    lang,
				Provider:    "sandbox",
				Description: reg.desc,
			})
		}
	}
	return out
}
