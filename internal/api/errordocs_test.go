package api_test

import (
	"flag"
	"os"
	"regexp"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/api"
)

var update = flag.Bool("update", false, "rewrite generated documentation (docs/errors.md)")

// TestErrorsMarkdownIsFresh fails when docs/errors.md differs from what the catalogue generates.
// Regenerate with `make docs`.
func TestErrorsMarkdownIsFresh(t *testing.T) {
	const path = "../../docs/errors.md"
	want := api.ErrorsMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if string(got) != want {
		t.Fatal("docs/errors.md is stale: run `make docs` and commit the result")
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func TestCatalogueIsWellFormed(t *testing.T) {
	seen := map[dialtone.Code]bool{}
	for _, e := range dialtone.Catalogue() {
		if seen[e.Code] {
			t.Errorf("%s listed twice", e.Code)
		}
		seen[e.Code] = true
		if !snakeCase.MatchString(string(e.Code)) {
			t.Errorf("%s is not snake_case", e.Code)
		}
		usual := e.Type.Status()
		if usual == 0 {
			t.Errorf("%s: unknown type %s", e.Code, e.Type)
		}
		if e.Status/100 != usual/100 {
			t.Errorf("%s: status %d is not of its type's class (%d)", e.Code, e.Status, usual)
		}
		if e.Message == "" || len(e.Doc) < 40 {
			t.Errorf("%s: message or explanation missing", e.Code)
		}
	}
	if dialtone.Code("no_such_code").Entry().Code != dialtone.CodeInternalError {
		t.Error("an uncatalogued code must render as internal_error")
	}
}
