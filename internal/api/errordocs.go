package api

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// errorDocs serves the error reference: one section per catalogued code, anchored by the code,
// which is where every error's doc_url points.
func (s *Server) errorDocs(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	return errorPage.Execute(w, dialtone.Catalogue())
}

var errorPage = template.Must(template.New("errors").Funcs(template.FuncMap{
	"code": func(s string) template.HTML {
		// Backticked spans in catalogue prose become <code>; everything else is escaped.
		parts := strings.Split(s, "`")
		var b strings.Builder
		for i, p := range parts {
			if i%2 == 1 {
				b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
			} else {
				b.WriteString(template.HTMLEscapeString(p))
			}
		}
		return template.HTML(b.String())
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dialtone error reference</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{background:#f2f2f4;padding:0 .25em;border-radius:3px}section{border-top:1px solid #ddd;padding:.5rem 0}
.meta{color:#555;font-size:.9em}h2{font-family:ui-monospace,monospace;font-size:1.1em}</style></head>
<body><h1>Dialtone error reference</h1>
<p>Every error response has the shape <code>{"error":{"type","code","message","param","details","doc_url","request_id"}}</code>.
Branch on <code>code</code>; <code>message</code> may be reworded. Validation errors list every invalid field in
<code>details.fields</code>.</p>
{{range .}}<section id="{{.Code}}"><h2><a href="#{{.Code}}">{{.Code}}</a></h2>
<p class="meta">HTTP {{.Status}} · type <code>{{.Type}}</code> · {{if .Retryable}}retrying can succeed{{else}}do not retry unchanged{{end}}{{if .Equivalents}} · hosted-platform equivalents: {{range $i, $e := .Equivalents}}{{if $i}}, {{end}}<code>{{$e}}</code>{{end}}{{end}}</p>
<p><strong>{{.Message}}</strong></p><p>{{code .Doc}}</p></section>
{{end}}</body></html>
`))

// ErrorsMarkdown renders the catalogue as docs/errors.md.
func ErrorsMarkdown() string {
	var b strings.Builder
	b.WriteString("# Error reference\n\n")
	b.WriteString("<!-- Generated from the error catalogue (catalogue_entries.go) by `make docs`; do not edit. -->\n\n")
	b.WriteString("Every error response has the shape\n" +
		"`{\"error\":{\"type\",\"code\",\"message\",\"param\",\"details\",\"doc_url\",\"request_id\"}}`.\n" +
		"Branch on `code`; `message` may be reworded and is safe to show to end users. `param` names the\n" +
		"offending field. Validation errors list every invalid field in `details.fields`\n" +
		"(`[{\"field\",\"code\",\"message\"}]`); the top-level `code` and `param` are those of the first.\n" +
		"A running server serves this reference at `/docs/errors`, and every `doc_url` points into it.\n\n")
	b.WriteString("| code | status | type | retry |\n|---|---|---|---|\n")
	cat := dialtone.Catalogue()
	for _, e := range cat {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %d | `%s` | %s |\n", e.Code, e.Code, e.Status, e.Type, yesNo(e.Retryable))
	}
	for _, e := range cat {
		fmt.Fprintf(&b, "\n## %s\n\nHTTP %d · type `%s` · %s\n\n**%s**\n\n%s\n", e.Code, e.Status, e.Type,
			map[bool]string{true: "retrying can succeed", false: "do not retry unchanged"}[e.Retryable], e.Message, e.Doc)
		if len(e.Equivalents) > 0 {
			fmt.Fprintf(&b, "\nHosted-platform equivalents: `%s`\n", strings.Join(e.Equivalents, "`, `"))
		}
	}
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
