package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) listVoices(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("language")
	if lang != "" && !dialtone.LanguageSupported(lang) {
		return dialtone.Errorf(dialtone.CodeInvalidLanguage, "Language %q is not supported.", lang).WithParam("language")
	}
	var out []dialtone.Voice
	for _, v := range s.opts.Voices.Voices(r.Context()) {
		if lang == "" || v.Language == lang {
			out = append(out, v)
		}
	}
	writeJSON(w, http.StatusOK, dialtone.NewList(out, false))
	return nil
}
