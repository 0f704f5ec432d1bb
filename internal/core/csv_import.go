package core

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// CSVRejection is a row of an upload (a contact import, a lead upload) that is not taken, and
// why (dialtone.ImportReject…, dialtone.LeadReject…).
type CSVRejection struct {
	Row    int
	Reason string
}

// csvKind is what tells the CSV uploads apart: the contact import and the lead upload read
// their files the same way (readCSV) with their own columns and limits.
type csvKind struct {
	noun     string // what a data row holds, in the singular: "contact", "lead"
	maxBytes int    // the largest file, quoted in import_too_large
	// example is a header row, quoted when the header has no phone_number column.
	example string
	// field reports whether a column name (trimmed, lower case) is one of the row's fields;
	// any other named column is a key (a contact's metadata, a lead's variables).
	field func(name string) bool
	// keys says what the other columns become and their limits, for the error of key columns
	// the metadata rules refuse.
	keys string
}

// csvColumn is a column of a CSV upload, as its header row names it.
type csvColumn struct {
	name string // trimmed, in lower case; "" for a column without a name, which is ignored
	key  bool   // not a field of kind: a metadata key or a variable
}

// readCSV reads data as a CSV upload of kind: a UTF-8 byte order mark is skipped, the first
// row names the columns (see csvColumns), then row is called with each data row, its cells
// trimmed, numbered as a spreadsheet numbers it (the header is row 1). A row shorter than the
// header leaves the last columns out; cells beyond the header's columns are there and belong
// to no column. row must not keep rec.
//
// The whole file is refused, possibly after row was called, with invalid_csv when it is not
// UTF-8, is malformed CSV (details.line), has no header row or a header csvColumns refuses;
// with import_too_large when it has more than maxRows data rows.
func readCSV(data []byte, maxRows int, kind csvKind, row func(n int, cols []csvColumn, rec []string)) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return dialtone.NewError(dialtone.CodeInvalidCSV, "The file is not UTF-8 text; export it as \"CSV UTF-8\".")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true // the cells are substrings of one string per record: they outlive rec
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return dialtone.NewError(dialtone.CodeInvalidCSV, "The file is empty: it needs a header row naming a phone_number column.")
	}
	if err != nil {
		return csvError(err)
	}
	cols, err := csvColumns(header, kind)
	if err != nil {
		return err
	}
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		if n-1 > maxRows {
			return importTooLarge(kind, maxRows)
		}
		for i, v := range rec {
			rec[i] = strings.TrimSpace(v)
		}
		row(n, cols, rec)
	}
}

// csvColumns reads the header row of an upload of kind: each name trimmed and in lower case,
// columns without a name ignored. invalid_csv (details.column) for a name given twice, for a
// header without phone_number, and for key columns the metadata rules refuse (too many, or a
// name too long).
func csvColumns(header []string, kind csvKind) ([]csvColumn, error) {
	cols := make([]csvColumn, len(header))
	named := map[string]bool{}
	keys := map[string]string{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			continue
		}
		if named[name] {
			return nil, dialtone.Errorf(dialtone.CodeInvalidCSV, "The column %q is named twice in the header row.", name).WithDetail("column", name)
		}
		named[name] = true
		cols[i] = csvColumn{name: name, key: !kind.field(name)}
		if cols[i].key {
			keys[name] = ""
		}
	}
	if !named["phone_number"] {
		return nil, dialtone.NewError(dialtone.CodeInvalidCSV,
			"The header row has no phone_number column: the first row must name the columns, e.g. "+kind.example+".")
	}
	var fe dialtone.FieldErrors
	ValidateMetadata(&fe, "metadata", keys)
	if len(fe) > 0 {
		return nil, dialtone.Errorf(dialtone.CodeInvalidCSV, "%s: at most %d, of 1 to %d characters.",
			kind.keys, dialtone.MaxMetadataKeys, dialtone.MaxMetadataKeyLen)
	}
	return cols, nil
}

// importTooLarge is import_too_large for a file of kind with more than maxRows data rows.
func importTooLarge(kind csvKind, maxRows int) error {
	return dialtone.Errorf(dialtone.CodeImportTooLarge,
		"The file has more than %d %s rows; split it and import the parts one after another.", maxRows, kind.noun).
		WithDetail("limit_rows", maxRows).WithDetail("limit_bytes", kind.maxBytes)
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

// phoneReason is why an upload refuses a row's phone number: missing_phone_number,
// invalid_phone_number, or "" for a valid E.164 number.
func phoneReason(number string) string {
	switch {
	case number == "":
		return dialtone.ImportRejectMissingPhone
	case !e164Shape.MatchString(number) || CheckE164(number) != nil: // the shape first: no suggestion is parsed
		return dialtone.ImportRejectInvalidPhone
	}
	return ""
}

// uploadNumbers are the phone numbers an upload has taken so far.
type uploadNumbers map[string]bool

// take decides a row with phone number number that its other checks judged (reason, ""
// when they passed): reason, else duplicate when an earlier row was taken with the same
// number, else "" and number is taken.
func (u uploadNumbers) take(number, reason string) string {
	switch {
	case reason != "":
		return reason
	case u[number]:
		return dialtone.ImportRejectDuplicate
	}
	u[number] = true
	return ""
}

// importReason is a reason rows of an upload are rejected, with the message of its group in
// the report.
type importReason struct{ reason, message string }

// msgInvalidPhone is the report's message for invalid_phone_number.
const msgInvalidPhone = "phone_number must be a valid number in E.164 format: a +, the country code and the number, digits only, e.g. +14155550123."

// groupRejections groups rejected rows by reason, in the order of reasons, each group's rows
// ascending; a reason not in reasons is left out. It returns an empty, not nil, slice when
// nothing was rejected.
func groupRejections(rejected []CSVRejection, reasons []importReason) []dialtone.ImportRejection {
	rows := make([][]int, len(reasons))
	for _, rej := range rejected {
		if i := slices.IndexFunc(reasons, func(r importReason) bool { return r.reason == rej.Reason }); i >= 0 {
			rows[i] = append(rows[i], rej.Row)
		}
	}
	out := []dialtone.ImportRejection{}
	for i, r := range reasons {
		if len(rows[i]) > 0 {
			slices.Sort(rows[i])
			out = append(out, dialtone.ImportRejection{Reason: r.reason, Rows: rows[i], Message: r.message})
		}
	}
	return out
}
