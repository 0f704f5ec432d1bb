package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

func createContact(t *testing.T, env *apitest.Env, body string) dialtone.Contact {
	t.Helper()
	r := call(t, env, "POST", "/v1/contacts", env.Admin, body)
	mustStatus(t, r, http.StatusCreated)
	return decode[dialtone.Contact](t, r.Raw)
}

// csvUpload returns a multipart/form-data body with content as the file of field, and its
// Content-Type.
func csvUpload(t testing.TB, field, content string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("note", "ignored")
	fw, err := mw.CreateFormFile(field, "contacts.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

func importCSV(t *testing.T, env *apitest.Env, content string, headers ...string) resp {
	t.Helper()
	body, ct := csvUpload(t, "file", content)
	return call(t, env, "POST", "/v1/contacts/import", env.Admin, body, append([]string{"Content-Type", ct}, headers...)...)
}

func TestContactsCRUD(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		r := call(t, env, "POST", "/v1/contacts", env.Admin,
			`{"phone_number":"+14155550123","name":"Ada Lovelace","email":"ada@example.com","notes":"VIP","metadata":{"crm_id":"42"}}`)
		mustStatus(t, r, http.StatusCreated)
		ada := decode[dialtone.Contact](t, r.Raw)
		if ada.Object != "contact" || !dialtone.HasPrefix(ada.ID, dialtone.PrefixContact) || ada.PhoneNumber != "+14155550123" ||
			ada.Name != "Ada Lovelace" || ada.Email != "ada@example.com" || ada.Notes != "VIP" || ada.Metadata["crm_id"] != "42" ||
			ada.CreatedAt.IsZero() || !ada.UpdatedAt.Equal(ada.CreatedAt) {
			t.Fatalf("created %s", r.Raw)
		}
		if r.Header.Get("Location") != "/v1/contacts/"+ada.ID {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		bare := createContact(t, env, `{"phone_number":"+442071838750"}`)
		if bare.Name != "" || bare.Email != "" || bare.Metadata == nil {
			t.Errorf("bare contact %+v", bare)
		}
		if m := call(t, env, "GET", "/v1/contacts/"+bare.ID, env.Admin, "").JSON; m["name"] != "" || m["metadata"] == nil {
			t.Errorf("bare JSON %v", m)
		}

		// One contact per number: the error names the contact that has it.
		e := wantError(t, env, call(t, env, "POST", "/v1/contacts", env.Admin, `{"phone_number":"+14155550123","name":"Again"}`),
			dialtone.CodeContactAlreadyExists, "phone_number")
		if e.Details["contact_id"] != ada.ID {
			t.Errorf("details %v", e.Details)
		}
		// Another organization may have the same number; it cannot see ours.
		_, otherAdmin := env.Org(t, "other")
		mustStatus(t, call(t, env, "POST", "/v1/contacts", otherAdmin, `{"phone_number":"+14155550123"}`), http.StatusCreated)
		wantError(t, env, call(t, env, "GET", "/v1/contacts/"+ada.ID, otherAdmin, ""), dialtone.CodeContactNotFound, "")

		got := call(t, env, "GET", "/v1/contacts/"+ada.ID, env.Admin, "")
		mustStatus(t, got, http.StatusOK)
		if g := decode[dialtone.Contact](t, got.Raw); !reflect.DeepEqual(g, ada) {
			t.Errorf("GET %+v, want %+v", g, ada)
		}
		wantError(t, env, call(t, env, "GET", "/v1/contacts/ct_nope", env.Admin, ""), dialtone.CodeContactNotFound, "")

		// Validation lists every invalid field.
		bad := wantError(t, env, call(t, env, "POST", "/v1/contacts", env.Admin,
			`{"phone_number":"(415) 555-0123","name":"`+strings.Repeat("n", 201)+`","email":"Ada <ada@example.com>","metadata":{"`+strings.Repeat("k", 41)+`":"v"}}`),
			dialtone.CodeInvalidPhoneFormat, "phone_number")
		if f := fmt.Sprint(fields(bad)); f != "[phone_number:invalid_phone_format name:value_too_long email:invalid_value metadata."+strings.Repeat("k", 41)+":invalid_value]" {
			t.Errorf("fields %s", f)
		}
		wantError(t, env, call(t, env, "POST", "/v1/contacts", env.Admin, `{"name":"No number"}`), dialtone.CodeFieldRequired, "phone_number")

		// List, newest first, with cursors and search.
		carol := createContact(t, env, `{"phone_number":"+33142685300","name":"Carol Åberg"}`)
		ids := func(path string) []string {
			t.Helper()
			r := call(t, env, "GET", path, env.Admin, "")
			mustStatus(t, r, http.StatusOK)
			var out []string
			for _, c := range decode[dialtone.List[dialtone.Contact]](t, r.Raw).Data {
				out = append(out, c.ID)
			}
			return out
		}
		for path, want := range map[string][]string{
			"/v1/contacts": {carol.ID, bare.ID, ada.ID},
			"/v1/contacts?limit=1&starting_after=" + bare.ID: {ada.ID},
			"/v1/contacts?ending_before=" + ada.ID:           {carol.ID, bare.ID},
			"/v1/contacts?search=lovelace":                   {ada.ID},
			"/v1/contacts?search=%2B44+20":                   {bare.ID},
			"/v1/contacts?search=555":                        {ada.ID},
			"/v1/contacts?search=carol":                      {carol.ID},
			"/v1/contacts?search=zzz":                        nil,
		} {
			if got := ids(path); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		page := decode[dialtone.List[dialtone.Contact]](t, call(t, env, "GET", "/v1/contacts?limit=2", env.Admin, "").Raw)
		if !page.HasMore || len(page.Data) != 2 {
			t.Errorf("first page %+v", page)
		}
		wantError(t, env, call(t, env, "GET", "/v1/contacts?starting_after=ct_nope", env.Admin, ""), dialtone.CodeInvalidCursor, "")
		wantError(t, env, call(t, env, "GET", "/v1/contacts?search="+strings.Repeat("s", 101), env.Admin, ""), dialtone.CodeInvalidValue, "search")

		// PATCH: only the fields sent change; null empties; phone_number cannot be null.
		up := call(t, env, "PATCH", "/v1/contacts/"+ada.ID, env.Admin, `{"name":"Ada King","notes":null,"metadata":null}`)
		mustStatus(t, up, http.StatusOK)
		u := decode[dialtone.Contact](t, up.Raw)
		if u.Name != "Ada King" || u.Notes != "" || len(u.Metadata) != 0 || u.Email != "ada@example.com" ||
			u.PhoneNumber != ada.PhoneNumber || !u.UpdatedAt.After(ada.UpdatedAt) && !u.UpdatedAt.Equal(ada.UpdatedAt) {
			t.Errorf("patched %s", up.Raw)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/contacts/"+ada.ID, env.Admin, `{"phone_number":null}`), dialtone.CodeFieldRequired, "phone_number")
		e = wantError(t, env, call(t, env, "PATCH", "/v1/contacts/"+ada.ID, env.Admin, `{"phone_number":"+33142685300"}`),
			dialtone.CodeContactAlreadyExists, "phone_number")
		if e.Details["contact_id"] != carol.ID {
			t.Errorf("details %v", e.Details)
		}
		moved := call(t, env, "PATCH", "/v1/contacts/"+ada.ID, env.Admin, `{"phone_number":"+12125550100"}`)
		mustStatus(t, moved, http.StatusOK)
		if moved.JSON["phone_number"] != "+12125550100" {
			t.Errorf("moved %s", moved.Raw)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/contacts/ct_nope", env.Admin, `{"name":"x"}`), dialtone.CodeContactNotFound, "")
		readKey := env.Key(t, env.OrgID, dialtone.RoleRead, false)
		wantError(t, env, call(t, env, "PATCH", "/v1/contacts/"+ada.ID, readKey, `{"name":"x"}`), dialtone.CodeInsufficientPermissions, "")

		// DELETE is for good, and the number may be added again.
		del := call(t, env, "DELETE", "/v1/contacts/"+carol.ID, env.Admin, "")
		mustStatus(t, del, http.StatusOK)
		if del.JSON["id"] != carol.ID || del.JSON["object"] != "contact" || del.JSON["deleted"] != true {
			t.Errorf("delete %s", del.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/contacts/"+carol.ID, env.Admin, ""), dialtone.CodeContactNotFound, "")
		wantError(t, env, call(t, env, "DELETE", "/v1/contacts/"+carol.ID, env.Admin, ""), dialtone.CodeContactNotFound, "")
		createContact(t, env, `{"phone_number":"+33142685300"}`)
	})
}

func TestContactsImport(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		existing := createContact(t, env, `{"phone_number":"+12125550100","name":"Already here"}`)
		csv := "phone_number,name,email,notes,crm_id\n" +
			"+14155550123,Ada,ada@example.com,VIP,42\n" + // 2
			"+442071838750,Bob,,,\n" + // 3
			",Nobody,,,\n" + // 4
			"415-555-0199,Bad,,,\n" + // 5
			"+14155550123,Ada twice,,,\n" + // 6
			"+12125550100,Existing,,,\n" + // 7
			"+33142685300,Carol,carol@,,\n" // 8
		r := importCSV(t, env, csv)
		mustStatus(t, r, http.StatusOK)
		rep := decode[dialtone.ContactImport](t, r.Raw)
		if rep.Object != "contact_import" || rep.Created != 2 {
			t.Fatalf("report %s", r.Raw)
		}
		type group struct {
			Reason string
			Rows   []int
		}
		var groups []group
		for _, g := range rep.Rejected {
			if g.Message == "" {
				t.Errorf("%s: no message", g.Reason)
			}
			groups = append(groups, group{g.Reason, g.Rows})
		}
		want := []group{{"missing_phone_number", []int{4}}, {"invalid_phone_number", []int{5}}, {"duplicate", []int{6, 7}}, {"invalid_email", []int{8}}}
		if !reflect.DeepEqual(groups, want) {
			t.Errorf("rejected %+v, want %+v", groups, want)
		}
		list := decode[dialtone.List[dialtone.Contact]](t, call(t, env, "GET", "/v1/contacts?search=ada", env.Admin, "").Raw)
		if len(list.Data) != 1 || list.Data[0].Email != "ada@example.com" || list.Data[0].Notes != "VIP" || list.Data[0].Metadata["crm_id"] != "42" {
			t.Errorf("imported Ada %+v", list.Data)
		}
		if got := decode[dialtone.Contact](t, call(t, env, "GET", "/v1/contacts/"+existing.ID, env.Admin, "").Raw); got.Name != "Already here" {
			t.Errorf("existing contact changed: %+v", got)
		}

		// The same file again creates nothing: every row is now a duplicate or invalid.
		again := decode[dialtone.ContactImport](t, importCSV(t, env, csv).Raw)
		if again.Created != 0 || again.Rejected[2].Reason != "duplicate" || !reflect.DeepEqual(again.Rejected[2].Rows, []int{2, 3, 6, 7}) {
			t.Errorf("again %+v", again)
		}
		// An empty report has an empty list, not null.
		if r := importCSV(t, env, "phone_number\n"); !strings.Contains(string(r.Raw), `"rejected":[]`) || r.JSON["created"] != 0.0 {
			t.Errorf("header only %s", r.Raw)
		}

		// With an Idempotency-Key, the upload is replayed, not imported twice.
		key := []string{"Idempotency-Key", "import-1"}
		body, ct := csvUpload(t, "file", "phone_number\n+12125550111\n")
		first := call(t, env, "POST", "/v1/contacts/import", env.Admin, body, append([]string{"Content-Type", ct}, key...)...)
		mustStatus(t, first, http.StatusOK)
		second := call(t, env, "POST", "/v1/contacts/import", env.Admin, body, append([]string{"Content-Type", ct}, key...)...)
		if second.Header.Get("Idempotent-Replayed") != "true" || string(second.Raw) != string(first.Raw) || first.JSON["created"] != 1.0 {
			t.Errorf("replay %s / %s", first.Raw, second.Raw)
		}

		// Request-level errors create nothing.
		before := len(decode[dialtone.List[dialtone.Contact]](t, call(t, env, "GET", "/v1/contacts?limit=100", env.Admin, "").Raw).Data)
		wantError(t, env, importCSV(t, env, "name,email\nAda,ada@example.com\n"), dialtone.CodeInvalidCSV, "")
		wantError(t, env, importCSV(t, env, "phone_number,name\n+12125550112,ok\n+12125550113,\"broken\n"), dialtone.CodeInvalidCSV, "")
		var rows strings.Builder
		rows.WriteString("phone_number\n")
		for i := range dialtone.MaxContactImportRows + 1 {
			fmt.Fprintf(&rows, "+1212555%04d\n", i%10000)
		}
		e := wantError(t, env, importCSV(t, env, rows.String()), dialtone.CodeImportTooLarge, "")
		if e.Details["limit_rows"] != float64(dialtone.MaxContactImportRows) {
			t.Errorf("details %v", e.Details)
		}
		huge := "phone_number,notes\n+12125550114," + strings.Repeat("x", dialtone.MaxContactImportBytes+100<<10) + "\n" // past the body limit too
		plain := wantError(t, env, importCSV(t, env, huge), dialtone.CodeImportTooLarge, "")
		// With an Idempotency-Key the middleware reads the body first: the same answer.
		keyed := wantError(t, env, importCSV(t, env, huge, "Idempotency-Key", "too-large-1"), dialtone.CodeImportTooLarge, "")
		if keyed.Message != plain.Message || keyed.Details["limit_bytes"] != plain.Details["limit_bytes"] {
			t.Errorf("with a key: %q %v; without: %q %v", keyed.Message, keyed.Details, plain.Message, plain.Details)
		}
		other, ct := csvUpload(t, "upload", "phone_number\n+12125550115\n")
		wantError(t, env, call(t, env, "POST", "/v1/contacts/import", env.Admin, other, "Content-Type", ct), dialtone.CodeFieldRequired, "file")
		wantError(t, env, call(t, env, "POST", "/v1/contacts/import", env.Admin, `{"file":"x"}`), dialtone.CodeUnsupportedMediaType, "")
		after := len(decode[dialtone.List[dialtone.Contact]](t, call(t, env, "GET", "/v1/contacts?limit=100", env.Admin, "").Raw).Data)
		if after != before {
			t.Errorf("failed imports created contacts: %d → %d", before, after)
		}
	})
}

// TestContactOnCalls: a call shows the contact of the other party (the callee of an outbound
// call, the caller of an inbound one), as it is when read, and null without one.
func TestContactOnCalls(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{NoDispatch: true})
	agent, _, number := callSetup(t, env, env.Admin, "")
	ada := createContact(t, env, `{"phone_number":"`+sandboxTo("00")+`","name":"Ada"}`)
	out := placeCall(t, env, env.Admin, agent, sandboxTo("00"), "")
	stranger := placeCall(t, env, env.Admin, agent, sandboxTo("01"), "")
	get := func(id string) dialtone.Call {
		return decode[dialtone.Call](t, call(t, env, "GET", "/v1/calls/"+id, env.Admin, "").Raw)
	}
	if c := get(out); c.Contact == nil || c.Contact.ID != ada.ID || c.Contact.Name != "Ada" {
		t.Errorf("outbound call to a contact: %+v", c.Contact)
	}
	if m := call(t, env, "GET", "/v1/calls/"+stranger, env.Admin, "").JSON; m["contact"] != nil {
		t.Errorf("call to a stranger: contact %v", m["contact"])
	}
	// A contact created later shows on calls made before it: contacts are matched on reads.
	grace := createContact(t, env, `{"phone_number":"+14155550199","name":"Grace"}`)
	r := call(t, env, "POST", "/v1/sandbox/calls", env.Admin, `{"from":"+14155550199","to":"`+number+`"}`)
	mustStatus(t, r, http.StatusCreated)
	in := decode[dialtone.Call](t, r.Raw).ID
	l := decode[dialtone.List[dialtone.Call]](t, call(t, env, "GET", "/v1/calls", env.Admin, "").Raw)
	byID := map[string]*dialtone.ContactRef{}
	for _, c := range l.Data {
		byID[c.ID] = c.Contact
	}
	if c := byID[in]; c == nil || c.ID != grace.ID {
		t.Errorf("inbound call from a contact, listed: %+v", c)
	}
	if c := byID[out]; c == nil || c.ID != ada.ID {
		t.Errorf("outbound call, listed: %+v", c)
	}
}
