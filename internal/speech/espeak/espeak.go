// Package espeak is a text-to-speech provider that runs espeak-ng, the offline speech
// synthesiser, as a child process. It is human(-like) speech with no network and no
// account, for demos and local development; it sounds robotic and is not meant for
// production calls.
//
// Each Synthesize starts one espeak-ng process, writes the text to its standard input (no
// shell is involved) and reads the WAV file it streams on standard output. The audio is
// resampled from espeak-ng's rate (22 050 Hz normally; read from the header) to 8 kHz with
// an anti-aliasing low-pass and handed out in 20 ms frames as soon as it arrives.
package espeak

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// ErrNotInstalled is returned, wrapped, by New when the espeak-ng program cannot be found.
var ErrNotInstalled = errors.New("espeak-ng is not installed")

// ErrTextTooLong is returned by Synthesize for text longer than MaxTextBytes.
var ErrTextTooLong = errors.New("espeak: text too long")

// InstallHint tells a person how to install espeak-ng on Debian and Ubuntu.
const InstallHint = "install it with apt-get install espeak-ng"

// Defaults and limits of Config.
const (
	DefaultBinary = "espeak-ng"
	DefaultVoice  = "en-us"
	DefaultWPM    = 160
	MinWPM        = 80  // espeak-ng's slowest rate
	MaxWPM        = 450 // espeak-ng's fastest rate
	// MaxTextBytes is the longest text one Synthesize accepts: a few paragraphs, about two
	// minutes of speech. Callers speak longer replies sentence by sentence.
	MaxTextBytes = 2000
)

// Config configures a Synthesizer. The zero value is valid: espeak-ng from PATH, voice
// "en-us", 160 words per minute.
type Config struct {
	// Binary is the espeak-ng program: a name looked up in PATH or a path. Default "espeak-ng".
	Binary string
	// Voice is an espeak-ng voice name as listed by `espeak-ng --voices`, optionally with a
	// variant ("en-us", "fr", "en+f3"). Default "en-us". An unknown voice makes Synthesize fail.
	Voice string
	// WordsPerMinute is the speaking rate, between MinWPM and MaxWPM. Default 160.
	WordsPerMinute int
}

// Synthesizer speaks text with one espeak-ng voice. It is safe for concurrent use: every
// Synthesize runs its own process.
type Synthesizer struct {
	binary string // resolved path
	voice  string
	wpm    int
}

var _ speech.Synthesizer = (*Synthesizer)(nil)

// Available reports whether espeak-ng can be found in PATH.
func Available() bool {
	_, err := exec.LookPath(DefaultBinary)
	return err == nil
}

// New checks cfg and finds the espeak-ng program. If it cannot be found the error wraps
// ErrNotInstalled (test with errors.Is, and tell the user InstallHint). New does not run
// the program, so a voice that does not exist is only noticed by Synthesize.
func New(cfg Config) (*Synthesizer, error) {
	cfg.Binary = cmp.Or(cfg.Binary, DefaultBinary)
	cfg.Voice = cmp.Or(cfg.Voice, DefaultVoice)
	cfg.WordsPerMinute = cmp.Or(cfg.WordsPerMinute, DefaultWPM)
	if cfg.WordsPerMinute < MinWPM || cfg.WordsPerMinute > MaxWPM {
		return nil, fmt.Errorf("espeak: words per minute %d outside [%d, %d]", cfg.WordsPerMinute, MinWPM, MaxWPM)
	}
	if strings.HasPrefix(cfg.Voice, "-") || strings.IndexFunc(cfg.Voice, func(r rune) bool {
		return r <= ' ' || r == 0x7f
	}) >= 0 {
		return nil, fmt.Errorf("espeak: invalid voice name %q", cfg.Voice)
	}
	path, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %w", ErrNotInstalled, InstallHint, err)
	}
	return &Synthesizer{binary: path, voice: cfg.Voice, wpm: cfg.WordsPerMinute}, nil
}

// Synthesize starts an espeak-ng process speaking text and returns once the process has begun
// to stream its audio (it has parsed the WAV header), typically a few tens of milliseconds.
// An error means nothing will be spoken: text longer than MaxTextBytes (ErrTextTooLong), a
// process that could not start or that failed before producing audio (an unknown voice, for
// instance; the error includes espeak-ng's message), or ctx ending first. Text that is empty
// or only white space gives an Utterance with no audio, and no process.
//
// ctx bounds the process: when it ends the process is killed and NextFrame reports false.
// The caller must Close the Utterance.
func (s *Synthesizer) Synthesize(ctx context.Context, text string) (speech.Utterance, error) {
	if len(text) > MaxTextBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTextTooLong, len(text), MaxTextBytes)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return ttsstream.Empty{}, nil
	}
	u, err := start(ctx, s, text)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// args returns espeak-ng's command line: WAV on standard output, UTF-8 text from standard input.
func (s *Synthesizer) args() []string {
	return []string{"--stdout", "-b", "1", "-v", s.voice, "-s", fmt.Sprint(s.wpm)}
}
