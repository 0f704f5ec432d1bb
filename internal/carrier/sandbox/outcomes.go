package sandbox

import (
	"time"

	"github.com/dialtonehq/dialtone"
)

// OutcomeKind is what happens when the sandbox dials a number.
type OutcomeKind string

// The outcomes of a sandbox call.
const (
	OutcomeAnswer           OutcomeKind = "answer"             // a simulated person answers
	OutcomeBusy             OutcomeKind = "busy"               // the line is busy
	OutcomeNoAnswer         OutcomeKind = "no_answer"          // it rings until the ring timeout
	OutcomeVoicemail        OutcomeKind = "voicemail"          // voicemail answers: greeting, then a beep
	OutcomeCarrierError     OutcomeKind = "carrier_error"      // the carrier refuses the call
	OutcomeAnswerThenHangUp OutcomeKind = "answer_then_hangup" // answers, then hangs up
)

// Outcome is what the sandbox does with one dialled number.
type Outcome struct {
	Kind OutcomeKind
	// HangUpAfter is how long after answering the far end hangs up (answer_then_hangup only).
	HangUpAfter time.Duration
	// Ended is the call's ended_reason when the outcome itself ends the call, "" when the call
	// goes on until someone hangs up.
	Ended dialtone.EndedReason
}

// OutcomeFor returns what happens when number is dialled, chosen by its last two digits (the
// table is in docs/sandbox.md): 10 busy, 11 no answer, 12 voicemail, 13 carrier error, 14
// answer then hang up after 2 seconds; every other ending answers. A number shorter than two
// digits answers.
func OutcomeFor(number string) Outcome {
	if len(number) < 2 {
		return Outcome{Kind: OutcomeAnswer}
	}
	switch number[len(number)-2:] {
	case "10":
		return Outcome{Kind: OutcomeBusy, Ended: dialtone.EndedBusy}
	case "11":
		return Outcome{Kind: OutcomeNoAnswer, Ended: dialtone.EndedNoAnswer}
	case "12":
		return Outcome{Kind: OutcomeVoicemail}
	case "13":
		return Outcome{Kind: OutcomeCarrierError, Ended: dialtone.EndedCarrierError}
	case "14":
		return Outcome{Kind: OutcomeAnswerThenHangUp, HangUpAfter: 2 * time.Second, Ended: dialtone.EndedCallerHangup}
	}
	return Outcome{Kind: OutcomeAnswer}
}
