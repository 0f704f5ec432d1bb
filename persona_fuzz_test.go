package dialtone

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzPersonaSpec feeds arbitrary JSON to a PersonaSpec, as a sandbox call's persona field
// arrives: decoding never panics; a string is a built-in persona's name and anything else
// decoded is a custom persona; validating a custom persona never panics and names only fields
// under "persona"; a persona that validates is within the limits; and encoding round-trips.
func FuzzPersonaSpec(f *testing.F) {
	for _, seed := range []string{
		`"caller"`, `"keypad"`, `""`, `"robot"`, ` "interrupter" `, `"\u00e9\ud800"`, "\"\xff\"",
		`{"steps":[]}`, `{"steps":null}`, `{}`, `null`, `{"name":"Ada","steps":[{"say":"What time do you open?"},{"say":"Thanks, bye","hang_up":true}]}`,
		`{"steps":[{"wait":"heard","heard":"press one","press":"1#"},{"wait":"none","delay_ms":500,"noise_ms":300}]}`,
		`{"steps":[{"wait":"heard"}]}`, `{"steps":[{"wait":"agent","heard":"x"}]}`, `{"steps":[{"wait":"later"}]}`,
		`{"steps":[{"press":"12w"}]}`, `{"steps":[{"press":"é"}]}`, `{"steps":[{"press":"123456789012345678901234567890123"}]}`,
		`{"steps":[{"delay_ms":-1,"noise_ms":99999}]}`, `{"steps":[{"delay_ms":1e99}]}`, `{"steps":[{"delay_ms":1.5}]}`,
		`{"steps":[{"say":"hi","extra":1}]}`, `{"STEPS":[{"SAY":"hi"}]}`, `{"name":"` + strings.Repeat("n", 41) + `"}`,
		`{"steps":[` + strings.TrimSuffix(strings.Repeat(`{},`, MaxPersonaSteps+1), ",") + `]}`,
		`[]`, `1`, `true`, `{"steps":{}}`, `{"steps":[1]}`, `{"steps":[{"hang_up":"yes"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var spec PersonaSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			return
		}
		isString := strings.HasPrefix(strings.TrimLeft(string(raw), " \t\r\n"), `"`)
		if (spec.Custom == nil) != isString {
			t.Fatalf("%q decoded to custom %v (a string: %v)", raw, spec.Custom != nil, isString)
		}
		if spec.Custom != nil && spec.Name != "" {
			t.Fatalf("%q: custom persona with name %q", raw, spec.Name)
		}

		out, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("marshal %+v: %v", spec, err)
		}
		var back PersonaSpec
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("unmarshal %s (from %q): %v", out, raw, err)
		}
		if !reflect.DeepEqual(back, spec) {
			t.Fatalf("round trip of %q through %s:\n got %+v\nwant %+v", raw, out, back, spec)
		}

		if spec.Custom == nil {
			return
		}
		p := *spec.Custom
		fe := p.Validate("persona")
		for _, e := range fe {
			if e.Field != "persona" && !strings.HasPrefix(e.Field, "persona.") {
				t.Fatalf("%q: field %q is not under persona", raw, e.Field)
			}
			if !e.Code.Catalogued() || e.Message == "" {
				t.Fatalf("%q: bad field error %+v", raw, e)
			}
		}
		if len(fe) > 0 {
			return
		}
		if len(p.Steps) > MaxPersonaSteps {
			t.Fatalf("%q: %d steps validated", raw, len(p.Steps))
		}
		if len(p.Name) > MaxPersonaNameLen {
			t.Fatalf("%q: name of %d bytes validated", raw, len(p.Name))
		}
		for i, st := range p.Steps {
			if len(st.Press) > MaxDTMFDigits || strings.Trim(st.Press, "0123456789*#ABCD") != "" {
				t.Fatalf("%q: step %d presses %q", raw, i, st.Press)
			}
			if st.Wait != "" && st.Wait != WaitAgent && st.Wait != WaitHeard && st.Wait != WaitNone {
				t.Fatalf("%q: step %d waits %q", raw, i, st.Wait)
			}
			if (st.Wait == WaitHeard) != (st.Heard != "") || len(st.Heard) > MaxPersonaHeardLen {
				t.Fatalf("%q: step %d waits %q for heard %q", raw, i, st.Wait, st.Heard)
			}
			if st.DelayMS < 0 || st.DelayMS > MaxPersonaDelayMS || st.NoiseMS < 0 || st.NoiseMS > MaxPersonaNoiseMS || len(st.Say) > MaxPersonaSayLen {
				t.Fatalf("%q: step %d out of range: %+v", raw, i, st)
			}
		}
	})
}
