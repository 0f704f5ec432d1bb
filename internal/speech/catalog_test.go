package speech_test

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/espeak"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

func TestCatalogsKeepEachLanguagesDefaultFirst(t *testing.T) {
	all := speech.Catalogs{sandbox.Voices{}, espeak.Voices{}}.Voices(context.Background())
	if len(all) == 0 || all[0].ID != "sandbox-en-us-low" {
		t.Fatalf("first voice %+v", all[0])
	}
	seen := map[string]bool{}
	for i, v := range all {
		if seen[v.Language] && all[i-1].Language != v.Language {
			t.Fatalf("language %s is not grouped: voice %d %s", v.Language, i, v.ID)
		}
		if !seen[v.Language] && v.Provider != "sandbox" {
			t.Fatalf("the default voice of %s is %s", v.Language, v.ID)
		}
		seen[v.Language] = true
	}
}
