package dtmf

import (
	"fmt"
	"math"
	"time"
)

// GeneratorConfig sets the timing and levels of generated digits.
type GeneratorConfig struct {
	Tone time.Duration // length of each digit's tone, at least 1 ms
	Gap  time.Duration // silence between two digits (not before the first or after the last)
	// LowLevel and HighLevel are the levels of the row and column tones in dBm0, at most −3 so
	// that their sum cannot clip.
	LowLevel, HighLevel float64
}

// DefaultGeneratorConfig returns 100 ms tones separated by 100 ms of silence, with the row
// tone at −8 dBm0 and the column tone at −6 dBm0 (the usual 2 dB of pre-emphasis).
func DefaultGeneratorConfig() GeneratorConfig {
	return GeneratorConfig{Tone: 100 * time.Millisecond, Gap: 100 * time.Millisecond, LowLevel: -8, HighLevel: -6}
}

// Generator produces the PCM of a sequence of DTMF digits, frame by frame. Fill allocates
// nothing. A Generator is not safe for concurrent use.
type Generator struct {
	digits              []byte // index into Digits of each digit
	tone, period        int    // samples of tone, and of tone plus gap
	total               int    // samples in the whole sequence
	lowAmp, highAmp     float64
	lowOmega, highOmega [4]float64 // radians per sample of each row and column tone
	pos                 int        // next sample to produce
}

// NewGenerator returns a Generator for digits (any of "0123456789*#ABCD", lower-case a–d
// allowed). It fails on any other character, an empty sequence, or a config out of range.
func NewGenerator(digits string, cfg GeneratorConfig) (*Generator, error) {
	if digits == "" {
		return nil, fmt.Errorf("dtmf: no digits")
	}
	if cfg.Tone < time.Millisecond || cfg.Gap < 0 {
		return nil, fmt.Errorf("dtmf: tone %v must be at least 1ms and gap %v not negative", cfg.Tone, cfg.Gap)
	}
	for _, l := range []float64{cfg.LowLevel, cfg.HighLevel} {
		if !(l <= -3 && l >= -100) { // also rejects NaN
			return nil, fmt.Errorf("dtmf: tone level %v dBm0 outside [-100, -3]", l)
		}
	}
	g := &Generator{
		digits:  make([]byte, len(digits)),
		tone:    samplesIn(cfg.Tone),
		lowAmp:  amplitude(cfg.LowLevel),
		highAmp: amplitude(cfg.HighLevel),
	}
	g.period = g.tone + samplesIn(cfg.Gap)
	g.total = len(digits)*g.period - (g.period - g.tone)
	for i := range len(digits) {
		row, col, ok := digitTones(digits[i])
		if !ok {
			return nil, fmt.Errorf("dtmf: %q at position %d is not a DTMF digit", digits[i], i)
		}
		g.digits[i] = byte(row*4 + col)
	}
	for i := range 4 {
		g.lowOmega[i] = 2 * math.Pi * toneFreqs[i] / SampleRate
		g.highOmega[i] = 2 * math.Pi * toneFreqs[4+i] / SampleRate
	}
	return g, nil
}

// samplesIn returns the number of samples in d, rounded to the nearest.
func samplesIn(d time.Duration) int {
	return int((d*SampleRate + time.Second/2) / time.Second)
}

// Fill writes the next len(frame) samples of the sequence into frame (silence once it has
// ended) and reports whether samples of the sequence remain after them.
func (g *Generator) Fill(frame []int16) (more bool) {
	for i := range frame {
		frame[i] = g.sample(g.pos)
		if g.pos < g.total {
			g.pos++
		}
	}
	return g.pos < g.total
}

// sample returns sample n of the sequence. Each tone starts at phase zero.
func (g *Generator) sample(n int) int16 {
	if n >= g.total {
		return 0
	}
	t := n % g.period
	if t >= g.tone {
		return 0
	}
	key := g.digits[n/g.period]
	v := g.lowAmp*math.Sin(g.lowOmega[key/4]*float64(t)) + g.highAmp*math.Sin(g.highOmega[key%4]*float64(t))
	return int16(math.Round(v)) // |v| ≤ 2 × amplitude(−3) < 32,767
}

// Done reports whether every sample of the sequence has been produced.
func (g *Generator) Done() bool { return g.pos >= g.total }

// Len returns the length of the whole sequence in samples.
func (g *Generator) Len() int { return g.total }
