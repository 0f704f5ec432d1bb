package core

import (
	"strings"

	"github.com/dialtonehq/dialtone"
)

// CSVContact is a row of a contact import that passed validation: a contact to create.
type CSVContact struct {
	Row         int // as a spreadsheet numbers it: the header is row 1
	PhoneNumber string
	Name        string
	Email       string
	Notes       string
	Metadata    map[string]string
}

// isContactCSVField reports whether a column of a contact import (its name trimmed and in
// lower case) is a contact field; any other column is a metadata key.
func isContactCSVField(name string) bool {
	switch name {
	case "phone_number", "name", "email", "notes":
		return true
	}
	return false
}

// contactsCSV is the contact import's kind of CSV file.
var contactsCSV = csvKind{
	noun:     "contact",
	maxBytes: dialtone.MaxContactImportBytes,
	example:  "phone_number,name,email",
	field:    isContactCSVField,
	keys:     "Columns other than phone_number, name, email and notes become metadata keys",
}

// ParseContactsCSV reads a CSV file of contacts: a header row naming the columns
// (phone_number required; name, email, notes optional; any other named column a metadata key;
// columns with an empty name ignored), then one row per contact. Names are matched trimmed and
// in lower case; cells are trimmed. A UTF-8 byte order mark is skipped.
//
// Every data row is in exactly one of the results: rows, the valid rows with distinct phone
// numbers, or rejected, the others (a number repeated from an earlier row is a duplicate).
// An empty metadata cell sets no key.
//
// The whole file is refused (nothing in rows or rejected) with invalid_csv when it is not
// UTF-8, is malformed CSV, has no header row, no phone_number column, a column named twice, or
// metadata columns the metadata rules refuse; with import_too_large when it has more than
// maxRows data rows.
func ParseContactsCSV(data []byte, maxRows int) (rows []CSVContact, rejected []CSVRejection, err error) {
	taken := uploadNumbers{}
	err = readCSV(data, maxRows, contactsCSV, func(n int, cols []csvColumn, rec []string) {
		c, reason := csvContact(cols, rec)
		c.Row = n
		if reason = taken.take(c.PhoneNumber, reason); reason != "" {
			rejected = append(rejected, CSVRejection{Row: n, Reason: reason})
		} else {
			rows = append(rows, c)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, rejected, nil
}

// csvContact reads one data row (its cells trimmed); reason is "" when it is valid, else why
// it is rejected (the first failing check in column order phone_number, name, email, notes,
// metadata).
func csvContact(cols []csvColumn, rec []string) (c CSVContact, reason string) {
	for i, v := range rec {
		if i >= len(cols) || cols[i].name == "" {
			continue
		}
		switch col := cols[i]; {
		case col.key:
			if v != "" {
				if c.Metadata == nil {
					c.Metadata = map[string]string{}
				}
				c.Metadata[col.name] = v
			}
		case col.name == "phone_number":
			c.PhoneNumber = v
		case col.name == "name":
			c.Name = v
		case col.name == "email":
			c.Email = v
		case col.name == "notes":
			c.Notes = v
		}
	}
	if reason := phoneReason(c.PhoneNumber); reason != "" {
		return c, reason
	}
	var fe dialtone.FieldErrors
	validateContactFields(&fe, dialtone.Some(c.Name), dialtone.Some(c.Email), dialtone.Some(c.Notes), dialtone.Some(c.Metadata))
	for _, f := range fe {
		switch {
		case f.Field == "email" && f.Code == dialtone.CodeInvalidValue:
			return c, dialtone.ImportRejectInvalidEmail
		case strings.HasPrefix(f.Field, "metadata"):
			return c, dialtone.ImportRejectMetadata
		default:
			return c, dialtone.ImportRejectTooLong
		}
	}
	return c, ""
}
