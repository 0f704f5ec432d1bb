package core

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Contacts manages contacts.
type Contacts struct {
	store Store
	now   func() time.Time
}

var _ dialtone.ContactService = (*Contacts)(nil)

// Create validates params and stores a new contact of p's organization (write role);
// contact_already_exists (param phone_number, details.contact_id) when the organization has a
// contact with that number.
func (s *Contacts) Create(ctx context.Context, p dialtone.Principal, params dialtone.ContactCreateParams) (dialtone.Contact, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Contact{}, err
	}
	if fe := s.ValidateCreate(params); len(fe) > 0 {
		return dialtone.Contact{}, fe.Err()
	}
	now := s.now()
	c := dialtone.Contact{
		ID: dialtone.NewID(dialtone.PrefixContact), Object: "contact", PhoneNumber: params.PhoneNumber.Value,
		Name: params.Name.Value, Email: params.Email.Value, Notes: params.Notes.Value,
		Metadata: nonNil(params.Metadata.Value), CreatedAt: now, UpdatedAt: now,
	}
	switch err := s.store.InsertContact(ctx, p.OrganizationID, c); {
	case errors.Is(err, ErrTaken):
		return dialtone.Contact{}, s.alreadyExists(ctx, p.OrganizationID, c.PhoneNumber)
	case err != nil:
		return dialtone.Contact{}, dialtone.Internal(err)
	}
	return c, nil
}

// alreadyExists is contact_already_exists for number, naming the contact that has it.
func (s *Contacts) alreadyExists(ctx context.Context, orgID, number string) error {
	de := dialtone.Errorf(dialtone.CodeContactAlreadyExists,
		"Your organization already has a contact with the phone number %s.", number).WithParam("phone_number")
	if other, err := s.store.GetContactByNumber(ctx, orgID, number); err == nil {
		de = de.WithDetail("contact_id", other.ID)
	} else if !errors.Is(err, ErrNotFound) { // deleted meanwhile: the error still holds
		return dialtone.Internal(err)
	}
	return de
}

// Get returns a contact of p's organization; contact_not_found.
func (s *Contacts) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Contact, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Contact{}, err
	}
	c, err := s.store.GetContact(ctx, p.OrganizationID, id)
	return c, storeError(err, dialtone.CodeContactNotFound)
}

// List returns a page of p's organization's contacts matching f, newest first;
// invalid_value (param search) for an over-long search, invalid_cursor.
func (s *Contacts) List(ctx context.Context, p dialtone.Principal, f dialtone.ContactFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Contact], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Contact]{}, err
	}
	if runes(f.Search) > dialtone.MaxContactSearchLen {
		return dialtone.List[dialtone.Contact]{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"search is %d characters; the limit is %d.", runes(f.Search), dialtone.MaxContactSearchLen).WithParam("search")
	}
	list, more, err := s.store.ListContacts(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Contact]{}, storeError(err, dialtone.CodeContactNotFound)
	}
	return dialtone.NewList(list, more), nil
}

// Update changes the fields set in params (write role): contact_not_found, a validation
// error, or contact_already_exists when the new phone number is another contact's. On error
// nothing changes.
func (s *Contacts) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.ContactUpdateParams) (dialtone.Contact, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Contact{}, err
	}
	if fe := s.ValidateUpdate(params); len(fe) > 0 {
		return dialtone.Contact{}, fe.Err()
	}
	c, err := s.store.UpdateContact(ctx, p.OrganizationID, id, func(c *dialtone.Contact) error {
		setOr(&c.PhoneNumber, params.PhoneNumber, c.PhoneNumber)
		setOr(&c.Name, params.Name, "")
		setOr(&c.Email, params.Email, "")
		setOr(&c.Notes, params.Notes, "")
		setOr(&c.Metadata, params.Metadata, map[string]string{})
		c.Metadata = nonNil(c.Metadata)
		c.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, ErrTaken) {
		return dialtone.Contact{}, s.alreadyExists(ctx, p.OrganizationID, params.PhoneNumber.Value)
	}
	return c, storeError(err, dialtone.CodeContactNotFound)
}

// Delete deletes a contact of p's organization for good (write role); its number may be
// added again. contact_not_found.
func (s *Contacts) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	return storeError(s.store.DeleteContact(ctx, p.OrganizationID, id), dialtone.CodeContactNotFound)
}

// Import parses data as a CSV file of contacts (see ParseContactsCSV) and creates a contact
// for each valid row whose number the organization has no contact for, in one transaction
// (write role). It reports how many it created and the rows it rejected, grouped by reason
// in the order of importReasons. invalid_csv or import_too_large refuse the whole file: then
// nothing is created.
func (s *Contacts) Import(ctx context.Context, p dialtone.Principal, data []byte) (dialtone.ContactImport, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.ContactImport{}, err
	}
	rows, rejected, err := ParseContactsCSV(data, dialtone.MaxContactImportRows)
	if err != nil {
		return dialtone.ContactImport{}, err
	}
	now := s.now()
	cs := make([]dialtone.Contact, len(rows))
	for i, r := range rows {
		cs[i] = dialtone.Contact{ID: dialtone.NewID(dialtone.PrefixContact), Object: "contact",
			PhoneNumber: r.PhoneNumber, Name: r.Name, Email: r.Email, Notes: r.Notes,
			Metadata: nonNil(r.Metadata), CreatedAt: now, UpdatedAt: now}
	}
	created := 0
	if len(cs) > 0 {
		inserted, err := s.store.InsertContacts(ctx, p.OrganizationID, cs)
		if err != nil {
			return dialtone.ContactImport{}, dialtone.Internal(err)
		}
		for i, ok := range inserted {
			if ok {
				created++
			} else {
				rejected = append(rejected, CSVRejection{Row: rows[i].Row, Reason: dialtone.ImportRejectDuplicate})
			}
		}
	}
	return dialtone.ContactImport{Object: "contact_import", Created: created, Rejected: GroupRejections(rejected)}, nil
}

// importReasons returns the reasons a row is rejected, in the order the import report lists
// them, each with the message of its group (limits quoted from their constants).
func importReasons() []importReason {
	return []importReason{
		{dialtone.ImportRejectMissingPhone, "These rows have no phone_number."},
		{dialtone.ImportRejectInvalidPhone, msgInvalidPhone},
		{dialtone.ImportRejectDuplicate, "Your organization already has a contact with this phone number, or an earlier row of the file has it."},
		{dialtone.ImportRejectTooLong, fmt.Sprintf("A value is too long: name is limited to %d characters, email to %d, notes to %d.",
			dialtone.MaxContactNameLen, dialtone.MaxContactEmailLen, dialtone.MaxContactNotesLen)},
		{dialtone.ImportRejectInvalidEmail, "email is not an email address such as ada@example.com."},
		{dialtone.ImportRejectMetadata, fmt.Sprintf("A metadata column's value is longer than %d characters.", dialtone.MaxMetadataValueLen)},
	}
}

// GroupRejections groups the rejected rows of a contact import by reason, in the order of
// importReasons, each group's rows ascending. It returns an empty, not nil, slice when
// nothing was rejected.
func GroupRejections(rejected []CSVRejection) []dialtone.ImportRejection {
	return groupRejections(rejected, importReasons())
}

// ValidateCreate returns every invalid field of params, in the order the fields are
// documented.
func (s *Contacts) ValidateCreate(params dialtone.ContactCreateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if !params.PhoneNumber.HasValue() {
		fe.Add("phone_number", dialtone.CodeFieldRequired, "phone_number is required: the contact's number in E.164 format, e.g. +14155550123.")
	} else if err := CheckE164(params.PhoneNumber.Value); err != nil {
		fe.Add("phone_number", err.Code, err.Message)
	}
	validateContactFields(&fe, params.Name, params.Email, params.Notes, params.Metadata)
	return fe
}

// ValidateUpdate returns every invalid field of params, in the order the fields are
// documented.
func (s *Contacts) ValidateUpdate(params dialtone.ContactUpdateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	switch {
	case params.PhoneNumber.Set && !params.PhoneNumber.HasValue():
		fe.Add("phone_number", dialtone.CodeFieldRequired, "phone_number cannot be null: a contact always has a number.")
	case params.PhoneNumber.HasValue():
		if err := CheckE164(params.PhoneNumber.Value); err != nil {
			fe.Add("phone_number", err.Code, err.Message)
		}
	}
	validateContactFields(&fe, params.Name, params.Email, params.Notes, params.Metadata)
	return fe
}

func validateContactFields(fe *dialtone.FieldErrors, name, email, notes dialtone.Optional[string], metadata dialtone.Optional[map[string]string]) {
	maxLen(fe, "name", name, dialtone.MaxContactNameLen)
	switch {
	case !email.HasValue() || email.Value == "":
	case runes(email.Value) > dialtone.MaxContactEmailLen:
		maxLen(fe, "email", email, dialtone.MaxContactEmailLen)
	case !validEmail(email.Value):
		fe.Addf("email", dialtone.CodeInvalidValue, "%q is not an email address such as ada@example.com.", email.Value)
	}
	maxLen(fe, "notes", notes, dialtone.MaxContactNotesLen)
	if metadata.HasValue() {
		ValidateMetadata(fe, "metadata", metadata.Value)
	}
}

// validEmail reports whether s is a bare email address (no display name, no angle brackets).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s, "@")
}
