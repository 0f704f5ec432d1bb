package core

import (
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/dialtonehq/dialtone"
)

// LoadTimezone returns the location of an IANA time zone name. Names that are not IANA zones
// ("Local", "") are refused.
func LoadTimezone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, &time.ParseError{Value: name, Message: ": not an IANA time zone"}
	}
	return time.LoadLocation(name)
}

// promptVariable is {{name}}, with optional spaces inside the braces.
var promptVariable = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}`)

// PromptVariables are the values of {{name}} in an agent's prompts and greeting on one call:
// the call's variables, then the built-ins, which win over a variable of the same name:
//
//	{{date}}           the date in the agent's time zone, e.g. 2026-11-23
//	{{time}}           the time there, e.g. 14:05
//	{{weekday}}        the day of the week there, e.g. Monday
//	{{timezone}}       the agent's time zone, e.g. Europe/Paris
//	{{caller_number}}  the other party's number (E.164)
//	{{agent_number}}   the organization's number on the call
//	{{direction}}      inbound or outbound
//	{{agent_name}}     the agent's name
func PromptVariables(a dialtone.Agent, c dialtone.Call, now time.Time) map[string]string {
	loc, err := LoadTimezone(a.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	caller, ours := c.ToNumber, c.FromNumber
	if c.Direction == dialtone.CallInbound {
		caller, ours = c.FromNumber, c.ToNumber
	}
	vars := make(map[string]string, len(c.Variables)+8)
	for k, v := range c.Variables {
		vars[k] = v
	}
	for k, v := range map[string]string{
		"date": local.Format(time.DateOnly), "time": local.Format("15:04"), "weekday": local.Weekday().String(),
		"timezone": loc.String(), "caller_number": caller, "agent_number": ours,
		"direction": string(c.Direction), "agent_name": a.Name,
	} {
		vars[k] = v
	}
	return vars
}

// FillPrompt replaces every {{name}} in text with its value in vars; a name without a value
// becomes empty, so no unreplaced braces ever reach the brain or the caller.
func FillPrompt(text string, vars map[string]string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return promptVariable.ReplaceAllStringFunc(text, func(m string) string {
		return vars[promptVariable.FindStringSubmatch(m)[1]]
	})
}

// ComposePrompt is the system prompt of a call: the agent's prompt, then the number's
// overlay, then the call's instructions, each filled with vars and separated by a blank line.
func ComposePrompt(a dialtone.Agent, n dialtone.PhoneNumber, c dialtone.Call, vars map[string]string) string {
	var parts []string
	for _, p := range []string{a.SystemPrompt, n.CustomPrompt, c.Instructions} {
		if p = strings.TrimSpace(FillPrompt(p, vars)); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "\n\n")
}
