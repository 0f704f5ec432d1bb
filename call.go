package dialtone

// CallStatus is where a call is in its life.
//
//	queued → dialing → ringing → in_progress → completed
//	   │        │         │           │
//	   └────────┴─────────┴───────────┴──→ failed
//	queued, dialing, ringing ──→ canceled
//	dialing, ringing ──→ busy, no_answer
//
// Inbound calls start at ringing. completed, busy, no_answer, failed and canceled are terminal.
type CallStatus string

// The call statuses.
const (
	CallQueued     CallStatus = "queued"      // accepted, waiting for a free concurrency slot
	CallDialing    CallStatus = "dialing"     // handed to the carrier
	CallRinging    CallStatus = "ringing"     // the far end is ringing (or, inbound, we are)
	CallInProgress CallStatus = "in_progress" // answered; billable from here
	CallCompleted  CallStatus = "completed"   // answered, then ended by someone
	CallBusy       CallStatus = "busy"        // the far end was busy
	CallNoAnswer   CallStatus = "no_answer"   // rang until the ring timeout
	CallFailed     CallStatus = "failed"      // could not be placed or routed
	CallCanceled   CallStatus = "canceled"    // hung up by the API before it was answered
)

// CallStatuses lists every call status, in the order of a call's life.
func CallStatuses() []CallStatus {
	return []CallStatus{CallQueued, CallDialing, CallRinging, CallInProgress, CallCompleted,
		CallBusy, CallNoAnswer, CallFailed, CallCanceled}
}

// CallStates is the call state machine: every change of a call's status is checked by it.
func CallStates() StateMachine[CallStatus] {
	return NewStateMachine("call", map[CallStatus][]CallStatus{
		CallQueued:     {CallDialing, CallFailed, CallCanceled},
		CallDialing:    {CallRinging, CallInProgress, CallBusy, CallNoAnswer, CallFailed, CallCanceled},
		CallRinging:    {CallInProgress, CallBusy, CallNoAnswer, CallFailed, CallCanceled},
		CallInProgress: {CallCompleted, CallFailed},
	})
}

// EndedReason says why a call ended; it is set when a call reaches a terminal status.
type EndedReason string

// The reasons a call ends.
const (
	EndedCallerHangup     EndedReason = "caller_hangup"      // the other party hung up
	EndedAgentHangup      EndedReason = "agent_hangup"       // the agent ended the call
	EndedAPIHangup        EndedReason = "api_hangup"         // POST /v1/calls/{id}/hangup
	EndedMaxDuration      EndedReason = "max_duration"       // the agent's max_call_duration_seconds passed
	EndedBusy             EndedReason = "busy"               // the far end was busy
	EndedNoAnswer         EndedReason = "no_answer"          // nobody answered before the ring timeout
	EndedCarrierError     EndedReason = "carrier_error"      // the carrier refused or dropped the call
	EndedVoicemail        EndedReason = "voicemail"          // voicemail answered and the agent hung up
	EndedConcurrencyLimit EndedReason = "concurrency_limit"  // inbound call over the live-call cap
	EndedBalanceExhausted EndedReason = "balance_exhausted"  // a prepaid balance ran out
	EndedCanceled         EndedReason = "canceled"           // canceled before it was answered
	EndedNoAgent          EndedReason = "no_agent"           // inbound to a number without an agent
	EndedInboundDisabled  EndedReason = "inbound_disabled"   // inbound to a number that refuses calls
	EndedTransferred      EndedReason = "transferred"        // handed to another number (cold transfer)
	EndedNodeLost         EndedReason = "node_lost"          // the server process holding the call stopped
	EndedNumberGone       EndedReason = "number_unavailable" // its number was released or stopped calling out while it waited
	EndedSilence          EndedReason = "silence_timeout"    // the caller stayed silent through every reminder
	EndedAgentError       EndedReason = "agent_error"        // the agent's brain or voice could not be set up
	EndedProviderError    EndedReason = "provider_error"     // every speech provider of one kind failed during the call
)

// EndedReasons lists every reason a call can end.
func EndedReasons() []EndedReason {
	return []EndedReason{EndedCallerHangup, EndedAgentHangup, EndedAPIHangup, EndedMaxDuration,
		EndedBusy, EndedNoAnswer, EndedCarrierError, EndedVoicemail, EndedConcurrencyLimit,
		EndedBalanceExhausted, EndedCanceled, EndedNoAgent, EndedInboundDisabled, EndedTransferred,
		EndedNodeLost, EndedNumberGone, EndedSilence, EndedAgentError, EndedProviderError}
}
