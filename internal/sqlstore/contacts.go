package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// contactColumns is the select list scanContact reads, from contacts (also in RETURNING):
// opted_out is whether the contact's number is in the organization's opt_outs.
const contactColumns = `id, phone_number, name, email, notes, metadata, created_at, updated_at,
	EXISTS (SELECT 1 FROM opt_outs o WHERE o.organization_id = contacts.organization_id
		AND o.phone_number = contacts.phone_number) AS opted_out`

// contactGet selects a contact by id ($1) and organization ($2): the query of GetContact, and
// of UpdateContact with a row lock.
const contactGet = `SELECT ` + contactColumns + ` FROM contacts WHERE id = $1 AND organization_id = $2`

// contactNumberIndex is the unique index that keeps one contact per number in an organization
// (see the migration 00016_contacts.sql); PostgreSQL names it in a unique violation.
const contactNumberIndex = "contacts_organization_number"

func scanContact(r rowScanner) (dialtone.Contact, error) {
	c := dialtone.Contact{Object: "contact"}
	var metadata string
	var created, updated timestamp
	if err := r.Scan(&c.ID, &c.PhoneNumber, &c.Name, &c.Email, &c.Notes, &metadata, &created, &updated, &c.OptedOut); err != nil {
		return dialtone.Contact{}, err
	}
	if err := fromJSONText(metadata, "metadata", &c.Metadata); err != nil {
		return dialtone.Contact{}, fmt.Errorf("contact %s: %w", c.ID, err)
	}
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	return c, nil
}

// contactValues returns the values of the columns an update may change, in the order of
// contactInsert's $3… and contactUpdate's $1….
func contactValues(c dialtone.Contact) ([]any, error) {
	metadata := c.Metadata
	if metadata == nil {
		metadata = map[string]string{}
	}
	text, err := jsonText(metadata)
	if err != nil {
		return nil, err
	}
	return []any{c.PhoneNumber, c.Name, c.Email, c.Notes, text, dbTime(c.UpdatedAt)}, nil
}

const contactInsert = `INSERT INTO contacts (id, organization_id, created_at,
	phone_number, name, email, notes, metadata, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

const contactUpdate = `UPDATE contacts SET phone_number = $1, name = $2, email = $3, notes = $4,
	metadata = $5, updated_at = $6
	WHERE id = $7 AND organization_id = $8
	RETURNING ` + contactColumns

// isContactTaken reports whether err is a violation of the unique index on an organization's
// contact numbers.
func isContactTaken(err error) bool {
	return isUniqueViolation(err, contactNumberIndex, "contacts.organization_id, contacts.phone_number")
}

// InsertContact stores c as a new contact of orgID; core.ErrTaken when orgID already has a
// contact with c's phone number. The unique index decides, so two concurrent inserts of one
// number cannot both succeed.
func (s *Store) InsertContact(ctx context.Context, orgID string, c dialtone.Contact) error {
	values, err := contactValues(c)
	if err != nil {
		return fmt.Errorf("insert contact: %w", err)
	}
	args := append([]any{c.ID, orgID, dbTime(c.CreatedAt)}, values...)
	_, err = s.writer.ExecContext(ctx, contactInsert, args...)
	switch {
	case err == nil:
		return nil
	case isContactTaken(err):
		return core.ErrTaken
	}
	return fmt.Errorf("insert contact: %w", err)
}

// InsertContacts stores each of cs as a new contact of orgID, in one transaction, skipping
// those whose phone number orgID already has (ON CONFLICT DO NOTHING on the unique index); it
// returns, for each, whether it was inserted. The phone numbers of cs must be distinct.
func (s *Store) InsertContacts(ctx context.Context, orgID string, cs []dialtone.Contact) ([]bool, error) {
	inserted := make([]bool, len(cs))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, contactInsert+` ON CONFLICT (organization_id, phone_number) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, c := range cs {
			values, err := contactValues(c)
			if err != nil {
				return err
			}
			res, err := stmt.ExecContext(ctx, append([]any{c.ID, orgID, dbTime(c.CreatedAt)}, values...)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			inserted[i] = n == 1
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert contacts: %w", err)
	}
	return inserted, nil
}

// GetContact returns orgID's contact id, or core.ErrNotFound (also for another
// organization's).
func (s *Store) GetContact(ctx context.Context, orgID, id string) (dialtone.Contact, error) {
	return s.getContact(ctx, contactGet, id, orgID)
}

// GetContactByNumber returns orgID's contact whose phone number is number, or
// core.ErrNotFound.
func (s *Store) GetContactByNumber(ctx context.Context, orgID, number string) (dialtone.Contact, error) {
	return s.getContact(ctx, `SELECT `+contactColumns+` FROM contacts WHERE phone_number = $1 AND organization_id = $2`, number, orgID)
}

func (s *Store) getContact(ctx context.Context, query string, args ...any) (dialtone.Contact, error) {
	c, err := scanContact(s.reader.QueryRowContext(ctx, query, args...))
	return found(c, err, "get contact")
}

// likeEscaper escapes the LIKE wildcards of a search term, for LIKE … ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListContacts returns a page of orgID's contacts matching f, newest first, and whether more
// follow. f.Search matches a name containing it, compared in lower case (SQLite lowers ASCII
// letters only), or a phone number containing its digits, when it has any. A cursor must name
// a contact of orgID, else core.ErrBadCursor; it need not match f. See listPage.
func (s *Store) ListContacts(ctx context.Context, orgID string, f dialtone.ContactFilter, lp dialtone.ListParams) ([]dialtone.Contact, bool, error) {
	var filter where
	if f.Search != "" {
		name := "%" + likeEscaper.Replace(strings.ToLower(f.Search)) + "%"
		var digits strings.Builder
		for _, r := range f.Search {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		if digits.Len() > 0 {
			filter = filter.and(`(LOWER(name) LIKE ? ESCAPE '\' OR phone_number LIKE ?)`, name, "%"+digits.String()+"%")
		} else {
			filter = filter.and(`LOWER(name) LIKE ? ESCAPE '\'`, name)
		}
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Contact]{
		what:    "list contacts",
		table:   "contacts",
		columns: contactColumns,
		scope:   where{}.and("organization_id = ?", orgID),
		filter:  filter,
		scan:    scanContact,
	}, lp)
}

// UpdateContact loads orgID's contact id, lets mutate change it, stores the result and returns
// the contact as stored, in one transaction holding its row (see updateRow);
// core.ErrNotFound, or core.ErrTaken when the new phone number is another contact's. The id,
// organization and created_at cannot be changed. mutate must be quick and must not call the
// Store.
func (s *Store) UpdateContact(ctx context.Context, orgID, id string, mutate func(*dialtone.Contact) error) (dialtone.Contact, error) {
	c, err := updateRow(ctx, s, rowUpdate[dialtone.Contact]{what: "update contact", get: contactGet,
		update: contactUpdate, scan: scanContact, values: contactValues}, orgID, id, mutate)
	if isContactTaken(err) {
		return dialtone.Contact{}, core.ErrTaken
	}
	return c, err
}

// DeleteContact deletes orgID's contact id, row and all, so that its number may be added
// again; core.ErrNotFound when there is no such contact.
func (s *Store) DeleteContact(ctx context.Context, orgID, id string) error {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM contacts WHERE id = $1 AND organization_id = $2`, id, orgID)
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	if n == 0 {
		return core.ErrNotFound
	}
	return nil
}
