package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// maxStderr is how much of espeak-ng's error output an error quotes.
const maxStderr = 500

// utterance is the audio of one espeak-ng process, played by ttsstream as it streams out of
// the process. espeak-ng reports no word timings, so HeardText is speech.Timeline's estimate,
// assuming the configured words per minute (six characters a word) until the process has
// finished and the audio's length is known.
type utterance struct {
	speech.Utterance
	proc *process
}

// process is one espeak-ng process. Its output after the WAV header is the body ttsstream plays.
type process struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc // kills the process
	stdout io.Reader
	data   io.Reader     // stdout up to the end of the sample data the header states
	stderr limitedBuffer // written by exec's copier, complete after Wait
	waited bool
	err    error // Wait's
}

// start starts espeak-ng speaking text and waits until it has written its WAV header. An
// error means nothing will be spoken: the process did not start, failed before producing audio
// (the error quotes espeak-ng's message), or ctx ended first (ctx's error).
func start(ctx context.Context, s *Synthesizer, text string) (*utterance, error) {
	pctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(pctx, s.binary, s.args()...)
	cmd.Stdin = strings.NewReader(text)
	cmd.WaitDelay = 2 * time.Second
	p := &process{cmd: cmd, cancel: cancel}
	cmd.Stderr = &p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("espeak: %w", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (%s): %w", ErrNotInstalled, InstallHint, err)
		}
		return nil, fmt.Errorf("espeak: start %s: %w", s.binary, err)
	}
	p.stdout = stdout
	dec, err := p.readHeader(ctx)
	if err != nil {
		p.Close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("espeak: reading espeak-ng's audio: %w%s", err, p.stderr.suffix())
	}
	tl := speech.NewTimeline(text, charsPerSecond(s.wpm))
	return &utterance{Utterance: ttsstream.New(ctx, cancel, p, dec, tl, "espeak"), proc: p}, nil
}

// readHeader reads the WAV header of the process's output, or gives up when ctx ends (the
// process is then killed), and returns the decoder of the samples that follow.
func (p *process) readHeader(ctx context.Context) (*PCMDecoder, error) {
	type result struct {
		h   wavHeader
		err error
	}
	c := make(chan result, 1)
	go func() {
		h, err := readHeader(p.stdout)
		c <- result{h, err}
	}()
	var r result
	select {
	case r = <-c:
	case <-ctx.Done():
		<-c // the process is being killed: its output ends
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	p.data = p.stdout
	if r.h.dataSize >= 0 {
		p.data = io.LimitReader(p.stdout, r.h.dataSize)
	}
	return NewPCMDecoder(r.h.sampleRate, r.h.channels)
}

// Read reads the sample data. At its end it waits for the process: a process that failed is
// an error quoting espeak-ng's message.
func (p *process) Read(b []byte) (int, error) {
	n, err := p.data.Read(b)
	switch {
	case err == io.EOF:
		// With a stated size the writer might still send something after the data.
		_, _ = io.Copy(io.Discard, p.stdout)
		if werr := p.wait(); werr != nil {
			return n, fmt.Errorf("espeak-ng failed: %w%s", werr, p.stderr.suffix())
		}
	case err != nil:
		p.Close()
		return n, fmt.Errorf("reading espeak-ng's audio: %w%s", err, p.stderr.suffix())
	}
	return n, err
}

// Close kills the process if it is still running and waits for it. It may be called more than
// once.
func (p *process) Close() error {
	p.cancel()
	_ = p.wait()
	return nil
}

// wait waits for the process once and returns Wait's error.
func (p *process) wait() error {
	if !p.waited {
		p.err, p.waited = p.cmd.Wait(), true
	}
	return p.err
}

// limitedBuffer keeps the first maxStderr bytes written to it and counts the rest.
type limitedBuffer struct {
	buf     []byte
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := min(len(p), maxStderr-len(b.buf))
	b.buf = append(b.buf, p[:n]...)
	b.dropped += len(p) - n
	return len(p), nil
}

// suffix formats the kept output for an error message: ": <text>", or "" if there was none.
func (b *limitedBuffer) suffix() string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b.buf), ""))
	if s == "" {
		return ""
	}
	if b.dropped > 0 {
		s += " …"
	}
	return ": " + s
}
