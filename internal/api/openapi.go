package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// openAPI serves the OpenAPI document of this server.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.OpenAPI())
	return nil
}

// OpenAPI returns the OpenAPI 3.1 document of the server's routes, ready to be JSON-encoded.
//
// It is generated, never written by hand, so it cannot drift from what the server does:
//   - one path item per Route.Path and one operation per Route.Method, in route order, with
//     the route's Operation as operationId, its Summary, its Tag, a path parameter per {name}
//     segment and a query parameter per Route.Query entry;
//   - the request body and the success response's schema come from reflection over the zero
//     values in Route.Request and Route.Response (see schemaGen), as named component schemas;
//   - every route that is not Public needs the bearer security scheme and documents the
//     middleware it passes through: Idempotency-Key on POSTs, ETag/If-None-Match and 304 on
//     GETs, the X-RateLimit-* headers, and the error statuses the route can answer with, each
//     referencing the shared Error schema whose code enumerates the whole catalogue;
//   - Public routes document their own content type (publicResponses) and only the errors of
//     the server itself (500, and 503 for readiness).
//
// info.version is Options.Version ("dev" when empty); servers is Options.PublicURL ("/" when
// empty). Each call builds a new document sharing nothing with other calls; callers may modify
// it. Maps are encoded with sorted keys,
// so the JSON encoding is deterministic.
func (s *Server) OpenAPI() map[string]any {
	g := newSchemaGen()
	for _, e := range dialtone.Catalogue() {
		g.codes[e.Status] = append(g.codes[e.Status], "`"+string(e.Code)+"`")
	}
	g.ref(errorBody{}, modeResponse)
	g.ref(dialtone.FieldError{}, modeResponse) // referenced from Error's details.fields

	paths := map[string]any{}
	tags := []any{}
	seenTag := map[string]bool{}
	for _, rt := range s.routes {
		item, ok := paths[rt.Path].(map[string]any)
		if !ok {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = operation(g, rt.Route)
		if rt.Tag != "" && !seenTag[rt.Tag] {
			seenTag[rt.Tag] = true
			tags = append(tags, map[string]any{"name": rt.Tag})
		}
	}

	server := s.opts.PublicURL
	if server == "" {
		server = "/"
	}
	version := s.opts.Version
	if version == "" {
		version = "dev"
	}
	return map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{
			"title":       "Dialtone API",
			"version":     version,
			"description": apiDescription,
		},
		"servers":  []any{map[string]any{"url": server}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"tags":     tags,
		"externalDocs": map[string]any{
			"description": "Error reference: every error code, what it means and how to fix it",
			"url":         s.opts.PublicURL + "/docs/errors",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"headers": responseHeaders(),
			"securitySchemes": map[string]any{
				"bearer": map[string]any{
					"type":         "http",
					"scheme":       "bearer",
					"bearerFormat": "key_id:key_secret",
					"description": "An API key: `Authorization: Bearer <key_id>:<key_secret>`, e.g. `Bearer key_…:dts_…`. " +
						"The secret is shown once, when the key is created or rotated.",
				},
			},
		},
	}
}

const apiDescription = `Dialtone's native REST API.

- **Auth**: ` + "`Authorization: Bearer <key_id>:<key_secret>`" + ` on every ` + "`/v1`" + ` route. A key's role
  (` + "`read`, `write`, `admin`" + `) is the least an operation needs; each operation says which.
- **Objects**: JSON, snake_case; every object has ` + "`id` and `object`" + `; timestamps are RFC 3339 UTC.
- **Lists**: ` + "`{\"object\":\"list\",\"data\":[…],\"has_more\":bool}`" + `, newest first; page with ` + "`limit`" + `
  (1–100, default 20) and ` + "`starting_after` or `ending_before`" + ` (an id from the current page).
- **Updates** are PATCH: only the fields sent change; ` + "`null`" + ` resets a field to its default.
  Unknown fields and unknown query parameters are rejected.
- **Idempotency**: send ` + "`Idempotency-Key`" + ` on a POST; the same key and body within 24 hours replays
  the stored response (with ` + "`Idempotent-Replayed: true`" + `), a different body is a 409.
- **Caching**: every GET answers with an ` + "`ETag`" + `; ` + "`If-None-Match`" + ` naming it gives 304 with no body.
- **Rate limits**: per key, separately for reads and writes, reported in ` + "`X-RateLimit-*`" + ` headers;
  a 429 carries ` + "`Retry-After`" + `.
- **Errors**: every non-2xx response is ` + "`{\"error\":{\"type\",\"code\",\"message\",\"param\",\"details\",\"doc_url\",\"request_id\"}}`" + `;
  branch on ` + "`code`" + `, whose ` + "`doc_url`" + ` explains it.`

// operation is the OpenAPI operation object of rt.
func operation(g *schemaGen, rt Route) map[string]any {
	op := map[string]any{
		"operationId": rt.Operation,
		"summary":     rt.Summary,
	}
	if rt.Tag != "" {
		op["tags"] = []any{rt.Tag}
	}
	get := rt.Method == http.MethodGet
	post := rt.Method == http.MethodPost
	authed := !rt.Public

	var params []any
	for _, name := range pathParams(rt.Path) {
		params = append(params, map[string]any{
			"name": name, "in": "path", "required": true,
			"description": "The object's id.",
			"schema":      map[string]any{"type": "string"},
		})
	}
	for _, name := range rt.Query {
		params = append(params, queryParam(name))
	}
	if get {
		params = append(params, map[string]any{
			"name": "If-None-Match", "in": "header",
			"description": "An ETag from an earlier answer; when it is still current the answer is 304 with no body.",
			"schema":      map[string]any{"type": "string"},
		})
	}
	if authed && post {
		params = append(params, map[string]any{
			"name": "Idempotency-Key", "in": "header",
			"description": "Makes the POST safe to retry: the same key with the same body within 24 hours replays the " +
				"first response; with a different body it is idempotency_key_reused (409); while the first is still " +
				"running it is idempotency_key_in_use (409). 1 to 255 printable ASCII characters.",
			"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 255, "pattern": `^[!-~]+$`},
		})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}

	content := map[string]any{}
	var desc []string
	if rt.Request != nil {
		desc = append(desc, "A JSON object; unknown fields are rejected. An empty body is an empty object.")
		content["application/json"] = map[string]any{"schema": g.ref(rt.Request, modeRequest)}
	}
	if rt.Upload != "" {
		desc = append(desc, "A file upload: the file is the form field `file`.")
		content[rt.Upload] = map[string]any{"schema": map[string]any{
			"type": "object", "required": []any{"file"},
			"properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}},
		}}
	}
	if len(content) > 0 {
		op["requestBody"] = map[string]any{"description": strings.Join(desc, " Or: "), "content": content}
		if rt.Upload != "" {
			op["requestBody"].(map[string]any)["required"] = true
		}
	}

	responses := map[string]any{}
	responses[strconv.Itoa(rt.Status)] = successResponse(g, rt)
	if get {
		responses["304"] = map[string]any{
			"description": "Not Modified: If-None-Match names the current ETag. No body.",
			"headers":     headerRefs(authed, "ETag"),
		}
	}
	for _, status := range errorStatuses(rt) {
		responses[strconv.Itoa(status)] = errorResponse(status, authed, g.codes[status])
	}
	op["responses"] = responses

	if rt.Public {
		op["security"] = []any{}
		op["description"] = "Needs no authentication and is not rate limited."
	} else if rt.Operator {
		op["description"] = "Needs an operator API key (`dialtone keys create --operator`)."
	} else {
		op["description"] = "Needs an API key with role `" + string(rt.Role) + "` or above."
	}
	return op
}

// pathTemplate matches the {name} segments of a route path.
var pathTemplate = regexp.MustCompile(`\{([^}]+)\}`)

// pathParams returns the names of path's {name} segments, in order.
func pathParams(path string) []string {
	var out []string
	for _, m := range pathTemplate.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// queryParam documents a query parameter a route accepts.
func queryParam(name string) map[string]any {
	p := map[string]any{"name": name, "in": "query", "schema": map[string]any{"type": "string"}}
	switch name {
	case "limit":
		p["description"] = "How many objects to return."
		p["schema"] = map[string]any{"type": "integer", "minimum": 1, "maximum": dialtone.MaxListLimit,
			"default": dialtone.DefaultListLimit}
	case "starting_after":
		p["description"] = "An object id: return the page after it (older objects). Not with ending_before."
	case "ending_before":
		p["description"] = "An object id: return the page before it (newer objects). Not with starting_after."
	case "name":
		p["description"] = "Only objects with exactly this name."
	case "language":
		p["description"] = "Only objects of this language (BCP 47)."
		p["schema"] = map[string]any{"type": "string", "enum": anySlice(dialtone.SupportedLanguages())}
	}
	return p
}

// publicBody is the documented answer of a Public route whose Route.Response is nil.
type publicBody struct {
	mediaType string
	schema    map[string]any
	errors    []int // error statuses besides 500
}

// publicResponses documents the Public routes' answers, by operationId.
var publicResponses = map[string]publicBody{
	"health": {mediaType: "application/json", schema: statusSchema("ok")},
	"ready":  {mediaType: "application/json", schema: statusSchema("ready"), errors: []int{http.StatusServiceUnavailable}},
	"metrics": {mediaType: "text/plain", schema: map[string]any{"type": "string",
		"description": "Prometheus text exposition format."}},
	"errorReference": {mediaType: "text/html", schema: map[string]any{"type": "string",
		"description": "An HTML page with one section per error code, anchored by the code."}},
	"openapi": {mediaType: "application/json", schema: map[string]any{"type": "object",
		"description": "An OpenAPI 3.1 document.", "required": []any{"openapi", "info", "paths"}}},
}

func statusSchema(status string) map[string]any {
	return map[string]any{"type": "object", "required": []any{"status"},
		"properties": map[string]any{"status": map[string]any{"type": "string", "enum": []any{status}}}}
}

// successResponse documents rt's success answer.
func successResponse(g *schemaGen, rt Route) map[string]any {
	var extra []string
	if rt.Method == http.MethodGet && rt.Stream == nil && rt.Binary == "" {
		extra = append(extra, "ETag")
	}
	if !rt.Public && rt.Method == http.MethodPost {
		extra = append(extra, "Idempotent-Replayed")
	}
	res := map[string]any{
		"description": http.StatusText(rt.Status),
		"headers":     headerRefs(!rt.Public, extra...),
	}
	switch pb, ok := publicResponses[rt.Operation]; {
	case rt.Stream != nil:
		res["content"] = map[string]any{"text/event-stream": map[string]any{
			"schema": map[string]any{"type": "string", "description": "Server-Sent Events: each has an `id` (the event's id, " +
				"for Last-Event-ID), an `event` (its type) and `data`, the JSON of the event object; lines starting with `:` keep the connection alive."},
			"x-event-schema": g.ref(rt.Stream, modeResponse),
		}}
	case rt.Binary != "":
		res["content"] = map[string]any{rt.Binary: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	case rt.Response != nil:
		res["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(rt.Response, modeResponse)}}
	case ok:
		res["content"] = map[string]any{pb.mediaType: map[string]any{"schema": deepCopy(pb.schema)}}
	}
	return res
}

// errorStatuses lists the error statuses rt can answer with, ascending.
func errorStatuses(rt Route) []int {
	if rt.Public {
		return append([]int{http.StatusInternalServerError}, publicResponses[rt.Operation].errors...)
	}
	get := rt.Method == http.MethodGet
	hasBody := rt.Method == http.MethodPost || rt.Method == http.MethodPatch || rt.Method == http.MethodPut
	out := []int{http.StatusBadRequest, http.StatusUnauthorized}
	// A read key passes every read-role check; other roles and operator routes can refuse.
	if rt.Role != dialtone.RoleRead || rt.Operator {
		out = append(out, http.StatusForbidden)
	}
	if len(pathParams(rt.Path)) > 0 {
		out = append(out, http.StatusNotFound)
	}
	if !get {
		out = append(out, http.StatusConflict)
	}
	if hasBody {
		out = append(out, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	return append(out, http.StatusTooManyRequests, http.StatusInternalServerError)
}

// errorResponse documents an error status: its description lists codes, the catalogued codes
// that have it; the body is the shared Error schema.
func errorResponse(status int, authed bool, codes []string) map[string]any {
	desc := http.StatusText(status)
	if len(codes) > 0 {
		desc += ": " + strings.Join(codes, ", ")
	}
	var extra []string
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		extra = append(extra, "Retry-After")
	case http.StatusConflict:
		extra = append(extra, "Retry-After") // with idempotency_key_in_use only
	}
	// Authentication runs before the rate limit: a 401 has no X-RateLimit-* headers.
	return map[string]any{
		"description": desc,
		"headers":     headerRefs(authed && status != http.StatusUnauthorized, extra...),
		"content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"$ref": componentPrefix + "Error"}}},
	}
}

// headerRefs references X-Request-Id, the X-RateLimit-* headers when rateLimited, and extra.
func headerRefs(rateLimited bool, extra ...string) map[string]any {
	names := []string{"X-Request-Id"}
	if rateLimited {
		names = append(names, "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
	}
	out := map[string]any{}
	for _, n := range append(names, extra...) {
		out[n] = map[string]any{"$ref": "#/components/headers/" + n}
	}
	return out
}

// responseHeaders are the response headers the operations reference.
func responseHeaders() map[string]any {
	h := func(desc string, schema map[string]any) map[string]any {
		return map[string]any{"description": desc, "schema": schema}
	}
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer", "minimum": 0}
	return map[string]any{
		"X-Request-Id": h("This request's id, also in error bodies; quote it when asking for help.",
			map[string]any{"type": "string", "pattern": "^req_"}),
		"X-RateLimit-Limit":     h("Requests per minute this key may make of this class (reads or writes).", integer),
		"X-RateLimit-Remaining": h("Requests left in the current budget.", integer),
		"X-RateLimit-Reset":     h("Unix time, in seconds, at which the budget is full again.", integer),
		"Retry-After": h("Seconds to wait before retrying (on 409 only with idempotency_key_in_use).",
			map[string]any{"type": "integer", "minimum": 1}),
		"ETag":                h("A strong validator of the body; send it back in If-None-Match.", str),
		"Idempotent-Replayed": h("`true` when this is the stored response of an earlier request with the same Idempotency-Key.", map[string]any{"type": "string", "enum": []any{"true"}}),
	}
}
