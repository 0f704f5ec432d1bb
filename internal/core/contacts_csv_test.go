package core

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
)

func TestParseContactsCSV(t *testing.T) {
	csv := "\xef\xbb\xbfPhone_Number , Name,email,notes,CRM ID,\n" +
		"+14155550123,Ada Lovelace,ada@example.com,VIP,42,ignored\n" + // 2
		"  +442071838750 ,Bob,,,,\n" + // 3: trimmed
		",No number,,,,\n" + // 4
		"4155550123,Not E.164,,,,\n" + // 5
		"+14155550123,Ada again,,,,\n" + // 6: repeated
		"+33142685300,Carol,not-an-email,,,\n" + // 7
		"+12125550100," + strings.Repeat("n", 201) + ",,,,\n" + // 8
		"+12125550101,Dan,,,\"" + strings.Repeat("m", 501) + "\",\n" + // 9
		"\"+12125550102\",\"Eve, \"\"the\"\" spy\",,\"multi\nline\",,\n" + // 10
		"+12125550103\n" // 11: short row
	rows, rejected, err := ParseContactsCSV([]byte(csv), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []CSVContact{
		{Row: 2, PhoneNumber: "+14155550123", Name: "Ada Lovelace", Email: "ada@example.com", Notes: "VIP", Metadata: map[string]string{"crm id": "42"}},
		{Row: 3, PhoneNumber: "+442071838750", Name: "Bob"},
		{Row: 10, PhoneNumber: "+12125550102", Name: `Eve, "the" spy`, Notes: "multi\nline"},
		{Row: 11, PhoneNumber: "+12125550103"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows =\n %+v\nwant\n %+v", rows, want)
	}
	got := withoutMessages(t, GroupRejections(rejected))
	wantRej := []dialtone.ImportRejection{
		{Reason: "missing_phone_number", Rows: []int{4}},
		{Reason: "invalid_phone_number", Rows: []int{5}},
		{Reason: "duplicate", Rows: []int{6}},
		{Reason: "value_too_long", Rows: []int{8}},
		{Reason: "invalid_email", Rows: []int{7}},
		{Reason: "invalid_metadata", Rows: []int{9}},
	}
	if !reflect.DeepEqual(got, wantRej) {
		t.Errorf("rejected =\n %+v\nwant\n %+v", got, wantRej)
	}
}

func TestParseContactsCSVRefusesTheFile(t *testing.T) {
	for name, c := range map[string]struct {
		csv  string
		code dialtone.Code
	}{
		"empty":             {"", dialtone.CodeInvalidCSV},
		"no phone column":   {"name,email\nAda,ada@example.com\n", dialtone.CodeInvalidCSV},
		"column twice":      {"phone_number,name,Name\n", dialtone.CodeInvalidCSV},
		"bad quote":         {"phone_number,name\n+14155550123,\"Ada\n", dialtone.CodeInvalidCSV},
		"not utf-8":         {"phone_number\n\xff\xfe\n", dialtone.CodeInvalidCSV},
		"metadata key long": {"phone_number," + strings.Repeat("k", 41) + "\n", dialtone.CodeInvalidCSV},
		"too many rows":     {"phone_number\n+14155550123\n+14155550124\n+14155550125\n", dialtone.CodeImportTooLarge},
	} {
		rows, rej, err := ParseContactsCSV([]byte(c.csv), 2)
		var de *dialtone.Error
		if !errors.As(err, &de) || de.Code != c.code || rows != nil || rej != nil {
			t.Errorf("%s: %v, %v, %v; want %s", name, rows, rej, err, c.code)
		}
	}
	if rows, rej, err := ParseContactsCSV([]byte("phone_number\n"), 2); err != nil || len(rows)+len(rej) != 0 {
		t.Errorf("header only: %v %v %v", rows, rej, err)
	}
}

// FuzzParseContactsCSV checks the parser never panics and accounts for every data row exactly
// once: as a contact to create, with a valid, distinct number, or as a rejection.
func FuzzParseContactsCSV(f *testing.F) {
	for _, s := range []string{
		"phone_number,name\n+14155550123,Ada\n",
		"phone_number,name,email,notes,x\n+14155550123,Ada,a@b.co,n,1\n+14155550123,,,,\n,x,,,\nabc\n",
		"\xef\xbb\xbfname,phone_number\r\n\"a\"\"b\",+442071838750\r\n",
		"phone_number\n\"unterminated\n",
		"a,b\n1,2\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rejected, err := ParseContactsCSV(data, 50)
		checkRowAccounting(t, rows, rejected, err, func(c CSVContact) (int, string) { return c.Row, c.PhoneNumber }, GroupRejections)
	})
}

// checkRowAccounting checks what a CSV import's parser returned for a fuzzed file: a refusal
// is invalid_csv or import_too_large and comes with nothing else; otherwise every data row is
// accounted for exactly once, rows numbered 2, 3, … without gaps, either as a row to import
// (key gives its row and number: a valid number no other row has) or as a rejection with a
// reason, and group keeps every rejected row. It reports whether the file was parsed.
func checkRowAccounting[R any](t *testing.T, rows []R, rejected []CSVRejection, err error,
	key func(R) (row int, phone string), group func([]CSVRejection) []dialtone.ImportRejection) bool {
	t.Helper()
	if err != nil {
		de, ok := errors.AsType[*dialtone.Error](err)
		if !ok || (de.Code != dialtone.CodeInvalidCSV && de.Code != dialtone.CodeImportTooLarge) || rows != nil || rejected != nil {
			t.Fatalf("err %v with %d rows, %d rejected", err, len(rows), len(rejected))
		}
		return false
	}
	seen := map[int]bool{}
	numbers := map[string]bool{}
	for _, r := range rows {
		row, phone := key(r)
		if seen[row] || row < 2 {
			t.Fatalf("row %d twice or misnumbered", row)
		}
		seen[row] = true
		if CheckE164(phone) != nil || numbers[phone] {
			t.Fatalf("row %d: number %q invalid or repeated", row, phone)
		}
		numbers[phone] = true
	}
	for _, r := range rejected {
		if seen[r.Row] || r.Row < 2 || r.Reason == "" {
			t.Fatalf("rejection %+v twice, misnumbered or without reason", r)
		}
		seen[r.Row] = true
	}
	for n := 2; n < 2+len(seen); n++ {
		if !seen[n] {
			t.Fatalf("row %d missing from %v", n, seen)
		}
	}
	total := 0
	for _, g := range group(rejected) {
		total += len(g.Rows)
	}
	if total != len(rejected) {
		t.Fatalf("grouping lost rows: %d of %d", total, len(rejected))
	}
	return true
}
