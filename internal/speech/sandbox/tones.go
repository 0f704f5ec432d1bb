package sandbox

// Sandbox tone speech: the audio format behind the sandbox voices.
//
// This is a deterministic machine "voice" that turns text into tones and decodes them back
// exactly. It is not human speech and does not try to sound like it; it exists so that sandbox
// calls push real audio through the real path (20 ms framing, µ-law, VAD, endpointing,
// barge-in, pacing) while every transcript stays exact and assertable.
//
// # Signal
//
// 8 kHz, 16-bit linear PCM, produced and consumed in frames of ToneFrameSamples (160) samples.
//
// Each register (voice pitch) has 12 tones, 200 Hz apart, all inside the telephone band:
//
//	RegisterLow  (sandbox-*-low):  350, 550, 750, …, 2550 Hz  (350 + 200·i, i = 0…11)
//	RegisterHigh (sandbox-*-high): 1050, 1250, 1450, …, 3250 Hz (1050 + 200·i)
//
// Every tone is a multiple of 50 Hz, so it completes a whole number of cycles in 160 samples,
// and the two sets interleave: every high tone lies 100 Hz from the nearest low tone. A decoder
// for one register therefore does not hear the other register at all (its tones fall exactly
// between the decoder's analysis bins), which is how caller and agent stay distinguishable.
//
// A symbol is two different tones of one register sounding together (like DTMF, but two of
// twelve rather than one of four plus one of four): C(12,2) = 66 symbols. Symbol s uses the
// s-th pair (i, j), i < j, in lexicographic order: 0 = (0,1), 1 = (0,2), …, 10 = (0,11),
// 11 = (1,2), …, 65 = (10,11). Each tone has peak amplitude 6000 (so a symbol peaks at 12000,
// about −8.7 dBFS, and has an RMS of 6000, about −14.7 dBFS: far above any VAD threshold and
// far below clipping, also after µ-law), and fades in and out over 5 ms (raised cosine) so the
// symbols do not click.
//
// # Timing
//
// Every symbol is a 55 ms tone (440 samples) followed by 20 ms of silence (160 samples): a
// 75 ms slot, 13.3 slots per second. The preamble's tone is longer (160 ms). A single space (the
// gap between words) is not a tone but a 75 ms slot of silence, so words are separated by
// 115 ms of silence, much like speech; the second and later spaces of a run are the SPACE
// symbol, so no pause inside an utterance is ever longer than 115 ms.
//
// Lower-case letters, digits, space and the punctuation below take one slot each, so ordinary
// text is spoken at 13.3 characters per second (a five-letter word and its space in 0.45 s);
// a capital letter takes two slots, and any other byte two slots (so "é" takes four, and a
// CJK character, three bytes of UTF-8, takes six: 0.45 s).
//
// # Symbols
//
//	 0…25  a…z
//	26…35  0…9
//	36…57  . , ? ! ' " - : ; ( ) / & @ + = % $ # * _ and newline (in that order)
//	58     SPACE   a space (the second or later of a run; see above)
//	59     SHIFT   the next symbol, a letter a…z, is upper case
//	60…63  ESC0…ESC3   byte escape: ESCk followed by symbol v (0…63) is the byte 64·k + v
//	64     START   preamble
//	65     END     terminator
//
// Any byte not listed (tabs, '<', non-ASCII bytes of UTF-8, even invalid UTF-8) is sent as a
// byte escape, so decoding returns exactly the bytes that were encoded, for every string:
// "café" is c a f ESC3 3 ESC2 41 (é is 0xC3 0xA9), "北京" is six escapes (twelve slots).
//
// # Utterance
//
//	START  C1 C2 C3  payload…  END
//
// C1 C2 C3 carry, 6 bits each, most significant first, the low 18 bits of the CRC-32 (IEEE) of
// the text's bytes. The decoder shows the payload as it arrives (Partial) but only delivers an
// utterance whose checksum matches and whose structure is valid; anything else is counted in
// the decoder's statistics and otherwise dropped. The empty text is a valid utterance (START,
// checksum, END: 0.48 s) that decodes to "". Texts longer than MaxToneTextBytes are refused.
//
// An utterance of n one-slot characters lasts exactly 1440 + 600·(4 + n) samples: preamble
// 180 ms, checksum 225 ms, payload, terminator 75 ms.
//
// # Decoding
//
// The decoder cuts its input into 5 ms hops of 40 samples, whatever the frame boundaries, and
// for every hop looks at the last 20 ms (160 samples) with a 12-bin DFT at the register's tone
// frequencies (the bins of a 160-point DFT, computed with the absolute sample phase so the
// window can slide by whole hops). A window is a symbol when its two strongest tones together
// hold at least 45% of the window's energy, the weaker of them at least 30% of the stronger,
// the third strongest at most 25% of the second, and its mean square is at least 1e5 (about
// −40 dBFS, 25 dB below the nominal level). Runs of symbol windows between non-symbol windows
// are symbols, decided by majority vote; the silent hops between them tell a normal gap from a
// space. Silence, noise, speech-like sounds, DTMF and the other register's tones do not pass
// that test. Measured margins (see the tests): white noise down to about 3 dB SNR (relative to
// the symbol's power, after µ-law); both registers mixed at equal level still decode, each by
// its own decoder. A pause of more than 300 ms, a symbol that cannot be read or a structure
// the encoder never produces abandons the utterance being received; a complete utterance with
// a wrong checksum is rejected. Neither ever yields text.

import (
	"errors"
	"hash/crc32"
	"math"
	"strings"
)

// Format constants of sandbox tone speech.
const (
	// ToneSampleRate is the sample rate of tone speech, in samples per second.
	ToneSampleRate = 8000

	// ToneFrameSamples is the number of samples in one 20 ms frame.
	ToneFrameSamples = 160

	// MaxToneTextBytes is the longest text, in bytes, that one utterance can carry (about five
	// minutes of speech). NewToneEncoder refuses longer texts; split them into sentences.
	MaxToneTextBytes = 4096

	// ToneCharsPerSecond is the speaking rate for characters that take one slot (lower-case
	// letters, digits, space, common punctuation).
	ToneCharsPerSecond = float64(ToneSampleRate) / slotSamples
)

const (
	numTones   = 12
	numSymbols = numTones * (numTones - 1) / 2 // 66
	toneStepHz = 200
	binHz      = ToneSampleRate / ToneFrameSamples // 50: the bin spacing of a 160-point DFT

	toneSamples     = 440 // 55 ms
	gapSamples      = 160 // 20 ms
	slotSamples     = toneSamples + gapSamples
	preambleSamples = 1280 // 160 ms
	rampSamples     = 40   // 5 ms fade in and out
	toneAmplitude   = 6000

	symSpace  = 58
	symShift  = 59
	symEsc0   = 60
	symStart  = 64
	symEnd    = 65
	symSilent = 255 // encoder only: one slot of silence (a single space)

	checksumSymbols = 3
	checksumMask    = 1<<(6*checksumSymbols) - 1
)

// symbolChars lists the characters of the one-slot symbols 0…57, in symbol order.
const symbolChars = "abcdefghijklmnopqrstuvwxyz0123456789.,?!'\"-:;()/&@+=%$#*_\n"

// ToneRegister is the pitch of a sandbox voice: each register has its own set of tones, so a
// decoder for one register ignores speech in the other.
type ToneRegister uint8

const (
	// RegisterLow is the low register (tones 350…2550 Hz), used by the sandbox-*-low voices.
	RegisterLow ToneRegister = iota
	// RegisterHigh is the high register (tones 1050…3250 Hz), used by the sandbox-*-high voices.
	RegisterHigh
)

// String returns "low" or "high".
func (r ToneRegister) String() string {
	switch r {
	case RegisterLow:
		return "low"
	case RegisterHigh:
		return "high"
	}
	return "invalid"
}

// RegisterForVoice returns the register of a sandbox voice ID such as "sandbox-en-us-low" or
// "sandbox-de-de-high" (see Voices). It reports false for any other ID.
func RegisterForVoice(voiceID string) (ToneRegister, bool) {
	if !strings.HasPrefix(voiceID, "sandbox-") {
		return 0, false
	}
	switch {
	case strings.HasSuffix(voiceID, "-low"):
		return RegisterLow, true
	case strings.HasSuffix(voiceID, "-high"):
		return RegisterHigh, true
	}
	return 0, false
}

// ToneFrequencies returns the frequencies, in Hz, of the register's twelve tones, lowest
// first.
func (r ToneRegister) ToneFrequencies() [numTones]int {
	var f [numTones]int
	for i := range f {
		f[i] = baseHz(r) + toneStepHz*i
	}
	return f
}

func baseHz(r ToneRegister) int {
	if r == RegisterHigh {
		return 1050
	}
	return 350
}

// Errors returned by NewToneEncoder and ToneEncoder.Reset.
var (
	ErrToneTextTooLong = errors.New("sandbox: text longer than MaxToneTextBytes")
	ErrToneRegister    = errors.New("sandbox: invalid tone register")
)

// Lookup tables, filled once at package initialisation and only read afterwards.
var (
	// symbolTones[s] is the pair of tone indexes of symbol s.
	symbolTones [numSymbols][2]uint8
	// pairSymbol[i][j] (i < j) is the symbol made of tones i and j.
	pairSymbol [numTones][numTones]uint8
	// byteSymbol[b] is the one-slot symbol of byte b, or -1.
	byteSymbol [256]int8
	// toneCos and toneSin[r][i][n] are cos and sin(2π·f·n/8000) for tone i of register r;
	// with every f a multiple of 50 Hz they repeat every 160 samples.
	toneCos, toneSin [2][numTones][ToneFrameSamples]float64
	// ramp[p] is the raised-cosine gain of the p-th sample of a fade-in.
	ramp [rampSamples]float64
)

func init() {
	s := 0
	for i := 0; i < numTones; i++ {
		for j := i + 1; j < numTones; j++ {
			symbolTones[s] = [2]uint8{uint8(i), uint8(j)}
			pairSymbol[i][j] = uint8(s)
			s++
		}
	}
	for i := range byteSymbol {
		byteSymbol[i] = -1
	}
	for i := 0; i < len(symbolChars); i++ {
		byteSymbol[symbolChars[i]] = int8(i)
	}
	for r := range toneCos {
		for i := 0; i < numTones; i++ {
			k := (baseHz(ToneRegister(r)) + toneStepHz*i) / binHz
			for n := 0; n < ToneFrameSamples; n++ {
				a := 2 * math.Pi * float64(k*n%ToneFrameSamples) / ToneFrameSamples
				toneCos[r][i][n] = math.Cos(a)
				toneSin[r][i][n] = math.Sin(a)
			}
		}
	}
	for p := range ramp {
		ramp[p] = 0.5 - 0.5*math.Cos(math.Pi*(float64(p)+0.5)/rampSamples)
	}
}

func textChecksum(text []byte) uint32 {
	return crc32.ChecksumIEEE(text) & checksumMask
}
