package dialtone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Persona limits.
const (
	MaxPersonaSteps    = 50
	MaxPersonaSayLen   = 500
	MaxPersonaHeardLen = 200
	MaxPersonaDelayMS  = 60000
	MaxPersonaNoiseMS  = 5000
	MaxPersonaNameLen  = 40
)

// PersonaWait is what a simulated person waits for before a step of its persona.
type PersonaWait string

// The waits of a persona step.
const (
	// WaitAgent (the default) waits until the agent has spoken and then stayed silent for
	// 700 ms: the person's own sense that the agent finished its turn.
	WaitAgent PersonaWait = "agent"
	// WaitHeard waits until the agent's speech contains the step's Heard words, and acts at
	// once, talking over the agent if it is still speaking (barge-in).
	WaitHeard PersonaWait = "heard"
	// WaitNone acts as soon as the previous step is done.
	WaitNone PersonaWait = "none"
)

// PersonaStep is one thing a simulated person does: wait, pause DelayMS, then make a noise,
// say something, press keys and hang up, in that order, each optional.
type PersonaStep struct {
	Wait    PersonaWait `json:"wait,omitempty"`
	Heard   string      `json:"heard,omitempty"`    // with wait "heard": the words to wait for
	DelayMS int         `json:"delay_ms,omitempty"` // a pause after the wait, before acting
	NoiseMS int         `json:"noise_ms,omitempty"` // a burst of noise (a cough) this long
	Say     string      `json:"say,omitempty"`      // spoken in sandbox tone speech
	Press   string      `json:"press,omitempty"`    // DTMF keys, 0-9 * # A-D
	HangUp  bool        `json:"hang_up,omitempty"`  // hang up once everything above is heard
}

// Persona is how a simulated sandbox person behaves on a call: the steps, in order. After
// the last step the person stays on the line, silent, until someone hangs up.
type Persona struct {
	Name  string        `json:"name,omitempty"`
	Steps []PersonaStep `json:"steps"`
}

// PersonaSpec selects a persona: by the name of a built-in one (a JSON string), or written
// out in full (a JSON object).
type PersonaSpec struct {
	Name   string   // a built-in persona; "" when Custom is set
	Custom *Persona // a persona written in the request
}

// UnmarshalJSON accepts a string (a built-in persona's name) or a Persona object.
func (s *PersonaSpec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*s = PersonaSpec{}
		return json.Unmarshal(b, &s.Name)
	}
	var p Persona
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*s = PersonaSpec{Custom: &p}
	return nil
}

// MarshalJSON writes the name, or the persona object.
func (s PersonaSpec) MarshalJSON() ([]byte, error) {
	if s.Custom != nil {
		return json.Marshal(s.Custom)
	}
	return json.Marshal(s.Name)
}

// Validate returns every invalid field of a custom persona, named under field.
func (p Persona) Validate(field string) FieldErrors {
	var fe FieldErrors
	if len(p.Name) > MaxPersonaNameLen {
		fe.Addf(field+".name", CodeValueTooLong, "A persona name is at most %d characters.", MaxPersonaNameLen)
	}
	if len(p.Steps) > MaxPersonaSteps {
		fe.Addf(field+".steps", CodeTooManyItems, "A persona has at most %d steps.", MaxPersonaSteps)
		return fe
	}
	for i, st := range p.Steps {
		f := fmt.Sprintf("%s.steps[%d]", field, i)
		switch st.Wait {
		case "", WaitAgent, WaitNone:
			if st.Heard != "" {
				fe.Addf(f+".heard", CodeInvalidValue, `heard is only used with wait "heard".`)
			}
		case WaitHeard:
			if len(ScriptWords(st.Heard)) == 0 {
				fe.Addf(f+".heard", CodeFieldRequired, `wait "heard" needs the words to wait for in heard.`)
			}
		default:
			fe.Addf(f+".wait", CodeInvalidValue, `wait must be "agent", "heard" or "none", not %q.`, st.Wait)
		}
		if len(st.Heard) > MaxPersonaHeardLen {
			fe.Addf(f+".heard", CodeValueTooLong, "heard is at most %d characters.", MaxPersonaHeardLen)
		}
		if st.DelayMS < 0 || st.DelayMS > MaxPersonaDelayMS {
			fe.Addf(f+".delay_ms", CodeValueOutOfRange, "delay_ms must be between 0 and %d.", MaxPersonaDelayMS)
		}
		if st.NoiseMS < 0 || st.NoiseMS > MaxPersonaNoiseMS {
			fe.Addf(f+".noise_ms", CodeValueOutOfRange, "noise_ms must be between 0 and %d.", MaxPersonaNoiseMS)
		}
		if len(st.Say) > MaxPersonaSayLen {
			fe.Addf(f+".say", CodeValueTooLong, "say is at most %d characters.", MaxPersonaSayLen)
		}
		if len(st.Press) > MaxDTMFDigits {
			fe.Addf(f+".press", CodeValueTooLong, "press is at most %d keys.", MaxDTMFDigits)
		} else if i := strings.IndexFunc(st.Press, func(r rune) bool { return !strings.ContainsRune("0123456789*#ABCD", r) }); i >= 0 {
			fe.Addf(f+".press", CodeInvalidValue, "press may hold only 0-9, *, # and A-D; %q is not a key.", st.Press[i:i+1])
		}
	}
	return fe
}
