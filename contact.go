package dialtone

import (
	"context"
	"time"
)

// PrefixContact is the id prefix of contacts.
const PrefixContact = "ct"

// Contact limits.
const (
	MaxContactNameLen  = 200
	MaxContactEmailLen = 254
	MaxContactNotesLen = 2000
	// MaxContactSearchLen caps the search parameter of the contact list.
	MaxContactSearchLen = 100
	// MaxContactImportRows is the most data rows (the header row aside) one CSV import may hold.
	MaxContactImportRows = 10_000
	// MaxContactImportBytes is the largest CSV file one import may upload (5 MiB).
	MaxContactImportBytes = 5 << 20
)

// Contact is a person the organization talks to, known by one phone number. An organization
// has at most one contact per phone number.
type Contact struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`       // "contact"
	PhoneNumber string            `json:"phone_number"` // E.164
	Name        string            `json:"name"`         // "" when unknown
	Email       string            `json:"email"`        // "" when unknown
	Notes       string            `json:"notes"`
	Metadata    map[string]string `json:"metadata"`
	// OptedOut says the number texted STOP to one of the organization's numbers (and not
	// START since): it is not messaged until it opts back in.
	OptedOut  bool      `json:"opted_out"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ContactCreateParams describe a new contact: phone_number is required.
type ContactCreateParams struct {
	PhoneNumber Optional[string]            `json:"phone_number,omitzero"`
	Name        Optional[string]            `json:"name,omitzero"`
	Email       Optional[string]            `json:"email,omitzero"`
	Notes       Optional[string]            `json:"notes,omitzero"`
	Metadata    Optional[map[string]string] `json:"metadata,omitzero"`
}

// ContactUpdateParams change a contact; only the fields set change. A null name, email, notes
// or metadata empties it; phone_number cannot be null.
type ContactUpdateParams struct {
	PhoneNumber Optional[string]            `json:"phone_number,omitzero"`
	Name        Optional[string]            `json:"name,omitzero"`
	Email       Optional[string]            `json:"email,omitzero"`
	Notes       Optional[string]            `json:"notes,omitzero"`
	Metadata    Optional[map[string]string] `json:"metadata,omitzero"`
}

// ContactFilter narrows the contact list.
type ContactFilter struct {
	// Search matches contacts whose name contains it, ignoring case, or whose phone number's
	// digits contain its digits; empty means every contact.
	Search string
}

// Reasons an imported row is rejected (ImportRejection.Reason).
const (
	ImportRejectMissingPhone = "missing_phone_number" // the phone_number cell is empty
	ImportRejectInvalidPhone = "invalid_phone_number" // not a valid E.164 number
	ImportRejectDuplicate    = "duplicate"            // already a contact, or repeated earlier in the file
	ImportRejectTooLong      = "value_too_long"       // name, email or notes over its limit
	ImportRejectInvalidEmail = "invalid_email"        // not an email address
	ImportRejectMetadata     = "invalid_metadata"     // a metadata value over its limit
)

// ContactImport is the report of a CSV import: how many contacts were created and which rows
// were rejected, grouped by reason. Rows are numbered as a spreadsheet shows them: the header
// is row 1, the first contact row 2.
type ContactImport struct {
	Object   string            `json:"object"` // "contact_import"
	Created  int               `json:"created"`
	Rejected []ImportRejection `json:"rejected"`
}

// ImportRejection lists the rows of an import rejected for one reason.
type ImportRejection struct {
	Reason  string `json:"reason"`
	Rows    []int  `json:"rows"`
	Message string `json:"message"`
}

// ContactService manages contacts. Every method is scoped to the principal's organization: a
// contact of another organization is reported as contact_not_found.
type ContactService interface {
	// Create validates params and stores a new contact; contact_already_exists (details
	// contact_id) when the organization has a contact with that phone number.
	Create(ctx context.Context, p Principal, params ContactCreateParams) (Contact, error)
	// Get returns contact_not_found for unknown, deleted or foreign ids.
	Get(ctx context.Context, p Principal, id string) (Contact, error)
	// List returns a page of contacts, newest first; invalid_cursor for a bad cursor.
	List(ctx context.Context, p Principal, f ContactFilter, lp ListParams) (List[Contact], error)
	// Update changes the fields that are set: contact_not_found, a validation error, or
	// contact_already_exists when the new phone number is another contact's.
	Update(ctx context.Context, p Principal, id string, params ContactUpdateParams) (Contact, error)
	// Delete removes the contact for good; its phone number may be added again.
	// contact_not_found.
	Delete(ctx context.Context, p Principal, id string) error
	// Import creates a contact for each valid row of a CSV file and reports the rows it
	// rejected. invalid_csv or import_too_large refuse the whole file, creating nothing.
	Import(ctx context.Context, p Principal, csv []byte) (ContactImport, error)
}
