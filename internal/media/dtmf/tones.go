// Package dtmf detects and generates DTMF (touch-tone) digits in 8 kHz 16-bit linear PCM, the
// decoded form of the 20 ms G.711 frames of a call.
//
// A DTMF digit is the sum of one "row" tone (697, 770, 852 or 941 Hz) and one "column" tone
// (1209, 1336, 1477 or 1633 Hz); the 16 combinations are the digits 0–9, *, # and A–D.
package dtmf

import "math"

// SampleRate is the sample rate of the PCM this package reads and writes.
const SampleRate = 8000

// FrameSize is the number of samples in one 20 ms frame at SampleRate.
const FrameSize = 160

// Digits lists every DTMF digit, in row-major keypad order.
const Digits = "123A456B789C*0#D"

// toneFreqs holds the four row frequencies, then the four column frequencies, in Hz.
var toneFreqs = [8]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}

// dBm0Peak is the peak amplitude, in 16-bit linear PCM, of a 0 dBm0 sine wave: G.711 µ-law's
// largest sample, 32,124, is +3.17 dBm0, so 0 dBm0 is 32,124 ÷ 10^(3.17÷20) ≈ 22,300.
const dBm0Peak = 22300.0

// amplitude returns the peak amplitude of a sine wave at level dBm0.
func amplitude(level float64) float64 { return dBm0Peak * math.Pow(10, level/20) }

// digitTones returns the row (0–3) and column (0–3) of digit c, accepting lower-case a–d.
func digitTones(c byte) (row, col int, ok bool) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	for i := range len(Digits) {
		if Digits[i] == c {
			return i / 4, i % 4, true
		}
	}
	return 0, 0, false
}
