package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// oaMethods are the operation keys of an OpenAPI path item.
var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// decode returns the JSON body; it fails the test when the body is not JSON.
func (r resp) decode(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Raw, &v); err != nil {
		t.Fatalf("status %d: body is not JSON: %v: %.300s", r.Status, err, r.Raw)
	}
	return v
}

// errorCode returns the code of an error envelope, or "" when the body is not one.
func (r resp) errorCode() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Raw, &env)
	return env.Error.Code
}

// oaFetch fetches the document over HTTP, as a client would.
func oaFetch(t *testing.T, env *apitest.Env) (map[string]any, []byte) {
	t.Helper()
	r := call(t, env, "GET", "/v1/openapi.json", "", "")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: %d %s", r.Status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	doc, ok := r.decode(t).(map[string]any)
	if !ok {
		t.Fatalf("document is not an object: %.200s", r.Raw)
	}
	return doc, r.Raw
}

// oaPointer resolves a local JSON pointer ("#/components/schemas/Agent") in doc.
func oaPointer(doc map[string]any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// oaWalk calls fn for every object in v, depth first, with its location.
func oaWalk(v any, at string, fn func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			oaWalk(x[k], at+"/"+k, fn)
		}
	case []any:
		for i, e := range x {
			oaWalk(e, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

// oaOperations returns the document's operations keyed by "METHOD path".
func oaOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		t.Fatal("document has no paths")
	}
	out := map[string]map[string]any{}
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			if !slices.Contains(oaMethods, method) {
				continue
			}
			out[strings.ToUpper(method)+" "+path] = op.(map[string]any)
		}
	}
	return out
}

// oaFill replaces every {name} segment of path with id.
func oaFill(path, id string) string {
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, id)
}

// TestOpenAPIDocument checks the document a client downloads: version, server, components,
// and that every $ref points at a component that exists.
func TestOpenAPIDocument(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	doc, raw := oaFetch(t, env)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] != "Dialtone API" || info["version"] != "test" || info["description"] == "" {
		t.Fatalf("info = %v", info)
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != env.URL {
		t.Fatalf("servers = %v, want [%s]", servers, env.URL)
	}
	bearer, ok := oaPointer(doc, "#/components/securitySchemes/bearer")
	if b, _ := bearer.(map[string]any); !ok || b["type"] != "http" || b["scheme"] != "bearer" {
		t.Fatalf("bearer scheme = %v", bearer)
	}

	refs := 0
	oaWalk(doc, "#", func(at string, m map[string]any) {
		ref, ok := m["$ref"].(string)
		if !ok {
			return
		}
		refs++
		if !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("%s: $ref %q does not point into components", at, ref)
		} else if target, ok := oaPointer(doc, ref); !ok || target == nil {
			t.Errorf("%s: $ref %q does not resolve", at, ref)
		}
	})
	if refs == 0 {
		t.Fatal("no $ref found: the walk is broken")
	}

	for _, name := range []string{"Agent", "AgentParams", "APIKey", "KeyParams", "Organization",
		"OrganizationParams", "Voice", "Deleted", "Brain", "Voicemail", "AgentList", "APIKeyList",
		"VoiceList", "Error", "FieldError", "TelephonyConfig", "TelephonyConfigParams"} {
		if _, ok := oaPointer(doc, "#/components/schemas/"+name); !ok {
			t.Errorf("components.schemas.%s is missing", name)
		}
	}

	// The Error schema's code enumerates exactly the catalogue.
	codes, _ := oaPointer(doc, "#/components/schemas/Error/properties/error/properties/code/enum")
	var got, want []string
	for _, c := range codes.([]any) {
		got = append(got, c.(string))
	}
	for _, e := range dialtone.Catalogue() {
		want = append(want, string(e.Code))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Error code enum = %v, want %v", got, want)
	}

	// Deterministic: a second fetch is byte for byte the same.
	if _, again := oaFetch(t, env); !bytes.Equal(raw, again) {
		t.Error("two fetches of the document differ")
	}
}

// TestOpenAPIMatchesRoutes checks that the document and the route list describe the same
// operations, each the same way.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	doc, _ := oaFetch(t, env)
	ops := oaOperations(t, doc)
	routes := env.Server.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s is not in the document", key)
			continue
		}
		if op["operationId"] != rt.Operation || op["summary"] != rt.Summary {
			t.Errorf("%s: operationId %v summary %v, want %s %q", key, op["operationId"], op["summary"], rt.Operation, rt.Summary)
		}
		if ids[rt.Operation] {
			t.Errorf("%s: operationId %s is not unique", key, rt.Operation)
		}
		ids[rt.Operation] = true
		if tags, _ := op["tags"].([]any); len(tags) != 1 || tags[0] != rt.Tag {
			t.Errorf("%s: tags %v, want [%s]", key, op["tags"], rt.Tag)
		}
		sec, hasSec := op["security"].([]any)
		if rt.Public != (hasSec && len(sec) == 0) {
			t.Errorf("%s: public %v but security %v", key, rt.Public, op["security"])
		}
		if _, ok := op["requestBody"]; ok != (rt.Request != nil || rt.Upload != "") {
			t.Errorf("%s: requestBody present %v, Request %T", key, ok, rt.Request)
		}
		responses, _ := op["responses"].(map[string]any)
		if _, ok := responses[fmt.Sprint(rt.Status)]; !ok {
			t.Errorf("%s: no %d response", key, rt.Status)
		}

		var params []string
		for _, p := range oaList(op["parameters"]) {
			pm := p.(map[string]any)
			params = append(params, pm["in"].(string)+":"+pm["name"].(string))
			if pm["in"] == "query" && pm["name"] == "limit" {
				want := map[string]any{"type": "integer", "minimum": float64(1), "maximum": float64(dialtone.MaxListLimit),
					"default": float64(dialtone.DefaultListLimit)}
				if !reflect.DeepEqual(pm["schema"], want) {
					t.Errorf("%s: limit schema %v, want %v", key, pm["schema"], want)
				}
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(rt.Path, -1) {
			if !slices.Contains(params, "path:"+m[1]) {
				t.Errorf("%s: path parameter %s is not documented", key, m[1])
			}
		}
		for _, q := range rt.Query {
			if !slices.Contains(params, "query:"+q) {
				t.Errorf("%s: query parameter %s is not documented", key, q)
			}
		}
		for _, p := range params {
			if name, ok := strings.CutPrefix(p, "query:"); ok && !slices.Contains(rt.Query, name) {
				t.Errorf("%s: documents query parameter %s the route rejects", key, name)
			}
		}
		if rt.Method == "GET" && !slices.Contains(params, "header:If-None-Match") {
			t.Errorf("%s: If-None-Match is not documented", key)
		}
		if rt.Method == "POST" && !rt.Public && !slices.Contains(params, "header:Idempotency-Key") {
			t.Errorf("%s: Idempotency-Key is not documented", key)
		}
	}
	for key := range ops {
		if !seen[key] {
			t.Errorf("the document has %s, which is not a route", key)
		}
	}
}

func oaList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestOpenAPIOperationsReachHandlers sends every documented operation to the server and checks
// that a real handler answers (not the fallback for unknown routes or methods), with a status
// the operation documents, a body that matches the documented schema and the headers the
// document promises.
func TestOpenAPIOperationsReachHandlers(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	doc, _ := oaFetch(t, env)
	ops := oaOperations(t, doc)
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	always := []string{"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "ETag"}
	for _, key := range keys {
		op := ops[key]
		method, path, _ := strings.Cut(key, " ")
		body := ""
		if method == "POST" || method == "PATCH" {
			body = "{}"
		}
		r := call(t, env, method, oaFill(path, "dummy_id"), env.Admin, body)
		if code := r.errorCode(); code == string(dialtone.CodeRouteNotFound) || code == string(dialtone.CodeMethodNotAllowed) {
			t.Errorf("%s: no handler answered: %d %s", key, r.Status, r.Raw)
			continue
		}
		res, ok := op["responses"].(map[string]any)[fmt.Sprint(r.Status)].(map[string]any)
		if !ok {
			t.Errorf("%s: status %d is not documented: %.300s", key, r.Status, r.Raw)
			continue
		}
		for name := range res["headers"].(map[string]any) {
			if slices.Contains(always, name) && r.Header.Get(name) == "" {
				t.Errorf("%s: %d: documented header %s is missing", key, r.Status, name)
			}
		}
		content, _ := res["content"].(map[string]any)
		ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
		media, ok := content[ct].(map[string]any)
		if !ok {
			t.Errorf("%s: %d: Content-Type %q is not documented (%v)", key, r.Status, ct, content)
			continue
		}
		if ct == "application/json" {
			for _, e := range oaValidate(doc, media["schema"], r.decode(t), "body") {
				t.Errorf("%s: %d: %s", key, r.Status, e)
			}
		}
	}
}

// TestOpenAPICheckCanFail shows the checks above can fail: a path the document lacks and a
// method a documented path lacks reach the fallback, not a handler.
func TestOpenAPICheckCanFail(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	doc, _ := oaFetch(t, env)
	ops := oaOperations(t, doc)
	if _, ok := doc["paths"].(map[string]any)["/v1/nope"]; ok {
		t.Fatal("/v1/nope is documented")
	}
	if r := call(t, env, "GET", "/v1/nope", env.Admin, ""); r.errorCode() != string(dialtone.CodeRouteNotFound) {
		t.Fatalf("GET /v1/nope: %d %s", r.Status, r.Raw)
	}
	checked := 0
	for path := range doc["paths"].(map[string]any) {
		for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
			if _, ok := ops[m+" "+path]; ok {
				continue
			}
			r := call(t, env, m, oaFill(path, "dummy_id"), env.Admin, "")
			if r.errorCode() != string(dialtone.CodeMethodNotAllowed) {
				t.Errorf("%s %s is not documented but answered %d %s", m, path, r.Status, r.Raw)
			}
			checked++
			break
		}
	}
	if checked == 0 {
		t.Fatal("no undocumented method was tried")
	}
}

// TestOpenAPISchemasMatchResponses validates a real agent create (request and response) and a
// real validation error against the document's schemas, and shows the checker rejects a body
// with a renamed field.
func TestOpenAPISchemasMatchResponses(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	doc, _ := oaFetch(t, env)
	ops := oaOperations(t, doc)
	op := ops["POST /v1/agents"]
	if op == nil {
		t.Fatal("POST /v1/agents is not documented")
	}
	reqSchema, _ := oaPointer(op, "#/requestBody/content/application~1json/schema")
	resSchema, _ := oaPointer(op, "#/responses/201/content/application~1json/schema")
	errSchema, _ := oaPointer(op, "#/responses/400/content/application~1json/schema")
	if reqSchema == nil || resSchema == nil || errSchema == nil {
		t.Fatalf("POST /v1/agents lacks a request, 201 or 400 schema: %v", op)
	}

	voices := call(t, env, "GET", "/v1/voices?language=en-US", env.Admin, "")
	data, _ := voices.decode(t).(map[string]any)["data"].([]any)
	if len(data) == 0 {
		t.Fatalf("no en-US voice: %s", voices.Raw)
	}
	voice := data[0].(map[string]any)["id"].(string)
	params := map[string]any{
		"name": "Front desk", "system_prompt": "Be brief.", "greeting": "Hello!", "voice": voice,
		"language": "en-US", "brain": map[string]any{"type": "scripted"},
		"voicemail":                 map[string]any{"action": "leave_message", "message": "Call us back."},
		"max_call_duration_seconds": 600, "ring_timeout_seconds": 20,
		"transfer_numbers": []any{"+14155550123"}, "metadata": map[string]any{"team": "sales"},
	}
	body, _ := json.Marshal(params)
	var sent any
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	for _, e := range oaValidate(doc, reqSchema, sent, "request") {
		t.Error(e)
	}
	created := call(t, env, "POST", "/v1/agents", env.Admin, string(body))
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}
	agent := created.decode(t).(map[string]any)
	for _, e := range oaValidate(doc, resSchema, agent, "agent") {
		t.Error(e)
	}

	bad := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":5,"ring_timeout_seconds":1,"bogus":true}`)
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("bad create: %d %s", bad.Status, bad.Raw)
	}
	for _, e := range oaValidate(doc, errSchema, bad.decode(t), "error") {
		t.Error(e)
	}
	if fs, _ := oaPointer(bad.decode(t).(map[string]any), "#/error/details/fields"); len(oaList(fs)) < 2 {
		t.Errorf("validation error lists %v; want every invalid field", fs)
	}

	// The checker can fail: a field renamed in Go but not in the schema shows up as a missing
	// required field in a response, and as an unknown field in a request.
	renamed := map[string]any{}
	for k, v := range agent {
		renamed[k] = v
	}
	renamed["greeting_text"] = renamed["greeting"]
	delete(renamed, "greeting")
	if errs := oaValidate(doc, resSchema, renamed, "agent"); len(errs) == 0 {
		t.Error("an agent without greeting passed the schema")
	}
	if errs := oaValidate(doc, reqSchema, map[string]any{"greeting_text": "hi"}, "request"); len(errs) == 0 {
		t.Error("a request with an unknown field passed the schema")
	}
	if errs := oaValidate(doc, reqSchema, map[string]any{"brain": map[string]any{"type": "oracle"}}, "request"); len(errs) == 0 {
		t.Error("a request with an unknown brain type passed the schema")
	}
	if errs := oaValidate(doc, errSchema, map[string]any{"error": map[string]any{"code": "x"}}, "error"); len(errs) == 0 {
		t.Error("a malformed error passed the schema")
	}

	// Request schemas are closed, response schemas open.
	for _, name := range []string{"AgentParams", "BrainParams", "VoicemailParams", "KeyParams", "OrganizationParams", "TelephonyConfigParams"} {
		if s, _ := oaPointer(doc, "#/components/schemas/"+name+"/additionalProperties"); s != false {
			t.Errorf("%s: additionalProperties = %v, want false", name, s)
		}
	}
	for _, name := range []string{"Agent", "Brain", "Voicemail", "APIKey", "Organization", "Voice", "Deleted", "AgentList", "Error", "TelephonyConfig"} {
		if s, ok := oaPointer(doc, "#/components/schemas/"+name+"/additionalProperties"); ok {
			t.Errorf("%s: additionalProperties = %v, want absent", name, s)
		}
	}
}

// oaValidate checks v against schema, a minimal JSON Schema checker: $ref, anyOf, type, enum,
// required, properties, additionalProperties, items, string length, pattern, numeric bounds,
// maxItems and date-time format. It returns one message per violation.
func oaValidate(doc map[string]any, schema any, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		if schema == false {
			return []string{at + ": not allowed"}
		}
		return nil // true or absent: anything
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := s["$ref"].(string); ok {
		target, ok := oaPointer(doc, ref)
		if !ok {
			return []string{at + ": unresolved $ref " + ref}
		}
		errs = append(errs, oaValidate(doc, target, v, at)...)
	}
	if alts, ok := s["anyOf"].([]any); ok {
		var all []string
		matched := false
		for _, alt := range alts {
			e := oaValidate(doc, alt, v, at)
			matched = matched || len(e) == 0
			all = append(all, e...)
		}
		if !matched {
			fail("matches no anyOf branch: %s", strings.Join(all, "; "))
		}
	}
	if t, ok := s["type"]; ok {
		types := []any{t}
		if l, ok := t.([]any); ok {
			types = l
		}
		if !slices.ContainsFunc(types, func(t any) bool { return oaIsType(v, t.(string)) }) {
			fail("%s is not of type %v", oaShort(v), t)
			return errs
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		fail("%s is not one of %v", oaShort(v), enum)
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range oaList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				fail("required property %q is missing", r)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, oaValidate(doc, ps, x[k], at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				errs = append(errs, oaValidate(doc, ap, x[k], at+"."+k)...)
			}
		}
	case []any:
		if n, ok := s["maxItems"].(float64); ok && float64(len(x)) > n {
			fail("%d items; at most %v", len(x), n)
		}
		for i, e := range x {
			errs = append(errs, oaValidate(doc, s["items"], e, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case string:
		if n, ok := s["maxLength"].(float64); ok && float64(utf8.RuneCountInString(x)) > n {
			fail("longer than %v", n)
		}
		if n, ok := s["minLength"].(float64); ok && float64(utf8.RuneCountInString(x)) < n {
			fail("shorter than %v", n)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			fail("%q does not match %s", x, p)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				fail("%q is not a date-time", x)
			}
		}
	case float64:
		if n, ok := s["minimum"].(float64); ok && x < n {
			fail("%v is below %v", x, n)
		}
		if n, ok := s["maximum"].(float64); ok && x > n {
			fail("%v is above %v", x, n)
		}
	}
	return errs
}

func oaIsType(v any, t string) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case float64:
		return t == "number" || (t == "integer" && x == float64(int64(x)))
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	}
	return false
}

func oaShort(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
