package espeak

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone"
)

func TestEveryCatalogueVoiceHasAConfig(t *testing.T) {
	voices := Voices{}.Voices(context.Background())
	if len(voices) != len(dialtone.SupportedLanguages()) {
		t.Fatalf("%d voices for %d languages", len(voices), len(dialtone.SupportedLanguages()))
	}
	for _, v := range voices {
		cfg, ok := VoiceConfig(v.ID)
		if !ok || cfg.Voice == "" || v.Provider != "espeak" {
			t.Errorf("voice %s: config %+v, %v", v.ID, cfg, ok)
		}
	}
	for _, id := range []string{"sandbox-en-us-low", "espeak-xx-yy", "espeak-", ""} {
		if _, ok := VoiceConfig(id); ok {
			t.Errorf("VoiceConfig(%q) accepted", id)
		}
	}
}
