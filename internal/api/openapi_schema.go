package api

import (
	"fmt"
	"go/token"
	"reflect"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
)

// schemaMode says which side of the wire a schema describes. A request schema forbids unknown
// properties (additionalProperties: false), because the decoder rejects unknown fields at every
// depth; a response schema leaves them open, so that adding a field to a response is not a
// breaking change for clients that validate.
type schemaMode int

const (
	modeResponse schemaMode = iota
	modeRequest
)

// schemaGen derives JSON Schemas (the OpenAPI 3.1 dialect, i.e. JSON Schema 2020-12) from Go
// types by reflection over their json tags, collecting named types as components.
//
// The rules, which mirror encoding/json:
//   - A field is named by its json tag (fields tagged "-" and unexported fields are skipped;
//     untagged exported fields keep their Go name; embedded structs without a tag are flattened).
//   - A field is required unless it has omitempty or omitzero, or is a dialtone.Optional.
//   - dialtone.Optional[T] is T's schema that also allows null; a pointer field without
//     omitempty is its element's schema that also allows null (a pointer with omitempty is
//     never null on the wire: it is absent).
//   - time.Time is a string in date-time format; maps with string keys are objects whose
//     values follow the element's schema; slices are arrays; interfaces are any value.
//   - Exported struct types, and the types in schemaNames, are components referenced with
//     $ref; unexported struct types are inlined. In request mode a component's name gets the
//     suffix "Params" unless it already ends with it, so that a type used on both sides (Brain,
//     Voicemail) has one closed request schema and one open response schema.
//   - dialtone.List[T] is the component "<T>List".
//   - schemaEnums gives the values of enumerated string types, schemaFields adds per-field
//     constraints and descriptions, schemaObjects the fixed "object" value of each type.
//
// A schemaGen is not safe for concurrent use; OpenAPI makes a new one per document.
type schemaGen struct {
	components map[string]any
	named      map[string]reflect.Type // component name → the Go type it describes, per mode
	enums      map[reflect.Type][]any
	codes      map[int][]string // catalogued codes by HTTP status, for response descriptions
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]any{}, named: map[string]reflect.Type{}, enums: schemaEnums(),
		codes: map[int][]string{}}
}

const componentPrefix = "#/components/schemas/"

var (
	timeType        = reflect.TypeFor[time.Time]()
	domainPkg       = reflect.TypeFor[dialtone.Agent]().PkgPath()
	e164Pattern     = `^\+[1-9][0-9]{1,14}$`
	notBlankPattern = `\S`
)

// schemaNames names component types whose Go name is not the name clients should see.
var schemaNames = map[reflect.Type]string{
	reflect.TypeFor[errorBody](): "Error",
}

// schemaEnums lists the values of the domain's enumerated string types.
func schemaEnums() map[reflect.Type][]any {
	codes := make([]any, 0, len(dialtone.Catalogue()))
	for _, e := range dialtone.Catalogue() {
		codes = append(codes, string(e.Code))
	}
	return map[reflect.Type][]any{
		reflect.TypeFor[dialtone.Role]():            anySlice(dialtone.Roles()),
		reflect.TypeFor[dialtone.BrainType]():       anySlice(dialtone.BrainTypes()),
		reflect.TypeFor[dialtone.VoicemailAction](): {string(dialtone.VoicemailHangUp), string(dialtone.VoicemailLeaveMessage), string(dialtone.VoicemailContinue)},
		reflect.TypeFor[dialtone.ErrorType]():       anySlice(dialtone.ErrorTypes()),
		reflect.TypeFor[dialtone.Code]():            codes,
		reflect.TypeFor[dialtone.BillingMode]():     {string(dialtone.BillingPrepaid), string(dialtone.BillingPostpaid)},
		reflect.TypeFor[dialtone.PersonaWait]():     {string(dialtone.WaitAgent), string(dialtone.WaitHeard), string(dialtone.WaitNone)},
		reflect.TypeFor[dialtone.Speaker]():         {string(dialtone.SpeakerAgent), string(dialtone.SpeakerCaller)},
	}
}

func anySlice[T ~string](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// schemaObjects is the fixed value of the "object" field of each response type.
var schemaObjects = map[reflect.Type]string{
	reflect.TypeFor[dialtone.Agent]():           "agent",
	reflect.TypeFor[dialtone.APIKey]():          "api_key",
	reflect.TypeFor[dialtone.Organization]():    "organization",
	reflect.TypeFor[dialtone.Voice]():           "voice",
	reflect.TypeFor[dialtone.TelephonyConfig](): "telephony_config",
	reflect.TypeFor[dialtone.Balance]():         "balance",
	reflect.TypeFor[dialtone.LedgerEntry]():     "ledger_entry",
}

// schemaDescriptions describes component types.
var schemaDescriptions = map[reflect.Type]string{
	reflect.TypeFor[dialtone.Agent]():                 "An AI phone agent: what it says, how it sounds and how it behaves on a call.",
	reflect.TypeFor[dialtone.AgentParams]():           "The fields of an agent create or update. `name` is required on create. On update only the fields sent change, and `null` resets a field to its default (or empties it).",
	reflect.TypeFor[dialtone.APIKey]():                "A credential of one organization. `secret` and `credential` are present only in the response that creates or rotates the key.",
	reflect.TypeFor[dialtone.KeyParams]():             "The fields of a new API key. `role` defaults to `write`.",
	reflect.TypeFor[dialtone.Organization]():          "An organization; it owns every other resource. `admin_key` is present only in the response that creates it.",
	reflect.TypeFor[dialtone.OrganizationParams]():    "The fields of a new organization. `name` is required.",
	reflect.TypeFor[dialtone.Voice]():                 "A text-to-speech voice an agent can use.",
	reflect.TypeFor[dialtone.TelephonyConfig]():       "The destinations the organization's calls may reach: a number must be in an allowed country, start with an allowed prefix (when any are listed) and, with `block_premium_rate`, not be premium-rate or shared-cost. A call elsewhere is refused with 403 `destination_not_allowed`.",
	reflect.TypeFor[dialtone.TelephonyConfigParams](): "The whole new telephony config: it replaces the current one, and every field absent or null takes its default, so `{}` restores the defaults.",
	reflect.TypeFor[dialtone.Deleted]():               "The answer to a delete.",
	reflect.TypeFor[dialtone.Money]():                 "An amount of money in integer micro-units of its currency (1 USD = 1,000,000 micros); never a float.",
	reflect.TypeFor[dialtone.Balance]():               "What the organization has left: the sum of its ledger. A prepaid organization needs a positive balance to provision; a postpaid one may go negative.",
	reflect.TypeFor[dialtone.LedgerEntry]():           "One immutable billable event: positive for credits, negative for charges.",
	reflect.TypeFor[dialtone.CreditParams]():          "Funds to add to an organization's balance. `amount_micros` is required.",
	reflect.TypeFor[dialtone.Brain]():                 "What decides the agent's next words.",
	reflect.TypeFor[dialtone.Voicemail]():             "What the agent does when an outbound call reaches voicemail. `message` is required with `leave_message`.",
	reflect.TypeFor[dialtone.FieldError]():            "One invalid field of a request.",
	reflect.TypeFor[errorBody]():                      "The body of every non-2xx response.",
}

// schemaFields adds constraints and descriptions to fields, by type and json name. They restate
// the limits core enforces, from the domain's constants.
var schemaFields = func() map[reflect.Type]map[string]map[string]any {
	agent := map[string]map[string]any{
		"name":          {"minLength": 1, "maxLength": dialtone.MaxAgentNameLen, "pattern": notBlankPattern},
		"system_prompt": {"maxLength": dialtone.MaxSystemPromptLen, "description": "Instructions for the brain."},
		"greeting":      {"maxLength": dialtone.MaxGreetingLen, "description": "What the agent says first when a call connects."},
		"voice":         {"description": "A voice id from GET /v1/voices, of the agent's language."},
		"language":      {"enum": anySlice(dialtone.SupportedLanguages()), "description": "BCP 47 tag of the language the agent speaks."},
		"max_call_duration_seconds": {"minimum": dialtone.MinMaxCallDurationSeconds, "maximum": dialtone.MaxMaxCallDurationSeconds,
			"description": "Calls are ended after this many seconds."},
		"ring_timeout_seconds": {"minimum": dialtone.MinRingTimeoutSeconds, "maximum": dialtone.MaxRingTimeoutSeconds,
			"description": "How long an outbound call rings before it counts as unanswered."},
		"transfer_numbers": {"maxItems": dialtone.MaxTransferNumbers, "uniqueItems": true,
			"items":       map[string]any{"type": "string", "pattern": e164Pattern},
			"description": "E.164 numbers the agent may transfer a call to."},
		"metadata": {"maxProperties": dialtone.MaxMetadataKeys,
			"propertyNames":        map[string]any{"minLength": 1, "maxLength": dialtone.MaxMetadataKeyLen},
			"additionalProperties": map[string]any{"type": "string", "maxLength": dialtone.MaxMetadataValueLen},
			"description":          "Your own key-value pairs, returned as sent."},
	}
	agentParams := map[string]map[string]any{}
	for k, v := range agent {
		agentParams[k] = v
	}
	agentParams["language"] = with(agent["language"], "default", dialtone.DefaultLanguage)
	agentParams["max_call_duration_seconds"] = with(agent["max_call_duration_seconds"], "default", dialtone.DefaultMaxCallDuration)
	agentParams["ring_timeout_seconds"] = with(agent["ring_timeout_seconds"], "default", dialtone.DefaultRingTimeoutSeconds)
	agentParams["name"] = with(agent["name"], "description", "Required on create; cannot be null.")

	telephony := map[string]map[string]any{
		"allowed_countries": {"minItems": 1, "maxItems": dialtone.MaxAllowedCountries, "uniqueItems": true,
			"items":       map[string]any{"type": "string", "pattern": `^([A-Z]{2}|\*)$`},
			"description": "ISO 3166-1 alpha-2 codes of the countries calls may reach, or `[\"*\"]` alone for every country."},
		"allowed_prefixes": {"maxItems": dialtone.MaxAllowedPrefixes, "uniqueItems": true,
			"items":       map[string]any{"type": "string", "pattern": `^\+[1-9][0-9]{0,14}$`},
			"description": "When not empty, a destination must also start with one of these E.164 prefixes, such as `+1212`."},
		"block_premium_rate": {"description": "Refuse premium-rate and shared-cost numbers."},
		"updated_at":         {"description": "When the config was last set; null while it is the default."},
	}
	telephonyParams := map[string]map[string]any{
		"allowed_countries":  with(telephony["allowed_countries"], "default", []any{dialtone.AllCountries}),
		"allowed_prefixes":   with(telephony["allowed_prefixes"], "default", []any{}),
		"block_premium_rate": with(telephony["block_premium_rate"], "default", dialtone.DefaultBlockPremiumRate),
	}

	orgName := map[string]any{"minLength": 1, "maxLength": dialtone.MaxOrganizationNameLen, "pattern": notBlankPattern}
	keyName := map[string]any{"maxLength": dialtone.MaxKeyNameLen}
	return map[reflect.Type]map[string]map[string]any{
		reflect.TypeFor[dialtone.Agent]():       agent,
		reflect.TypeFor[dialtone.AgentParams](): agentParams,
		reflect.TypeFor[dialtone.Voicemail](): {
			"message": {"maxLength": dialtone.MaxVoicemailMessageLen, "description": "What the agent says to the voicemail; required with leave_message."},
		},
		reflect.TypeFor[dialtone.APIKey](): {
			"name":        keyName,
			"secret_hint": {"description": "The secret's prefix and last four characters."},
			"rotated_at":  {"description": "When the secret was last replaced; null if never."},
			"secret":      {"description": "The key secret; present only when the key is created or rotated."},
			"credential":  {"description": "`key_id:key_secret`, ready for `Authorization: Bearer …`; present only with `secret`."},
		},
		reflect.TypeFor[dialtone.KeyParams](): {
			"name": keyName,
			"role": {"default": string(dialtone.RoleWrite)},
		},
		reflect.TypeFor[dialtone.TelephonyConfig]():       telephony,
		reflect.TypeFor[dialtone.TelephonyConfigParams](): telephonyParams,
		reflect.TypeFor[dialtone.Organization]():          {"name": orgName},
		reflect.TypeFor[dialtone.OrganizationParams](): {
			"name":         with(orgName, "description", "Required; cannot be null."),
			"billing_mode": {"default": string(dialtone.BillingPrepaid), "description": "Organizations an operator creates pay in advance unless this says postpaid."},
		},
		reflect.TypeFor[dialtone.CreditParams](): {
			"amount_micros": {"minimum": dialtone.MinCreditMicros, "maximum": dialtone.MaxCreditMicros, "description": "Micro-dollars to add; required."},
			"description":   {"maxLength": dialtone.MaxLedgerDescriptionLen, "default": "Credit"},
		},
		reflect.TypeFor[dialtone.LedgerEntry](): {
			"kind":         {"enum": []any{dialtone.LedgerKindCredit, dialtone.LedgerKindNumberRental}},
			"reference_id": {"description": "What the entry pays for, such as the `num_` id of a rented number; empty for credits."},
		},
		reflect.TypeFor[dialtone.Money](): {
			"currency": {"enum": []any{dialtone.CurrencyUSD}},
		},
		reflect.TypeFor[dialtone.Voice](): {
			"language": {"description": "BCP 47 tag."},
			"provider": {"description": "The speech provider offering the voice."},
		},
		reflect.TypeFor[dialtone.Deleted](): {
			"object":  {"description": "The object type of the deleted resource."},
			"deleted": {"enum": []any{true}},
		},
		reflect.TypeFor[errorObject](): {
			"code":    {"description": "Stable and catalogued; branch on it. See /docs/errors."},
			"message": {"description": "Safe to show to an end user; may be reworded."},
			"param":   {"description": "The offending field or parameter, dotted for nested fields."},
			"details": {
				"description": "Structured context. Validation errors list every invalid field in `fields`; the top-level `code` and `param` are the first one's.",
				"properties":  map[string]any{"fields": map[string]any{"type": "array", "items": map[string]any{"$ref": componentPrefix + "FieldError"}}},
			},
			"doc_url":    {"format": "uri-reference", "description": "This server's documentation of the code."},
			"request_id": {"pattern": "^req_", "description": "Also in the X-Request-Id header; quote it when asking for help."},
		},
	}
}()

// with returns a copy of m with key set to v.
func with(m map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	out[key] = v
	return out
}

// deepCopy copies the maps and slices of a JSON-like value, so that a document never shares
// them with the package's tables.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// ref returns the schema of v's type, in mode m: a $ref for component types (which it adds to
// the components), an inline schema otherwise.
func (g *schemaGen) ref(v any, m schemaMode) map[string]any {
	return g.schema(reflect.TypeOf(v), m)
}

func (g *schemaGen) schema(t reflect.Type, m schemaMode) map[string]any {
	if vt, ok := optionalValue(t); ok {
		return nullable(g.schema(vt, m))
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if vals, ok := g.enums[t]; ok {
		return map[string]any{"type": "string", "enum": append([]any(nil), vals...)}
	}
	if t == reflect.TypeFor[dialtone.PersonaSpec]() {
		// Written by its own MarshalJSON/UnmarshalJSON: a name, or a persona.
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string", "description": "A built-in persona: caller, interrupter, keypad, silent, cougher or hangs-up (docs/sandbox.md)."},
			g.schema(reflect.TypeFor[dialtone.Persona](), m),
		}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(g.schema(t.Elem(), m))
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), m)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic(fmt.Sprintf("openapi: map key of %s is not a string", t))
		}
		s := map[string]any{"type": "object"}
		if t.Elem().Kind() != reflect.Interface {
			s["additionalProperties"] = g.schema(t.Elem(), m)
		}
		return s
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := g.componentName(t, m)
		if name == "" {
			return g.object(t, m)
		}
		if prev, ok := g.named[name]; ok {
			if prev != t {
				panic(fmt.Sprintf("openapi: component %s names both %s and %s", name, prev, t))
			}
		} else {
			g.named[name] = t
			g.components[name] = nil // reserve the name: recursive types end here
			g.components[name] = g.object(t, m)
		}
		return map[string]any{"$ref": componentPrefix + name}
	}
	panic(fmt.Sprintf("openapi: no schema for %s", t))
}

// componentName is t's component name in mode m, or "" when t is inlined.
func (g *schemaGen) componentName(t reflect.Type, m schemaMode) string {
	name, ok := schemaNames[t]
	switch {
	case ok:
	case isList(t):
		f, _ := t.FieldByName("Data")
		name = g.componentName(f.Type.Elem(), modeResponse) + "List"
	case token.IsExported(t.Name()) && !strings.Contains(t.Name(), "["):
		name = t.Name()
	default:
		return ""
	}
	if m == modeRequest && !strings.HasSuffix(name, "Params") {
		name += "Params"
	}
	return name
}

// object is the inline schema of struct type t.
func (g *schemaGen) object(t reflect.Type, m schemaMode) map[string]any {
	props := map[string]any{}
	required := []string{}
	g.fields(t, m, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if m == modeRequest {
		s["additionalProperties"] = false
	}
	if d, ok := schemaDescriptions[t]; ok {
		s["description"] = d
	}
	return s
}

// fields adds the json fields of struct type t to props and required.
func (g *schemaGen) fields(t reflect.Type, m schemaMode, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, m, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
		ft := f.Type
		if ft.Kind() == reflect.Pointer && omit {
			ft = ft.Elem() // absent when nil, never null
		}
		s := g.schema(ft, m)
		if name == "object" {
			if v, ok := schemaObjects[t]; ok {
				s["enum"] = []any{v}
			} else if isList(t) {
				s["enum"] = []any{"list"}
			}
		}
		for k, v := range schemaFields[t][name] {
			s = constrain(s, k, deepCopy(v))
		}
		props[name] = s
		if _, opt := optionalValue(f.Type); !omit && !opt {
			*required = append(*required, name)
		}
	}
}

// constrain sets keyword k of schema s to v. An enum on a schema that allows null also allows
// null; keywords on a $ref (which OpenAPI 3.1 allows beside it) other than annotations go to
// the non-null branch of a nullable anyOf.
func constrain(s map[string]any, k string, v any) map[string]any {
	if alts, ok := s["anyOf"].([]any); ok && k != "description" && k != "default" {
		first, _ := alts[0].(map[string]any)
		alts[0] = constrain(first, k, v)
		return s
	}
	if vals, ok := v.([]any); ok && k == "enum" && allowsNull(s) {
		v = append(append([]any(nil), vals...), nil)
	}
	s[k] = v
	return s
}

// nullable returns s widened to also accept null.
func nullable(s map[string]any) map[string]any {
	switch typ := s["type"].(type) {
	case string:
		out := with(s, "type", []any{typ, "null"})
		if vals, ok := s["enum"].([]any); ok {
			out["enum"] = append(append([]any(nil), vals...), nil)
		}
		return out
	case nil:
		if len(s) == 0 {
			return s // any value, null included
		}
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func allowsNull(s map[string]any) bool {
	ts, _ := s["type"].([]any)
	for _, t := range ts {
		if t == "null" {
			return true
		}
	}
	return false
}

func hasOpt(opts, name string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// optionalValue reports whether t is a dialtone.Optional and returns its value type.
func optionalValue(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || t.PkgPath() != domainPkg || !strings.HasPrefix(t.Name(), "Optional[") {
		return nil, false
	}
	f, _ := t.FieldByName("Value")
	return f.Type, true
}

// isList reports whether t is a dialtone.List.
func isList(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == domainPkg && strings.HasPrefix(t.Name(), "List[")
}
