package speech

import (
	"context"

	"github.com/dialtonehq/dialtone"
)

// Catalogs joins the voice catalogues of several providers: for each language, the voices of
// the first catalogue come first (its first voice stays the language's default).
type Catalogs []dialtone.VoiceCatalog

var _ dialtone.VoiceCatalog = Catalogs{}

// Voices returns every provider's voices grouped by language, in the order languages first
// appear.
func (cs Catalogs) Voices(ctx context.Context) []dialtone.Voice {
	var order []string
	byLang := map[string][]dialtone.Voice{}
	for _, c := range cs {
		for _, v := range c.Voices(ctx) {
			if _, seen := byLang[v.Language]; !seen {
				order = append(order, v.Language)
			}
			byLang[v.Language] = append(byLang[v.Language], v)
		}
	}
	var out []dialtone.Voice
	for _, l := range order {
		out = append(out, byLang[l]...)
	}
	return out
}
