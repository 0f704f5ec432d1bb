// Package media holds the audio primitives of the conversation engine: 20 ms frames, G.711 µ-law
// coding, 8 kHz ⇄ 16 kHz resampling, a jitter buffer for incoming frames and a stereo WAV
// recorder.
//
// Everything here works on caller-provided, fixed-size buffers. Nothing on the per-frame path
// allocates, takes a lock, or touches a database or the network; the only package-level
// variables are constant lookup tables. None of the types are safe for concurrent use: each
// call owns its own Upsampler, Downsampler, JitterBuffer and Recorder.
package media

import "time"

const (
	// SampleRate is the telephone sample rate in samples per second (narrowband, G.711).
	SampleRate = 8000

	// FrameDuration is the length of one frame of audio. Every part of the engine moves audio
	// in frames of exactly this length, paced by one 20 ms clock.
	FrameDuration = 20 * time.Millisecond

	// FrameSamples is the number of samples in one frame at SampleRate: 8000 × 0.020 = 160.
	// For µ-law it is also the number of bytes in a frame.
	FrameSamples = 160

	// WidebandSampleRate is the sample rate of wideband audio (what most speech models want).
	WidebandSampleRate = 2 * SampleRate

	// WidebandFrameSamples is the number of samples in one FrameDuration at WidebandSampleRate.
	WidebandFrameSamples = 2 * FrameSamples
)

// MulawSilence is the µ-law byte that decodes to linear 0. A Frame filled with it is silence.
const MulawSilence byte = 0xFF

// Frame is one 20 ms frame of G.711 µ-law audio at 8 kHz: FrameSamples bytes, one byte per
// sample, oldest first. This is the payload of one Twilio Media Streams message or one RTP
// packet of payload type 0 (PCMU). The zero value is NOT silence (0x00 is the most negative
// level); use SilenceFrame or fill it with MulawSilence.
type Frame [FrameSamples]byte

// PCMFrame is one 20 ms frame of 16-bit signed linear PCM at 8 kHz: FrameSamples samples,
// oldest first, full scale ±32767. The zero value is silence.
type PCMFrame [FrameSamples]int16

// WidebandFrame is one 20 ms frame of 16-bit signed linear PCM at 16 kHz. The zero value is
// silence.
type WidebandFrame [WidebandFrameSamples]int16

// SilenceFrame sets every byte of f to MulawSilence.
func SilenceFrame(f *Frame) {
	for i := range f {
		f[i] = MulawSilence
	}
}
