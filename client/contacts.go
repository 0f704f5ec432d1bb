package client

import (
	"bytes"
	"context"
	"iter"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// ContactsService manages the organization's contacts (/v1/contacts). Reading needs a key of
// role read; changing, a key of role write.
type ContactsService struct{ c *Client }

// ContactListParams selects one page of contacts, newest first, and filters them. The zero
// value (or a nil *ContactListParams) asks for the first page of every contact.
type ContactListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string
	// Search keeps the contacts whose name contains it, ignoring case, or whose phone number
	// contains its digits.
	Search string
}

func (p *ContactListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p ContactListParams) withPage(page *ListParams) *ContactListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *ContactListParams) query() url.Values {
	q := p.page().query()
	if p != nil && p.Search != "" {
		q.Set("search", p.Search)
	}
	return q
}

// Create creates a contact; phone_number (E.164) is required. contact_already_exists (409,
// Details["contact_id"] naming it) when the organization has a contact with that number;
// invalid params give a 400 *Error whose Fields lists every invalid field.
func (s *ContactsService) Create(ctx context.Context, params dialtone.ContactCreateParams, opts ...RequestOption) (*dialtone.Contact, error) {
	return send[dialtone.Contact](ctx, s.c, request{method: http.MethodPost, path: "/v1/contacts", body: params, opts: opts})
}

// Get returns the contact with the given id; contact_not_found when it does not exist, was
// deleted or belongs to another organization.
func (s *ContactsService) Get(ctx context.Context, id string) (*dialtone.Contact, error) {
	return sendID[dialtone.Contact](ctx, s.c, "contact", id, request{method: http.MethodGet, path: "/v1/contacts/{id}"})
}

// Update changes the fields set in params (PATCH) and returns the contact; a null name,
// email, notes or metadata empties it. contact_already_exists when the new phone number is
// another contact's; on error nothing changes.
func (s *ContactsService) Update(ctx context.Context, id string, params dialtone.ContactUpdateParams) (*dialtone.Contact, error) {
	return sendID[dialtone.Contact](ctx, s.c, "contact", id, request{method: http.MethodPatch, path: "/v1/contacts/{id}", body: params})
}

// Delete deletes the contact for good; its number may be added again. contact_not_found
// when there is no such contact (also when a first attempt succeeded but its answer was lost
// and the automatic retry repeated it).
func (s *ContactsService) Delete(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "contact", id, request{method: http.MethodDelete, path: "/v1/contacts/{id}"})
}

// List returns one page of contacts matching p (which may be nil), newest first.
func (s *ContactsService) List(ctx context.Context, p *ContactListParams) (*dialtone.List[dialtone.Contact], error) {
	return send[dialtone.List[dialtone.Contact]](ctx, s.c, request{method: http.MethodGet, path: "/v1/contacts", query: p.query()})
}

// All iterates over every contact matching p (which may be nil), fetching pages as the loop
// needs them; see AgentsService.All for the order and the errors.
func (s *ContactsService) All(ctx context.Context, p *ContactListParams) iter.Seq2[dialtone.Contact, error] {
	return allFiltered(ctx, p, s.List, func(c dialtone.Contact) string { return c.ID })
}

// Import uploads csv, a CSV file with a header row naming a phone_number column (and
// optionally name, email, notes; other columns become metadata), and returns the report: how
// many contacts were created and which rows were rejected, by reason. invalid_csv or
// import_too_large refuse the whole file. Retries resend the same Idempotency-Key, so a file
// is never imported twice by one call.
func (s *ContactsService) Import(ctx context.Context, csv []byte, opts ...RequestOption) (*dialtone.ContactImport, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "contacts.csv")
	if err == nil {
		_, err = fw.Write(csv)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, err
	}
	return send[dialtone.ContactImport](ctx, s.c, request{method: http.MethodPost, path: "/v1/contacts/import",
		body: rawBody{data: buf.Bytes(), contentType: mw.FormDataContentType()}, opts: opts})
}
