package sandbox

import (
	"slices"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// DefaultPersona is the persona of a simulated person when none is chosen.
const DefaultPersona = "caller"

// builtinPersona returns the built-in persona called name, built afresh (callers may keep
// and change it), and reports whether there is one. The table is in docs/sandbox.md.
func builtinPersona(name string) (dialtone.Persona, bool) {
	after := func(st dialtone.PersonaStep) dialtone.PersonaStep { st.Wait = dialtone.WaitAgent; return st }
	var steps []dialtone.PersonaStep
	switch name {
	case "caller":
		steps = []dialtone.PersonaStep{
			after(dialtone.PersonaStep{Say: "Hi, I would like to know your opening hours."}),
			after(dialtone.PersonaStep{Say: "Thank you, goodbye."}),
			after(dialtone.PersonaStep{HangUp: true}),
		}
	case "interrupter":
		steps = []dialtone.PersonaStep{
			{Wait: dialtone.WaitNone, DelayMS: 1500, Say: "Sorry to interrupt, are you open today?"},
			after(dialtone.PersonaStep{Say: "Thanks, bye."}),
			after(dialtone.PersonaStep{HangUp: true}),
		}
	case "keypad":
		steps = []dialtone.PersonaStep{
			after(dialtone.PersonaStep{Press: "1234#"}),
			after(dialtone.PersonaStep{Say: "Goodbye."}),
			after(dialtone.PersonaStep{HangUp: true}),
		}
	case "silent":
		steps = []dialtone.PersonaStep{}
	case "cougher":
		steps = []dialtone.PersonaStep{
			{Wait: dialtone.WaitNone, DelayMS: 1000, NoiseMS: 120},
			after(dialtone.PersonaStep{Say: "Hello?"}),
			after(dialtone.PersonaStep{HangUp: true}),
		}
	case "hangs-up":
		steps = []dialtone.PersonaStep{after(dialtone.PersonaStep{HangUp: true})}
	default:
		return dialtone.Persona{}, false
	}
	return dialtone.Persona{Name: name, Steps: steps}, true
}

// personaNames are the built-in personas' names, sorted.
func personaNames() []string {
	return []string{"caller", "cougher", "hangs-up", "interrupter", "keypad", "silent"}
}

// Personas returns every built-in persona, sorted by name.
func Personas() []dialtone.Persona {
	names := personaNames()
	out := make([]dialtone.Persona, 0, len(names))
	for _, n := range names {
		p, _ := builtinPersona(n)
		out = append(out, p)
	}
	return out
}

// PersonaNamed returns the built-in persona called name, and reports whether there is one.
func PersonaNamed(name string) (dialtone.Persona, bool) { return builtinPersona(name) }

// PersonaFor returns the persona of the person who answers when number is dialled, chosen by
// its last two digits: 00 caller, 01 interrupter, 02 keypad, 03 silent, 04 cougher, 05
// hangs-up, 14 silent (that line hangs up by itself, see OutcomeFor), every other ending
// caller. Endings no person answers (10–13) give caller too; it is not used.
func PersonaFor(number string) dialtone.Persona {
	name := DefaultPersona
	if len(number) >= 2 {
		switch number[len(number)-2:] {
		case "01":
			name = "interrupter"
		case "02":
			name = "keypad"
		case "03", "14":
			name = "silent"
		case "04":
			name = "cougher"
		case "05":
			name = "hangs-up"
		}
	}
	p, _ := builtinPersona(name)
	return p
}

// resolvePersona returns the persona spec selects: its custom persona, the built-in one it
// names, or DefaultPersona when it is empty. It reports false for an unknown name.
func resolvePersona(spec dialtone.PersonaSpec) (dialtone.Persona, bool) {
	if spec.Custom != nil {
		p := *spec.Custom
		p.Steps = slices.Clone(p.Steps)
		return p, true
	}
	if spec.Name == "" {
		return builtinPersona(DefaultPersona)
	}
	return builtinPersona(spec.Name)
}

// CheckPersona returns a field error under field when spec names no built-in persona
// (invalid_value, listing the names), or the errors of its custom persona.
func (*Carrier) CheckPersona(spec dialtone.PersonaSpec, field string) dialtone.FieldErrors {
	if spec.Custom != nil {
		return spec.Custom.Validate(field)
	}
	var fe dialtone.FieldErrors
	if spec.Name != "" {
		if _, ok := builtinPersona(spec.Name); !ok {
			fe.Addf(field, dialtone.CodeInvalidValue, "%q is not a built-in persona; the built-in personas are %s.",
				spec.Name, strings.Join(personaNames(), ", "))
		}
	}
	return fe
}
