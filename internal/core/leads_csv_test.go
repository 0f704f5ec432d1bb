package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// withoutMessages returns groups without their messages, checking each has one.
func withoutMessages(t *testing.T, groups []dialtone.ImportRejection) []dialtone.ImportRejection {
	t.Helper()
	for i := range groups {
		if groups[i].Message == "" {
			t.Errorf("%s: no message", groups[i].Reason)
		}
		groups[i].Message = ""
	}
	return groups
}

func TestParseLeadsCSV(t *testing.T) {
	long := strings.Repeat("m", dialtone.MaxMetadataValueLen+1)
	fifty := make([]string, dialtone.MaxMetadataKeys)
	for i := range fifty {
		fifty[i] = fmt.Sprintf("v%d", i)
	}
	type rej = dialtone.ImportRejection
	for _, c := range []struct {
		name     string
		csv      string
		rows     []LeadRow
		rejected []rej
	}{
		{
			name: "every reason",
			csv: "\xef\xbb\xbf Phone_Number ,First_Name,TimeZone,,Company\n" +
				"+14155550123,Ada,America/Los_Angeles,ignored,\"Acme, Inc.\",beyond the header\n" + // 2
				"  +442071838750 , Bob ,  Europe/London ,,\n" + // 3: trimmed, an empty variable
				",No number,UTC,,\n" + // 4
				"4155550123,Not E.164,,,\n" + // 5
				"+14155550123,Ada again,,,\n" + // 6: repeated
				"+12125550100,Mars,Mars/Olympus_Mons,,\n" + // 7
				"+12125550101,\"" + long + "\",,,\n" + // 8
				"\"+12125550102\",\"Eve, \"\"the\"\" spy\",,,\"multi\nline\"\n" + // 9: quoted
				"+12125550103\n" + // 10: short row
				"+12125550100,Mars again,UTC,,\n" + // 11: row 7's number, not taken then
				"\n" + // a blank line is no row
				"+33142685300,Carol,Mars/Olympus_Mons,,\n", // 12
			rows: []LeadRow{
				{Row: 2, PhoneNumber: "+14155550123", Timezone: "America/Los_Angeles",
					Variables: map[string]string{"first_name": "Ada", "company": "Acme, Inc."}},
				{Row: 3, PhoneNumber: "+442071838750", Timezone: "Europe/London", Variables: map[string]string{"first_name": "Bob"}},
				{Row: 9, PhoneNumber: "+12125550102", Variables: map[string]string{"first_name": `Eve, "the" spy`, "company": "multi\nline"}},
				{Row: 10, PhoneNumber: "+12125550103"},
				{Row: 11, PhoneNumber: "+12125550100", Timezone: "UTC", Variables: map[string]string{"first_name": "Mars again"}},
			},
			rejected: []rej{
				{Reason: "missing_phone_number", Rows: []int{4}},
				{Reason: "invalid_phone_number", Rows: []int{5}},
				{Reason: "duplicate", Rows: []int{6}},
				{Reason: "invalid_timezone", Rows: []int{7, 12}},
				{Reason: "invalid_variables", Rows: []int{8}},
			},
		},
		{
			name: "first reason wins",
			csv: "timezone,phone_number,note\n" +
				"Nowhere/Else,+1415,x\n" + // 2: invalid number before the zone
				"Nowhere/Else,," + long + "\n" + // 3: missing number before the rest
				"UTC,+14155550123,\n" + // 4
				"Nowhere/Else,+14155550123," + long + "\n" + // 5: the zone before the variables and the repeat
				"UTC,+14155550123," + long + "\n", // 6: the variables before the repeat
			rows: []LeadRow{{Row: 4, PhoneNumber: "+14155550123", Timezone: "UTC"}},
			rejected: []rej{
				{Reason: "missing_phone_number", Rows: []int{3}},
				{Reason: "invalid_phone_number", Rows: []int{2}},
				{Reason: "invalid_timezone", Rows: []int{5}},
				{Reason: "invalid_variables", Rows: []int{6}},
			},
		},
		{
			name:     "header only",
			csv:      "phone_number,timezone\r\n",
			rejected: []rej{},
		},
		{
			name:     "crlf, one column",
			csv:      "PHONE_NUMBER\r\n+14155550123\r\n+14155550123\r\n",
			rows:     []LeadRow{{Row: 2, PhoneNumber: "+14155550123"}},
			rejected: []rej{{Reason: "duplicate", Rows: []int{3}}},
		},
		{
			name:     "fifty variables",
			csv:      "phone_number," + strings.Join(fifty, ",") + "\n+14155550123\n",
			rows:     []LeadRow{{Row: 2, PhoneNumber: "+14155550123"}},
			rejected: []rej{},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, rejected, err := ParseLeadsCSV([]byte(c.csv), 100)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rows, c.rows) {
				t.Errorf("rows =\n %+v\nwant\n %+v", rows, c.rows)
			}
			if got := withoutMessages(t, GroupLeadRejections(rejected)); !reflect.DeepEqual(got, c.rejected) {
				t.Errorf("rejected =\n %+v\nwant\n %+v", got, c.rejected)
			}
		})
	}
}

func TestParseLeadsCSVRefusesTheFile(t *testing.T) {
	many := make([]string, dialtone.MaxMetadataKeys+1)
	for i := range many {
		many[i] = fmt.Sprintf("v%d", i)
	}
	for _, c := range []struct {
		name    string
		csv     string
		code    dialtone.Code
		details map[string]any
	}{
		{"empty", "", dialtone.CodeInvalidCSV, nil},
		{"only a byte order mark", "\xef\xbb\xbf", dialtone.CodeInvalidCSV, nil},
		{"no phone_number column", "phone,timezone\n+14155550123,UTC\n", dialtone.CodeInvalidCSV, nil},
		{"column twice", "phone_number,Timezone, timezone \n+14155550123,UTC,UTC\n", dialtone.CodeInvalidCSV,
			map[string]any{"column": "timezone"}},
		{"bad quote", "phone_number,first_name\n+14155550123,Ada\n+14155550124,\"Bob\n", dialtone.CodeInvalidCSV,
			map[string]any{"line": 3}},
		{"quote in a bare cell", "phone_number\n+1415\"5550123\n", dialtone.CodeInvalidCSV, map[string]any{"line": 2}},
		{"not utf-8", "phone_number,first_name\n+14155550123,\xff\xfe\n", dialtone.CodeInvalidCSV, nil},
		{"variable name too long", "phone_number," + strings.Repeat("k", dialtone.MaxMetadataKeyLen+1) + "\n", dialtone.CodeInvalidCSV, nil},
		{"too many variables", "phone_number," + strings.Join(many, ",") + "\n", dialtone.CodeInvalidCSV, nil},
		{"too many rows", "phone_number\n+14155550123\n+14155550124\n+14155550125\n", dialtone.CodeImportTooLarge,
			map[string]any{"limit_rows": 2, "limit_bytes": dialtone.MaxLeadImportBytes}},
		{"too many rows, all rejected", "phone_number\n\n,\nx\ny\n", dialtone.CodeImportTooLarge,
			map[string]any{"limit_rows": 2, "limit_bytes": dialtone.MaxLeadImportBytes}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, rejected, err := ParseLeadsCSV([]byte(c.csv), 2)
			de, ok := errors.AsType[*dialtone.Error](err)
			if !ok || de.Code != c.code || rows != nil || rejected != nil {
				t.Fatalf("%v, %v, %v; want %s", rows, rejected, err, c.code)
			}
			if de.Message == "" || !reflect.DeepEqual(de.Details, c.details) {
				t.Errorf("message %q, details %v; want details %v", de.Message, de.Details, c.details)
			}
		})
	}
}

func TestValidateLeads(t *testing.T) {
	long := strings.Repeat("é", dialtone.MaxMetadataValueLen+1)
	tooMany := map[string]string{}
	for i := range dialtone.MaxMetadataKeys + 1 {
		tooMany[fmt.Sprintf("v%d", i)] = "x"
	}
	type rej = dialtone.ImportRejection
	for _, c := range []struct {
		name     string
		leads    []dialtone.LeadInput
		rows     []LeadRow
		rejected []rej
	}{
		{name: "none", rejected: []rej{}},
		{
			name: "every reason",
			leads: []dialtone.LeadInput{
				{PhoneNumber: "+14155550123", Timezone: " Europe/Paris ", Variables: map[string]string{"First_Name": "Ada", "empty": ""}}, // 1
				{PhoneNumber: ""},                                // 2
				{PhoneNumber: "4155550123"},                      // 3
				{PhoneNumber: " +14155550124"},                   // 4: numbers are not trimmed
				{PhoneNumber: "+14155550123"},                    // 5
				{PhoneNumber: "+12125550100", Timezone: "Local"}, // 6
				{PhoneNumber: "+12125550101", Variables: map[string]string{"note": long}},                                  // 7
				{PhoneNumber: "+12125550102", Variables: map[string]string{"": "x"}},                                       // 8
				{PhoneNumber: "+12125550103", Variables: map[string]string{strings.Repeat("k", 41): "x"}},                  // 9
				{PhoneNumber: "+12125550104", Variables: tooMany},                                                          // 10
				{PhoneNumber: "+12125550100", Timezone: "   "},                                                             // 11: row 6's number
				{PhoneNumber: "+442071838750", Variables: map[string]string{}, Timezone: "America/Argentina/Buenos_Aires"}, // 12
			},
			rows: []LeadRow{
				{Row: 1, PhoneNumber: "+14155550123", Timezone: "Europe/Paris", Variables: map[string]string{"First_Name": "Ada", "empty": ""}},
				{Row: 11, PhoneNumber: "+12125550100"},
				{Row: 12, PhoneNumber: "+442071838750", Timezone: "America/Argentina/Buenos_Aires"},
			},
			rejected: []rej{
				{Reason: "missing_phone_number", Rows: []int{2}},
				{Reason: "invalid_phone_number", Rows: []int{3, 4}},
				{Reason: "duplicate", Rows: []int{5}},
				{Reason: "invalid_timezone", Rows: []int{6}},
				{Reason: "invalid_variables", Rows: []int{7, 8, 9, 10}},
			},
		},
		{
			name: "first reason wins",
			leads: []dialtone.LeadInput{
				{PhoneNumber: "+1", Timezone: "Nowhere", Variables: map[string]string{"": ""}},
				{PhoneNumber: "+14155550123", Timezone: "Nowhere", Variables: map[string]string{"": ""}},
				{PhoneNumber: "+14155550123", Variables: map[string]string{"": ""}},
				{PhoneNumber: "+14155550123"},
				{PhoneNumber: "+14155550123", Timezone: "Nowhere"},
			},
			rows: []LeadRow{{Row: 4, PhoneNumber: "+14155550123"}},
			rejected: []rej{
				{Reason: "invalid_phone_number", Rows: []int{1}},
				{Reason: "invalid_timezone", Rows: []int{2, 5}},
				{Reason: "invalid_variables", Rows: []int{3}},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, rejected := ValidateLeads(c.leads)
			if !reflect.DeepEqual(rows, c.rows) {
				t.Errorf("rows =\n %+v\nwant\n %+v", rows, c.rows)
			}
			if got := withoutMessages(t, GroupLeadRejections(rejected)); !reflect.DeepEqual(got, c.rejected) {
				t.Errorf("rejected =\n %+v\nwant\n %+v", got, c.rejected)
			}
		})
	}
}

func TestValidateLeadsCopiesVariables(t *testing.T) {
	in := []dialtone.LeadInput{{PhoneNumber: "+14155550123", Variables: map[string]string{"a": "1"}}}
	rows, _ := ValidateLeads(in)
	in[0].Variables["a"] = "changed"
	if rows[0].Variables["a"] != "1" {
		t.Errorf("the row shares the input's variables: %v", rows[0].Variables)
	}
}

func TestGroupLeadRejections(t *testing.T) {
	got := GroupLeadRejections([]CSVRejection{
		{Row: 9, Reason: dialtone.LeadRejectVariables},
		{Row: 8, Reason: dialtone.LeadRejectTimezone},
		{Row: 7, Reason: dialtone.LeadRejectOptedOut},
		{Row: 12, Reason: dialtone.ImportRejectDuplicate},
		{Row: 6, Reason: dialtone.ImportRejectDuplicate},
		{Row: 5, Reason: dialtone.LeadRejectDestination},
		{Row: 4, Reason: dialtone.ImportRejectInvalidPhone},
		{Row: 3, Reason: dialtone.ImportRejectMissingPhone},
		{Row: 2, Reason: dialtone.ImportRejectMissingPhone},
	})
	var reasons []string
	for _, g := range got {
		reasons = append(reasons, g.Reason)
	}
	want := []string{"missing_phone_number", "invalid_phone_number", "destination_not_allowed", "duplicate",
		"opted_out", "invalid_timezone", "invalid_variables"}
	if !reflect.DeepEqual(reasons, want) {
		t.Fatalf("reasons %v; want %v", reasons, want)
	}
	if !reflect.DeepEqual(got[0].Rows, []int{2, 3}) || !reflect.DeepEqual(got[3].Rows, []int{6, 12}) {
		t.Errorf("rows not ascending: %v, %v", got[0].Rows, got[3].Rows)
	}
	for i, msg := range map[int]string{
		2: "Your telephony config does not allow calls to these numbers (see GET /v1/telephony-config).",
		3: "The number is already a lead of this campaign, or appears earlier in this upload.",
		4: "These numbers opted out of your organization's messages (texted STOP); they are never called by campaigns.",
	} {
		if got[i].Message != msg {
			t.Errorf("%s: message %q; want %q", got[i].Reason, got[i].Message, msg)
		}
	}
	for _, g := range got {
		if g.Message == "" {
			t.Errorf("%s: no message", g.Reason)
		}
	}
	if g := GroupLeadRejections(nil); g == nil || len(g) != 0 {
		t.Errorf("nothing rejected: %#v; want an empty slice", g)
	}
	// The contact import's own reasons are not lead reasons, and the other way round.
	if g := GroupLeadRejections([]CSVRejection{{Row: 2, Reason: dialtone.ImportRejectInvalidEmail}}); len(g) != 0 {
		t.Errorf("invalid_email grouped as a lead reason: %v", g)
	}
	if g := GroupRejections([]CSVRejection{{Row: 2, Reason: dialtone.LeadRejectTimezone}}); len(g) != 0 {
		t.Errorf("invalid_timezone grouped as a contact reason: %v", g)
	}
}

// FuzzParseLeadsCSV checks the parser never panics, refuses a file only with invalid_csv or
// import_too_large and then returns nothing else, and accounts for every data row exactly
// once: as a lead to add, with a valid, distinct number, a known zone and variables within
// the metadata rules, or as a rejection.
func FuzzParseLeadsCSV(f *testing.F) {
	for _, s := range []string{
		"phone_number,first_name\n+14155550123,Ada\n",
		"phone_number,timezone,first_name,x\n+14155550123,America/New_York,Ada,1\n+14155550123,,,\n,x,,\nabc\n",
		"\xef\xbb\xbftimezone,phone_number\r\n\"Europe/Paris\",+442071838750\r\nNowhere,+33142685300\r\n",
		"phone_number,tz\n+14155550123,\"a\"\"b\nc\"\n",
		"phone_number\n\"unterminated\n",
		"phone_number,,\n+14155550123,x,y,z\n",
		"a,b\n1,2\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rejected, err := ParseLeadsCSV(data, 50)
		if !checkRowAccounting(t, rows, rejected, err, func(r LeadRow) (int, string) { return r.Row, r.PhoneNumber }, GroupLeadRejections) {
			return
		}
		for _, r := range rows {
			if _, err := LoadTimezone(r.Timezone); r.Timezone != "" && err != nil {
				t.Fatalf("row %d: zone %q taken", r.Row, r.Timezone)
			}
			for k, v := range r.Variables {
				if k == "" || v == "" || utf8.RuneCountInString(v) > dialtone.MaxMetadataValueLen || strings.TrimSpace(v) != v {
					t.Fatalf("row %d: variable %q=%q taken", r.Row, k, v)
				}
			}
		}
	})
}

// BenchmarkParseLeadsCSV100k parses an upload of 100,000 valid leads with distinct numbers, a
// variable and a time zone each.
func BenchmarkParseLeadsCSV100k(b *testing.B) {
	const n = 100_000
	zones := []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", ""}
	var sb strings.Builder
	sb.WriteString("phone_number,first_name,timezone\n")
	for i := range n {
		fmt.Fprintf(&sb, "+14152%06d,Lead %d,%s\n", i, i, zones[i%len(zones)])
	}
	data := []byte(sb.String())
	if rows, rejected, err := ParseLeadsCSV(data, dialtone.MaxLeadImportRows); err != nil || len(rows) != n || len(rejected) != 0 {
		b.Fatalf("%d rows, %d rejected (%v), %v", len(rows), len(rejected), GroupLeadRejections(rejected), err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseLeadsCSV(data, dialtone.MaxLeadImportRows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
