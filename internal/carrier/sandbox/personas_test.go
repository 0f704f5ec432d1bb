package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
)

func TestBuiltinPersonas(t *testing.T) {
	ps := Personas()
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
		if fe := p.Validate("persona"); len(fe) != 0 {
			t.Errorf("%s: %v", p.Name, fe)
		}
		if q, ok := PersonaNamed(p.Name); !ok || q.Name != p.Name || len(q.Steps) != len(p.Steps) {
			t.Errorf("PersonaNamed(%q) = %+v, %v", p.Name, q, ok)
		}
	}
	if !slices.IsSorted(names) || len(names) != 6 {
		t.Errorf("names %q", names)
	}
	if _, ok := PersonaNamed("nobody"); ok {
		t.Error("PersonaNamed(nobody) found one")
	}
}

// TestPersonaTable checks every two-digit ending against the table in docs/sandbox.md.
func TestPersonaTable(t *testing.T) {
	special := map[string]string{"00": "caller", "01": "interrupter", "02": "keypad", "03": "silent",
		"04": "cougher", "05": "hangs-up", "14": "silent"}
	for i := range 100 {
		end := fmt.Sprintf("%02d", i)
		want, ok := special[end]
		if !ok {
			want = "caller"
		}
		if got := PersonaFor("+141555501" + end).Name; got != want {
			t.Errorf("…%s: %s, want %s", end, got, want)
		}
	}
}

func TestCheckPersona(t *testing.T) {
	c := &Carrier{}
	for _, name := range []string{"", "keypad", "caller"} {
		if fe := c.CheckPersona(dialtone.PersonaSpec{Name: name}, "persona"); len(fe) != 0 {
			t.Errorf("%q: %v", name, fe)
		}
	}
	fe := c.CheckPersona(dialtone.PersonaSpec{Name: "robot"}, "persona")
	if len(fe) != 1 || fe[0].Field != "persona" || fe[0].Code != dialtone.CodeInvalidValue || !strings.Contains(fe[0].Message, "interrupter") {
		t.Errorf("robot: %+v", fe)
	}
	fe = c.CheckPersona(dialtone.PersonaSpec{Custom: &dialtone.Persona{Steps: []dialtone.PersonaStep{{Wait: "later"}}}}, "persona")
	if !fe.Has("persona.steps[0].wait") {
		t.Errorf("custom: %+v", fe)
	}
	if fe := c.CheckPersona(dialtone.PersonaSpec{Custom: &dialtone.Persona{Steps: []dialtone.PersonaStep{{Say: "Hi"}}}}, "persona"); len(fe) != 0 {
		t.Errorf("valid custom: %v", fe)
	}
}
