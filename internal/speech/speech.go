// Package speech defines how the conversation engine talks to speech providers: a
// Synthesizer turns the agent's text into 8 kHz audio, a Recognizer turns the caller's audio
// into text. The providers live in the sub-packages (sandbox tones, espeak-ng, …).
package speech

import (
	"context"

	"github.com/dialtonehq/dialtone/internal/media"
)

// Synthesizer is a text-to-speech provider for one voice.
type Synthesizer interface {
	// Synthesize starts speaking text and returns at once (or as soon as the provider
	// accepted the request). The audio is read from the Utterance; ctx bounds the provider's
	// work on it. An error means nothing will be spoken.
	Synthesize(ctx context.Context, text string) (Utterance, error)
}

// Utterance is one piece of text being spoken. It is used by one goroutine at a time.
type Utterance interface {
	// NextFrame fills f with the next 20 ms of audio and reports true, or reports false at
	// the end of the utterance (f is then silence). A streaming provider may block until its
	// next audio arrives; NextFrame returns false early when the context given to Synthesize
	// ends or the provider failed (Err then says why).
	NextFrame(f *media.PCMFrame) bool
	// HeardText returns the part of the text that the first samples samples of the audio
	// speak, cut back to whole words: what a listener heard when the audio stopped there.
	HeardText(samples int) string
	// Err returns why the utterance ended early, or nil.
	Err() error
	// Close releases the provider's resources; NextFrame then reports false.
	Close()
}

// Recognizer is a streaming speech-to-text provider listening to one caller. It is used by
// one goroutine at a time.
type Recognizer interface {
	// Write feeds the recognizer the caller's audio, 8 kHz linear PCM, in any amounts.
	Write(pcm []int16)
	// Next returns the oldest final transcript not yet returned and reports whether there was
	// one; call it after every Write.
	Next() (Transcript, bool)
	// Active reports whether the recognizer is inside an utterance it has not finished.
	Active() bool
}

// Transcript is one final result of a Recognizer.
type Transcript struct {
	Text string
	// EndSample is where the utterance ended, in samples since the recognizer started.
	EndSample int64
}
