package core

import (
	"fmt"
	"maps"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// LeadRow is a lead of an upload that passed validation: a lead to add to a campaign.
type LeadRow struct {
	// Row is where the lead is in its upload: in a CSV file, its row as a spreadsheet numbers
	// it (the header is row 1); in a JSON batch, its position counted from 1.
	Row         int
	PhoneNumber string            // E.164
	Timezone    string            // an IANA time zone, or "" when the upload gave none
	Variables   map[string]string // nil when it has none
}

// isLeadCSVField reports whether a column of a lead upload (its name trimmed and in lower
// case) is a lead field; any other column is a variable.
func isLeadCSVField(name string) bool {
	return name == "phone_number" || name == "timezone"
}

// leadsCSV is the lead upload's kind of CSV file.
var leadsCSV = csvKind{
	noun:     "lead",
	maxBytes: dialtone.MaxLeadImportBytes,
	example:  "phone_number,first_name,timezone",
	field:    isLeadCSVField,
	keys:     "Columns other than phone_number and timezone become the leads' variables",
}

// ParseLeadsCSV reads a CSV file of leads: a header row naming the columns (phone_number
// required; timezone optional; any other named column a variable, named as the metadata
// rules allow; columns with an empty name ignored), then one row per lead. Names are matched
// trimmed and in lower case; cells are trimmed. A UTF-8 byte order mark is skipped.
//
// Every data row is in exactly one of the results: rows, the valid rows with distinct phone
// numbers, or rejected, the others, for the first reason of: missing_phone_number,
// invalid_phone_number, invalid_timezone (a timezone that is not an IANA zone),
// invalid_variables (a value over the metadata limit), duplicate (a number taken from an
// earlier row). An empty variable cell sets no key; an empty timezone cell leaves the zone to
// the number, else the campaign.
//
// The whole file is refused (nothing in rows or rejected) with invalid_csv when it is not
// UTF-8, is malformed CSV, has no header row, no phone_number column, a column named twice,
// or variable columns the metadata rules refuse; with import_too_large when it has more than
// maxRows data rows.
func ParseLeadsCSV(data []byte, maxRows int) (rows []LeadRow, rejected []CSVRejection, err error) {
	checks := newLeadChecks()
	err = readCSV(data, maxRows, leadsCSV, func(n int, cols []csvColumn, rec []string) {
		l := LeadRow{Row: n}
		for i, v := range rec {
			switch {
			case i >= len(cols) || cols[i].name == "":
			case cols[i].key:
				if v != "" {
					if l.Variables == nil {
						l.Variables = map[string]string{}
					}
					l.Variables[cols[i].name] = v
				}
			case cols[i].name == "phone_number":
				l.PhoneNumber = v
			case cols[i].name == "timezone":
				l.Timezone = v
			}
		}
		if reason := checks.check(l); reason != "" {
			rejected = append(rejected, CSVRejection{Row: n, Reason: reason})
		} else {
			rows = append(rows, l)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, rejected, nil
}

// ValidateLeads judges a JSON batch of leads by the rules of ParseLeadsCSV, numbering them
// from 1: every lead is in exactly one of rows or rejected. A timezone is trimmed; variables
// follow the metadata rules, names and values (invalid_variables). The variables of rows are
// copies.
func ValidateLeads(leads []dialtone.LeadInput) (rows []LeadRow, rejected []CSVRejection) {
	checks := newLeadChecks()
	for i, in := range leads {
		l := LeadRow{Row: i + 1, PhoneNumber: in.PhoneNumber, Timezone: strings.TrimSpace(in.Timezone)}
		if len(in.Variables) > 0 {
			l.Variables = maps.Clone(in.Variables)
		}
		if reason := checks.check(l); reason != "" {
			rejected = append(rejected, CSVRejection{Row: l.Row, Reason: reason})
		} else {
			rows = append(rows, l)
		}
	}
	return rows, rejected
}

// leadChecks judge the leads of one upload.
type leadChecks struct {
	taken uploadNumbers
	zones map[string]bool // the time zones looked up so far: whether each is one
}

func newLeadChecks() *leadChecks {
	return &leadChecks{taken: uploadNumbers{}, zones: map[string]bool{}}
}

// check returns why l is rejected, "" when it is taken (and its number with it).
func (c *leadChecks) check(l LeadRow) string {
	reason := phoneReason(l.PhoneNumber)
	if reason == "" && l.Timezone != "" {
		ok, known := c.zones[l.Timezone]
		if !known {
			_, err := LoadTimezone(l.Timezone) // reads the zone database: once per name
			ok = err == nil
			c.zones[l.Timezone] = ok
		}
		if !ok {
			reason = dialtone.LeadRejectTimezone
		}
	}
	if reason == "" && len(l.Variables) > 0 {
		var fe dialtone.FieldErrors
		ValidateMetadata(&fe, "variables", l.Variables)
		if len(fe) > 0 {
			reason = dialtone.LeadRejectVariables
		}
	}
	return c.taken.take(l.PhoneNumber, reason)
}

// leadReasons returns the reasons a lead is rejected, in the order the upload report lists
// them, each with the message of its group (limits quoted from their constants).
func leadReasons() []importReason {
	return []importReason{
		{dialtone.ImportRejectMissingPhone, "These leads have no phone_number."},
		{dialtone.ImportRejectInvalidPhone, msgInvalidPhone},
		{dialtone.LeadRejectDestination, "Your telephony config does not allow calls to these numbers (see GET /v1/telephony-config)."},
		{dialtone.ImportRejectDuplicate, "The number is already a lead of this campaign, or appears earlier in this upload."},
		{dialtone.LeadRejectOptedOut, "These numbers opted out of your organization's messages (texted STOP); they are never called by campaigns."},
		{dialtone.LeadRejectTimezone, "timezone must be an IANA time zone such as America/New_York or Europe/Paris, or empty to use the number's zone, else the campaign's."},
		{dialtone.LeadRejectVariables, fmt.Sprintf("variables allow at most %d names of 1 to %d characters, each value at most %d characters.",
			dialtone.MaxMetadataKeys, dialtone.MaxMetadataKeyLen, dialtone.MaxMetadataValueLen)},
	}
}

// GroupLeadRejections groups the rejected leads of an upload by reason, in the order of
// leadReasons, each group's rows ascending. It returns an empty, not nil, slice when nothing
// was rejected.
func GroupLeadRejections(rejected []CSVRejection) []dialtone.ImportRejection {
	return groupRejections(rejected, leadReasons())
}
