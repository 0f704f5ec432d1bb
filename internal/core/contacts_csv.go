package core

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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

// CSVRejection is a row of a contact import that is not imported, and why
// (dialtone.ImportReject…).
type CSVRejection struct {
	Row    int
	Reason string
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
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The file is not UTF-8 text; export it as \"CSV UTF-8\".")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The file is empty: it needs a header row naming a phone_number column.")
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	cols, err := csvColumns(header)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if n-1 > maxRows {
			return nil, nil, dialtone.Errorf(dialtone.CodeImportTooLarge,
				"The file has more than %d contact rows; split it and import the parts one after another.", maxRows).
				WithDetail("limit_rows", maxRows).WithDetail("limit_bytes", dialtone.MaxContactImportBytes)
		}
		c, reason := csvContact(cols, rec)
		c.Row = n
		switch {
		case reason != "":
		case seen[c.PhoneNumber]:
			reason = dialtone.ImportRejectDuplicate
		default:
			seen[c.PhoneNumber] = true
			rows = append(rows, c)
			continue
		}
		rejected = append(rejected, CSVRejection{Row: n, Reason: reason})
	}
	return rows, rejected, nil
}

// csvColumns maps each column of header to its field: "phone_number", "name", "email",
// "notes", "metadata.<key>", or "" to ignore it.
func csvColumns(header []string) ([]string, error) {
	cols := make([]string, len(header))
	named := map[string]bool{}
	metadata := map[string]string{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			continue
		}
		if named[name] {
			return nil, dialtone.Errorf(dialtone.CodeInvalidCSV, "The column %q is named twice in the header row.", name).WithDetail("column", name)
		}
		named[name] = true
		if isContactCSVField(name) {
			cols[i] = name
		} else {
			cols[i] = "metadata." + name
			metadata[name] = ""
		}
	}
	if !named["phone_number"] {
		return nil, dialtone.NewError(dialtone.CodeInvalidCSV,
			"The header row has no phone_number column: the first row must name the columns, e.g. phone_number,name,email.")
	}
	var fe dialtone.FieldErrors
	ValidateMetadata(&fe, "metadata", metadata)
	if len(fe) > 0 {
		return nil, dialtone.Errorf(dialtone.CodeInvalidCSV,
			"Columns other than phone_number, name, email and notes become metadata keys: at most %d, of 1 to %d characters.",
			dialtone.MaxMetadataKeys, dialtone.MaxMetadataKeyLen)
	}
	return cols, nil
}

// csvContact reads one data row; reason is "" when it is valid, else why it is rejected (the
// first failing check in column order phone_number, name, email, notes, metadata).
func csvContact(cols []string, rec []string) (c CSVContact, reason string) {
	for i, v := range rec {
		if i >= len(cols) || cols[i] == "" {
			continue
		}
		v = strings.TrimSpace(v)
		switch col := cols[i]; col {
		case "phone_number":
			c.PhoneNumber = v
		case "name":
			c.Name = v
		case "email":
			c.Email = v
		case "notes":
			c.Notes = v
		default:
			if v != "" {
				if c.Metadata == nil {
					c.Metadata = map[string]string{}
				}
				c.Metadata[strings.TrimPrefix(col, "metadata.")] = v
			}
		}
	}
	switch {
	case c.PhoneNumber == "":
		return c, dialtone.ImportRejectMissingPhone
	case !e164Shape.MatchString(c.PhoneNumber) || CheckE164(c.PhoneNumber) != nil: // the shape first: no suggestion is parsed
		return c, dialtone.ImportRejectInvalidPhone
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

// csvError is invalid_csv for a CSV syntax error, naming its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return dialtone.NewError(dialtone.CodeInvalidCSV, fmt.Sprintf("The file is not valid CSV: line %d: %v.", pe.Line, pe.Err)).
			WithDetail("line", pe.Line)
	}
	return dialtone.NewError(dialtone.CodeInvalidCSV, "The file is not valid CSV: "+err.Error()+".")
}
