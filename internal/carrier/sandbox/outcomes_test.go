package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
)

// TestOutcomeTable checks every two-digit ending against the table in docs/sandbox.md.
func TestOutcomeTable(t *testing.T) {
	special := map[string]Outcome{
		"10": {Kind: OutcomeBusy, Ended: dialtone.EndedBusy},
		"11": {Kind: OutcomeNoAnswer, Ended: dialtone.EndedNoAnswer},
		"12": {Kind: OutcomeVoicemail},
		"13": {Kind: OutcomeCarrierError, Ended: dialtone.EndedCarrierError},
		"14": {Kind: OutcomeAnswerThenHangUp, HangUpAfter: 2 * time.Second, Ended: dialtone.EndedCallerHangup},
	}
	for i := range 100 {
		end := fmt.Sprintf("%02d", i)
		want, ok := special[end]
		if !ok {
			want = Outcome{Kind: OutcomeAnswer}
		}
		if got := OutcomeFor("+141555501" + end); got != want {
			t.Errorf("…%s: %+v, want %+v", end, got, want)
		}
	}
	if got := OutcomeFor("7"); got.Kind != OutcomeAnswer {
		t.Errorf("short number: %+v", got)
	}
}
