package webhook

import (
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
)

// FuzzStream: no NDJSON answer panics the reader, and every piece it emits is either text or
// a documented action.
func FuzzStream(f *testing.F) {
	f.Add(`{"text":"a","interim":true}` + "\n" + `{"text":"b","hangup":true}`)
	f.Add(`{"digits":"1#","interim":false}`)
	f.Add("\n\n{}\n")
	f.Add(`{"transfer_to":"+14155550100","text":"x"}`)
	b := &Brain{}
	f.Fuzz(func(t *testing.T, body string) {
		_ = b.stream(200, &limitReader{r: strings.NewReader(body), n: MaxResponseBytes}, func(o dialtone.BrainOutput) error {
			switch o.Action {
			case "", dialtone.ActionEndCall, dialtone.ActionTransfer:
			case dialtone.ActionPressDigits:
				if o.Digits == "" || strings.Trim(o.Digits, dialtone.DTMFDigits) != "" {
					t.Fatalf("digits %q", o.Digits)
				}
			default:
				t.Fatalf("action %q", o.Action)
			}
			return nil
		})
	})
}
