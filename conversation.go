package dialtone

import (
	"context"
	"time"
)

// AudioFrame is 20 ms of G.711 µ-law audio at 8 kHz: the unit of every call's media path
// (DESIGN §8).
type AudioFrame [160]byte

// FrameDuration is the length of one AudioFrame.
const FrameDuration = 20 * time.Millisecond

// MediaLeg is the audio of one live call at its carrier. A carrier hands it over with the
// in_progress event of the call (CarrierEvent.Media); the conversation engine owns it from
// there until the call ends.
type MediaLeg interface {
	// Inbound delivers the far end's audio (the caller's), one frame per 20 ms, in order.
	// It is closed when the far end hangs up or the leg is hung up.
	Inbound() <-chan AudioFrame
	// Send hands the carrier one frame of the agent's audio. It never blocks: it is called
	// from the shared send clock. It reports false when the frame was dropped because the
	// leg is closed or its buffer is full.
	Send(f *AudioFrame) bool
	// Clear discards agent audio the carrier buffered and has not played yet (barge-in).
	Clear()
}

// DTMFLeg is a MediaLeg whose carrier reports the keys the caller presses out of band (Twilio's
// dtmf messages) instead of leaving them as tones in the audio. The conversation then takes
// keys only from DTMF.
type DTMFLeg interface {
	MediaLeg
	// DTMF delivers each key pressed ("0"-"9", "*", "#", "A"-"D"), in order; it is closed when
	// the leg ends.
	DTMF() <-chan string
}

// PlayoutLeg is a MediaLeg whose carrier buffers the agent's audio and tells how much of it
// has played to the far end (Twilio's marks). When the caller interrupts, the conversation
// counts only what was played as heard.
type PlayoutLeg interface {
	MediaLeg
	// Unplayed returns how many frames Send accepted that the far end has not been confirmed
	// to have heard yet. It may overcount by the carrier's confirmation step, never
	// undercount. Clear discards them: it is 0 after Clear.
	Unplayed() int
}

// TranscriptTurn is one turn of a call's transcript. Offsets are milliseconds from the
// answer. An agent turn cut short by the caller holds only the words the caller heard and is
// marked interrupted.
type TranscriptTurn struct {
	Speaker     Speaker `json:"speaker"`
	Text        string  `json:"text"`
	Digits      string  `json:"digits,omitempty"` // keys the caller pressed, or the agent sent
	StartMS     int64   `json:"start_ms"`
	EndMS       int64   `json:"end_ms"`
	Interrupted bool    `json:"interrupted"`
}

// TurnLatency is how long each stage of one agent reply took, in milliseconds. A stage that
// did not happen (no brain was asked, no audio was produced) is nil.
type TurnLatency struct {
	Turn int `json:"turn"` // index in the transcript of the agent turn it led to
	// EndOfTurnMS is from the end of the caller's speech to the decision that their turn was
	// over (mostly the configured end-of-turn silence).
	EndOfTurnMS *float64 `json:"end_of_turn_ms"`
	// TranscriptMS is from the end of the caller's speech to the final transcript.
	TranscriptMS *float64 `json:"transcript_ms"`
	// BrainFirstTokenMS is from the end-of-turn decision to the brain's first words.
	BrainFirstTokenMS *float64 `json:"brain_first_token_ms"`
	// FirstAudioMS is from the end-of-turn decision to the reply's first frame leaving.
	FirstAudioMS *float64 `json:"first_audio_ms"`
}

// StageLatency summarises one stage over a call's turns.
type StageLatency struct {
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	Count int     `json:"count"`
}

// CallLatency is a call's latency per turn and per stage.
type CallLatency struct {
	Turns           []TurnLatency `json:"turns"`
	EndOfTurn       StageLatency  `json:"end_of_turn"`
	TranscriptFinal StageLatency  `json:"transcript_final"`
	BrainFirstToken StageLatency  `json:"brain_first_token"`
	FirstAudio      StageLatency  `json:"first_audio"`
}

// ConversationResult is what a call's conversation leaves on the call when it ends.
type ConversationResult struct {
	// EndedReason is why the conversation ended the call itself (agent_hangup, voicemail,
	// max_duration, transferred); "" when the call was ended from outside (the caller hung
	// up, the API hung up) and the conversation only stopped.
	EndedReason EndedReason
	Transcript  []TranscriptTurn
	Latency     *CallLatency
	Summary     string
	// Recording is the file name of the call's WAV recording in the recordings store, or ""
	// when nothing was recorded.
	Recording string
	// TransferredTo is the number the call was handed to, when it was.
	TransferredTo string
}

// Event types of a live conversation.
const (
	EventCallTranscriptTurn = "call.transcript.turn" // a transcript turn completed
	EventCallDTMF           = "call.dtmf"            // the caller pressed keys
	EventCallAction         = "call.action"          // the agent ended, transferred or pressed digits
	// EventCallSpeechFallback: a speech provider failed and the next took over (or none was left).
	EventCallSpeechFallback = "call.speech_fallback"
)

// ConversationEvent is the object of a live conversation's events: what happened, on which
// call, at which offset.
type ConversationEvent struct {
	Object     string          `json:"object"` // "call.transcript.turn", "call.dtmf", "call.action" or "call.speech_fallback"
	CallID     string          `json:"call_id"`
	Turn       *TranscriptTurn `json:"turn,omitempty"`
	Latency    *TurnLatency    `json:"latency,omitempty"` // with an agent turn that answered the caller
	Digits     string          `json:"digits,omitempty"`
	Action     BrainAction     `json:"action,omitempty"`
	TransferTo string          `json:"transfer_to,omitempty"`
	Fallback   *SpeechFallback `json:"fallback,omitempty"` // with call.speech_fallback
	OffsetMS   int64           `json:"offset_ms"`
}

// CallControl is what a conversation may do to its call while it runs; the call service
// implements it. Ending the call is not here: a conversation that ends its call returns, and
// says why in ConversationResult.EndedReason.
type CallControl interface {
	// Publish stores a live event of the call (a transcript turn, keys, an action); it never
	// fails the conversation (a failure is logged).
	Publish(ctx context.Context, callID string, ev ConversationEvent)
	// Transfer asks the call's carrier to hand the caller to number (cold transfer). It
	// returns an error when the carrier cannot; the conversation then goes on.
	Transfer(ctx context.Context, callID, number string) error
}

// ConversationStart is everything a conversation needs to begin.
type ConversationStart struct {
	Call   Call
	Agent  Agent
	Secret string // the agent's brain API key, opened; "" when it has none
	// SpeechKeys are the opened keys of Agent.Speech's entries (whose openai entries without a
	// base_url carry their organization's).
	SpeechKeys SpeechKeys
	// Prompt is the system prompt with the number's overlay, the call's instructions and
	// every variable filled in; Greeting and VoicemailMessage have their variables filled.
	Prompt           string
	Greeting         string
	VoicemailMessage string
	Leg              MediaLeg
	Control          CallControl
}

// Conversation is one live conversation, as the call service sees it.
type Conversation interface {
	// Beep tells the conversation that the voicemail greeting ended: a message spoken from
	// here is recorded.
	Beep()
	// Done is closed when the conversation has ended: it ended the call, its leg closed, or
	// the context given to Start ended.
	Done() <-chan struct{}
	// Result returns what the conversation leaves on the call; it waits for Done.
	Result() ConversationResult
}

// ConversationEngine runs the conversations of answered calls (internal/session).
type ConversationEngine interface {
	// Start begins the conversation of an answered call and returns at once. Canceling ctx
	// stops the conversation (the call was ended from outside); it then finishes its
	// transcript and recording and closes Done within a few milliseconds.
	Start(ctx context.Context, s ConversationStart) (Conversation, error)
}

// CallTransferer is a carrier that can hand a live call to another number.
type CallTransferer interface {
	// Transfer connects the far end of callID to number and drops Dialtone's leg.
	Transfer(ctx context.Context, callID, number string) error
}
