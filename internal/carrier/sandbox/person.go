package sandbox

import (
	"math"
	"math/rand/v2"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/dtmf"
	tones "github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// How a simulated person hears and makes sounds.
const (
	// agentSoundRMS is the linear RMS above which an agent frame is sound, not silence.
	agentSoundRMS = 300
	// agentDoneFrames is how many silent frames after the agent's sound make its turn over
	// for a person waiting for the agent (700 ms).
	agentDoneFrames = 35
	// noiseAmplitude is the peak of a cough's white noise: uniform noise of this peak has an
	// RMS of about 8,200, −12 dBFS.
	noiseAmplitude = 14250
	// beepHz, beepFrames and beepAmplitude make a voicemail beep: 1 kHz for 500 ms.
	beepHz        = 1000
	beepFrames    = 25
	beepAmplitude = 8000
)

// personPhase is where a person is in its current step.
type personPhase int

const (
	phaseWait  personPhase = iota // waiting for the step's condition
	phaseDelay                    // pausing delay_ms
	phaseDrain                    // its audio is queued; waiting until all of it was sent
	phaseIdle                     // no more steps: silent on the line
)

// person is the behaviour of the far end of a Leg. It is used only by the leg's goroutine.
type person struct {
	leg   *Leg
	steps []dialtone.PersonaStep
	self  tones.ToneRegister // the register it speaks in
	dec   *tones.ToneDecoder // hears the agent's register

	// intro is audio played as soon as the call starts (a voicemail greeting and beep);
	// introSent is called once it has all been sent.
	intro     []dialtone.AudioFrame
	introSent func()

	step   int
	phase  personPhase
	delay  int      // frames of delay left
	spoke  bool     // the agent made sound since the step began
	quiet  int      // consecutive silent agent frames
	words  []string // words of the agent's utterances completed since the step began
	target []string // the step's heard words
	plen   int      // length of the decoder's partial when last checked
	pcm    media.PCMFrame
}

// newPerson returns a person playing steps, hearing the agent's voice agentVoice and
// speaking in the other register (high when agentVoice is not a low sandbox voice).
func newPerson(leg *Leg, steps []dialtone.PersonaStep, agentVoice string) *person {
	agent := agentRegister(agentVoice)
	self := tones.RegisterHigh
	if agent == tones.RegisterHigh {
		self = tones.RegisterLow
	}
	return &person{leg: leg, steps: steps, self: self, dec: tones.NewToneDecoder(agent)}
}

// start begins the call: it queues the intro and plays what needs no agent audio. It
// reports true when the person hangs up at once.
func (p *person) start() bool {
	if len(p.intro) > 0 {
		p.leg.enqueue(p.intro)
	}
	p.begin(0)
	if len(p.intro) > 0 {
		return false // the steps wait for the intro
	}
	return p.advance()
}

// hear handles one agent frame and reports true when the person hangs up.
func (p *person) hear(f *dialtone.AudioFrame) bool {
	media.DecodeFrame(&p.pcm, (*media.Frame)(f))
	var sum int64
	for _, s := range p.pcm {
		sum += int64(s) * int64(s)
	}
	if sum > agentSoundRMS*agentSoundRMS*media.FrameSamples {
		p.spoke, p.quiet = true, 0
	} else {
		p.quiet++
	}
	p.dec.Write(p.pcm[:])
	for {
		u, ok := p.dec.Next()
		if !ok {
			break
		}
		p.leg.record(&p.leg.heard, u.Text)
		if p.target != nil {
			p.words = append(p.words, dialtone.ScriptWords(u.Text)...)
			p.plen = -1
		}
	}
	if p.intro != nil {
		if !p.leg.drained() {
			return false
		}
		p.intro = nil
		if p.introSent != nil {
			p.introSent()
		}
		p.begin(0)
	}
	return p.advance()
}

// begin starts step i (or the idle phase after the last step).
func (p *person) begin(i int) {
	p.step, p.spoke, p.words, p.target, p.plen = i, false, nil, nil, -1
	if i >= len(p.steps) {
		p.phase = phaseIdle
		return
	}
	p.phase = phaseWait
	if st := p.steps[i]; st.Wait == dialtone.WaitHeard {
		p.target = dialtone.ScriptWords(st.Heard)
	}
}

// advance moves through the current step as far as it can now, and reports true when the
// person hangs up.
func (p *person) advance() bool {
	for {
		switch p.phase {
		case phaseIdle:
			return false
		case phaseWait:
			if !p.waited(p.steps[p.step]) {
				return false
			}
			p.phase = phaseDelay
			p.delay = (p.steps[p.step].DelayMS + 19) / 20
		case phaseDelay:
			if p.delay > 0 {
				p.delay--
				return false
			}
			p.act(p.steps[p.step])
			p.phase = phaseDrain
		case phaseDrain:
			if !p.leg.drained() {
				return false
			}
			if p.steps[p.step].HangUp {
				return true
			}
			p.begin(p.step + 1)
		}
	}
}

// waited reports whether the wait of step st is over.
func (p *person) waited(st dialtone.PersonaStep) bool {
	switch st.Wait {
	case dialtone.WaitNone:
		return true
	case dialtone.WaitHeard:
		if containsWords(p.words, p.target) {
			return true
		}
		partial := p.dec.Partial()
		if len(partial) == p.plen {
			return false
		}
		p.plen = len(partial)
		words := dialtone.ScriptWords(string(partial))
		if r, _ := utf8.DecodeLastRune(partial); len(words) > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == utf8.RuneError) {
			words = words[:len(words)-1] // the last word may go on
		}
		return containsWords(append(slices.Clip(p.words), words...), p.target)
	default:
		return p.spoke && p.quiet >= agentDoneFrames
	}
}

// containsWords reports whether seq occurs in words as a contiguous run.
func containsWords(words, seq []string) bool {
	if len(seq) == 0 {
		return false
	}
	for i := 0; i+len(seq) <= len(words); i++ {
		if slices.Equal(words[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

// act queues the audio of step st: noise, speech, then keys.
func (p *person) act(st dialtone.PersonaStep) {
	var frames []dialtone.AudioFrame
	if st.NoiseMS > 0 {
		frames = appendNoise(frames, (st.NoiseMS+19)/20, uint64(p.step))
	}
	if st.Say != "" {
		frames = appendSpeech(frames, p.self, st.Say)
		p.leg.record(&p.leg.said, st.Say)
	}
	if st.Press != "" {
		frames = appendDigits(frames, st.Press)
	}
	if len(frames) > 0 {
		p.leg.enqueue(frames)
	}
}

// appendPCM appends pcm, µ-law coded.
func appendPCM(frames []dialtone.AudioFrame, pcm *media.PCMFrame) []dialtone.AudioFrame {
	var f dialtone.AudioFrame
	media.EncodeFrame((*media.Frame)(&f), pcm)
	return append(frames, f)
}

// appendNoise appends n frames of white noise at −12 dBFS, the same for the same seed.
func appendNoise(frames []dialtone.AudioFrame, n int, seed uint64) []dialtone.AudioFrame {
	rng := rand.New(rand.NewPCG(0x5eed, seed))
	var pcm media.PCMFrame
	for range n {
		for i := range pcm {
			pcm[i] = int16(rng.IntN(2*noiseAmplitude+1) - noiseAmplitude)
		}
		frames = appendPCM(frames, &pcm)
	}
	return frames
}

// appendSpeech appends text spoken in tone speech of register r; text too long to speak is
// skipped (personas are validated far below the limit).
func appendSpeech(frames []dialtone.AudioFrame, r tones.ToneRegister, text string) []dialtone.AudioFrame {
	enc, err := tones.NewToneEncoder(r, text)
	if err != nil {
		return frames
	}
	var pcm media.PCMFrame
	for enc.NextFrame((*[tones.ToneFrameSamples]int16)(&pcm)) {
		frames = appendPCM(frames, &pcm)
	}
	return frames
}

// appendDigits appends the DTMF tones of keys (default timing and levels); invalid keys are
// skipped as a whole (personas are validated).
func appendDigits(frames []dialtone.AudioFrame, keys string) []dialtone.AudioFrame {
	g, err := dtmf.NewGenerator(keys, dtmf.DefaultGeneratorConfig())
	if err != nil {
		return frames
	}
	var pcm media.PCMFrame
	for {
		more := g.Fill(pcm[:])
		frames = appendPCM(frames, &pcm)
		if !more {
			return frames
		}
	}
}

// appendBeep appends a voicemail beep: 1 kHz, 500 ms.
func appendBeep(frames []dialtone.AudioFrame) []dialtone.AudioFrame {
	var pcm media.PCMFrame
	for k := range beepFrames {
		for i := range pcm {
			n := k*media.FrameSamples + i
			pcm[i] = int16(beepAmplitude * math.Sin(2*math.Pi*beepHz*float64(n)/media.SampleRate))
		}
		frames = appendPCM(frames, &pcm)
	}
	return frames
}
