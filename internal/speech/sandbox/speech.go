package sandbox

import (
	"context"
	"strings"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// Synthesizer speaks text in sandbox tone speech, in one register. It never fails for text
// of at most MaxToneTextBytes and produces every frame at once (an instant provider).
type Synthesizer struct {
	Register ToneRegister
}

var _ speech.Synthesizer = Synthesizer{}

// Synthesize returns the utterance of text; ErrToneTextTooLong for longer text.
func (s Synthesizer) Synthesize(_ context.Context, text string) (speech.Utterance, error) {
	e, err := NewToneEncoder(s.Register, text)
	if err != nil {
		return nil, err
	}
	return &toneUtterance{enc: e, text: text}, nil
}

// toneUtterance adapts a ToneEncoder to speech.Utterance.
type toneUtterance struct {
	enc    *ToneEncoder
	text   string
	closed bool
}

func (u *toneUtterance) NextFrame(f *media.PCMFrame) bool {
	if u.closed {
		*f = media.PCMFrame{}
		return false
	}
	return u.enc.NextFrame((*[ToneFrameSamples]int16)(f))
}

// HeardText returns the whole words of the text whose every slot lies within the first
// samples samples: exactly what a decoder would have heard if the audio stopped there.
func (u *toneUtterance) HeardText(samples int) string {
	n := SpokenBytes(u.text, samples)
	if n >= len(u.text) {
		return u.text
	}
	heard := u.text[:n]
	if n < len(u.text) && u.text[n] != ' ' {
		// The next byte continues a word: drop the partial word.
		i := strings.LastIndexByte(heard, ' ')
		if i < 0 {
			return ""
		}
		heard = heard[:i]
	}
	return strings.TrimRight(heard, " ")
}

func (u *toneUtterance) Err() error { return nil }
func (u *toneUtterance) Close()     { u.closed = true }

// SpokenBytes returns how many bytes of text an utterance of it has completely spoken in its
// first samples samples (every slot of those bytes has ended; the preamble and checksum come
// first).
func SpokenBytes(text string, samples int) int {
	pos := preambleSamples + gapSamples + checksumSymbols*slotSamples
	for i := 0; i < len(text); i++ {
		b := text[i]
		slots := 2
		if b == ' ' || byteSymbol[b] >= 0 {
			slots = 1
		}
		pos += slots * slotSamples
		if pos > samples {
			return i
		}
	}
	return len(text)
}

// Recognizer hears sandbox tone speech of one register: the transcript of every utterance,
// exactly.
type Recognizer struct {
	dec *ToneDecoder
}

var _ speech.Recognizer = (*Recognizer)(nil)

// NewRecognizer returns a recognizer for register r.
func NewRecognizer(r ToneRegister) *Recognizer { return &Recognizer{dec: NewToneDecoder(r)} }

// Write feeds caller audio.
func (r *Recognizer) Write(pcm []int16) { r.dec.Write(pcm) }

// Next returns the oldest utterance heard and not yet returned.
func (r *Recognizer) Next() (speech.Transcript, bool) {
	u, ok := r.dec.Next()
	if !ok {
		return speech.Transcript{}, false
	}
	return speech.Transcript{Text: u.Text, EndSample: u.End}, true
}

// Active reports whether an utterance is being received.
func (r *Recognizer) Active() bool { return r.dec.Receiving() }
