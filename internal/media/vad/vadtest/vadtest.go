// Package vadtest builds labelled 8 kHz audio for testing and measuring voice activity
// detectors: a deterministic speech-like signal (harmonic source through moving formant
// resonators, syllabic amplitude modulation, fricative noise bursts), white and pink noise, and
// a corpus builder that concatenates utterances with silences, labels every 20 ms frame by
// construction and mixes in noise at a chosen signal-to-noise ratio, through G.711 µ-law as on
// a telephone line. It can also synthesise real (machine) speech with espeak-ng when that
// program is installed.
//
// Everything is deterministic for a given seed. This package is for tests and benchmarks only.
package vadtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"

	"github.com/dialtonehq/dialtone/internal/media"
)

const sr = media.SampleRate

// resonator is a two-pole band-pass resonator at a centre frequency and bandwidth.
type resonator struct {
	a1, a2, g float64
	y1, y2    float64
}

func (r *resonator) set(freq, bw float64) {
	rad := math.Exp(-math.Pi * bw / sr)
	r.a1 = 2 * rad * math.Cos(2*math.Pi*freq/sr)
	r.a2 = -rad * rad
	r.g = 1 - rad
}

func (r *resonator) step(x float64) float64 {
	y := r.g*x + r.a1*r.y1 + r.a2*r.y2
	r.y2, r.y1 = r.y1, y
	return y
}

// vowel formants (F1, F2, F3 in Hz), roughly those of adult speakers.
var vowels = [][3]float64{
	{730, 1090, 2440}, // a
	{270, 2290, 3010}, // i
	{300, 870, 2240},  // u
	{530, 1840, 2480}, // e
	{570, 840, 2410},  // o
	{660, 1720, 2410}, // ae
	{490, 1350, 1690}, // er
}

// SpeechLike returns about seconds of a deterministic speech-like signal: words of one to four
// syllables (each 120–280 ms, voiced, with a rising-then-falling amplitude envelope, pitch
// 90–240 Hz with intonation, formants gliding between vowels), some syllables starting with a
// 60–120 ms fricative (high-pass noise), and 40–250 ms pauses between words. Peak level is
// about −12 dBFS.
func SpeechLike(seed uint64, seconds float64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 0x5eec4))
	n := int(seconds * sr)
	out := make([]float64, 0, n+sr)
	var f1, f2, f3 resonator
	base := 90 + 150*rng.Float64() // speaker pitch
	phase := 0.0
	for len(out) < n {
		syl := 1 + rng.IntN(4)
		for s := 0; s < syl; s++ {
			if rng.IntN(3) == 0 { // fricative onset
				m := 480 + rng.IntN(480)
				amp := 0.05 + 0.1*rng.Float64()
				prev := 0.0
				for i := 0; i < m; i++ {
					w := rng.NormFloat64()
					env := math.Sin(math.Pi * float64(i) / float64(m))
					out = append(out, amp*env*(w-prev)*0.5)
					prev = w
				}
			}
			va, vb := vowels[rng.IntN(len(vowels))], vowels[rng.IntN(len(vowels))]
			m := 960 + rng.IntN(1280)
			amp := 0.4 + 0.6*rng.Float64()
			p0 := base * (0.9 + 0.25*rng.Float64())
			p1 := base * (0.8 + 0.25*rng.Float64())
			for i := 0; i < m; i++ {
				t := float64(i) / float64(m)
				if i%40 == 0 {
					f1.set(va[0]+(vb[0]-va[0])*t, 80)
					f2.set(va[1]+(vb[1]-va[1])*t, 100)
					f3.set(va[2]+(vb[2]-va[2])*t, 150)
				}
				f0 := p0 + (p1-p0)*t
				phase += f0 / sr
				if phase >= 1 {
					phase--
				}
				// Glottal-like source: a sawtooth-ish pulse rich in harmonics.
				src := math.Pow(phase, 3) - 0.25
				x := f1.step(src)*1.0 + f2.step(src)*0.6 + f3.step(src)*0.3
				env := math.Pow(math.Sin(math.Pi*t), 0.7)
				out = append(out, amp*env*x*8)
			}
		}
		gap := 320 + rng.IntN(1680)
		for i := 0; i < gap; i++ {
			out = append(out, 0)
		}
	}
	return normalize(out[:n], 8000)
}

// normalize scales x to the given peak and rounds to int16.
func normalize(x []float64, peak float64) []int16 {
	m := 0.0
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	out := make([]int16, len(x))
	if m == 0 {
		return out
	}
	for i, v := range x {
		out[i] = int16(math.Round(v * peak / m))
	}
	return out
}

// Noise kinds.
const (
	White = "white"
	Pink  = "pink"
)

// Noise returns n samples of unit-variance noise of the given kind ("white" or "pink").
func Noise(kind string, seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x4015e))
	out := make([]float64, n)
	switch kind {
	case Pink:
		// Sum of one-pole low-passed white noises with poles spread over octaves: about
		// −3 dB per octave across the telephone band.
		poles := [...]float64{0.9995, 0.998, 0.992, 0.97, 0.88, 0.6, 0}
		var st [len(poles)]float64
		for k := range st { // start in the stationary state: each has unit variance
			st[k] = rng.NormFloat64()
		}
		for i := range out {
			s := 0.0
			for k, p := range poles {
				st[k] = p*st[k] + math.Sqrt(1-p*p)*rng.NormFloat64()
				s += st[k]
			}
			out[i] = s
		}
	default:
		for i := range out {
			out[i] = rng.NormFloat64()
		}
	}
	var e float64
	for _, v := range out {
		e += v * v
	}
	g := 1 / math.Sqrt(e/float64(n))
	for i := range out {
		out[i] *= g
	}
	return out
}

// Corpus is labelled clean audio: Clean holds whole 20 ms frames, Labels one entry per frame.
type Corpus struct {
	Clean  []int16
	Labels []bool
	// Far marks the silence frames more than FarFrames frames away from every speech frame:
	// the pauses between utterances, where no hangover excuses a detection.
	Far []bool
	// ActivePower is the mean square of Clean over the speech frames.
	ActivePower float64
}

// FarFrames is the distance (300 ms) from speech beyond which a silence frame is Far.
const FarFrames = 15

// Frames returns the number of frames.
func (c *Corpus) Frames() int { return len(c.Labels) }

// BuildCorpus concatenates utterances with silences of 0.4–2 s (deterministic for seed),
// starting and ending with silence, and labels each frame: speech when the clean frame's mean
// square is no more than 40 dB below the corpus's loudest frame and above RMS 30 (about −61 dBFS);
// silence elsewhere.
func BuildCorpus(utterances [][]int16, seed uint64) *Corpus {
	rng := rand.New(rand.NewPCG(seed, 0xc0a905))
	var clean []int16
	sil := func() {
		m := (3200 + rng.IntN(12800)) / media.FrameSamples * media.FrameSamples
		clean = append(clean, make([]int16, m)...)
	}
	sil()
	for _, u := range utterances {
		clean = append(clean, u...)
		if r := len(clean) % media.FrameSamples; r != 0 {
			clean = append(clean, make([]int16, media.FrameSamples-r)...)
		}
		sil()
	}
	nf := len(clean) / media.FrameSamples
	pow := make([]float64, nf)
	peak := 0.0
	for f := range pow {
		var e float64
		for _, v := range clean[f*media.FrameSamples : (f+1)*media.FrameSamples] {
			e += float64(v) * float64(v)
		}
		pow[f] = e / media.FrameSamples
		peak = max(peak, pow[f])
	}
	c := &Corpus{Clean: clean, Labels: make([]bool, nf)}
	thr := max(peak*1e-4, 900)
	var act float64
	var na int
	for f, p := range pow {
		if p >= thr {
			c.Labels[f] = true
			act += p
			na++
		}
	}
	if na > 0 {
		c.ActivePower = act / float64(na)
	}
	c.Far = make([]bool, nf)
	last := -1 << 30
	for f := range nf {
		if c.Labels[f] {
			last = f
		}
		c.Far[f] = f-last > FarFrames
	}
	last = 1 << 30
	for f := nf - 1; f >= 0; f-- {
		if c.Labels[f] {
			last = f
		}
		c.Far[f] = c.Far[f] && last-f > FarFrames
	}
	return c
}

// Mix returns the corpus with noise of the given kind at snrDB (speech active power over
// noise power; math.Inf(1) for none), passed through G.711 µ-law encoding and decoding.
func (c *Corpus) Mix(kind string, snrDB float64, seed uint64) []int16 {
	out := make([]int16, len(c.Clean))
	var nz []float64
	g := 0.0
	if !math.IsInf(snrDB, 1) {
		nz = Noise(kind, seed, len(c.Clean))
		g = math.Sqrt(c.ActivePower / math.Pow(10, snrDB/10))
	}
	for i, v := range c.Clean {
		x := float64(v)
		if nz != nil {
			x += g * nz[i]
		}
		x = math.Round(min(max(x, -32768), 32767))
		out[i] = media.MulawToLinear(media.LinearToMulaw(int16(x)))
	}
	return out
}

// Frame copies frame i of pcm into f.
func Frame(f *media.PCMFrame, pcm []int16, i int) {
	copy(f[:], pcm[i*media.FrameSamples:(i+1)*media.FrameSamples])
}

// Score counts a detector's decisions against labels.
type Score struct {
	Frames, Speech, Hits, FalseAlarms int
	// Far and FarFalseAlarms count the Far silence frames and the detections among them.
	Far, FarFalseAlarms int
}

// Add records the decision for frame i of c.
func (s *Score) Add(c *Corpus, i int, decision bool) {
	label := c.Labels[i]
	if c.Far != nil && c.Far[i] {
		s.Far++
		if decision {
			s.FarFalseAlarms++
		}
	}
	s.Frames++
	if label {
		s.Speech++
		if decision {
			s.Hits++
		}
	} else if decision {
		s.FalseAlarms++
	}
}

// Accuracy is the fraction of frames decided correctly.
func (s Score) Accuracy() float64 {
	if s.Frames == 0 {
		return 0
	}
	correct := s.Hits + (s.Frames - s.Speech - s.FalseAlarms)
	return float64(correct) / float64(s.Frames)
}

// Recall is the fraction of speech frames detected as speech.
func (s Score) Recall() float64 {
	if s.Speech == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Speech)
}

// FalseAlarmRate is the fraction of non-speech frames detected as speech.
func (s Score) FalseAlarmRate() float64 {
	if s.Frames == s.Speech {
		return 0
	}
	return float64(s.FalseAlarms) / float64(s.Frames-s.Speech)
}

// FarFalseAlarmRate is the fraction of Far silence frames detected as speech.
func (s Score) FarFalseAlarmRate() float64 {
	if s.Far == 0 {
		return 0
	}
	return float64(s.FarFalseAlarms) / float64(s.Far)
}

// ErrNoEspeak is returned by Espeak when espeak-ng is not installed.
var ErrNoEspeak = errors.New("vadtest: espeak-ng not found")

// Espeak synthesises text with espeak-ng (voice, e.g. "en-us") and returns it at 8 kHz.
func Espeak(voice, text string) ([]int16, error) {
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, ErrNoEspeak
	}
	out, err := exec.Command(path, "-v", voice, "--stdout", text).Output()
	if err != nil {
		return nil, err
	}
	rate, pcm, err := parseWAV(out)
	if err != nil {
		return nil, err
	}
	return Resample(pcm, rate), nil
}

// parseWAV reads a mono 16-bit PCM WAV file (as espeak-ng writes it, possibly with unknown
// chunk sizes).
func parseWAV(b []byte) (int, []int16, error) {
	if len(b) < 12 || !bytes.Equal(b[:4], []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WAVE")) {
		return 0, nil, errors.New("vadtest: not a WAV file")
	}
	rate := 0
	p := 12
	for p+8 <= len(b) {
		id := string(b[p : p+4])
		size := int(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		p += 8
		switch id {
		case "fmt ":
			if p+16 > len(b) {
				return 0, nil, errors.New("vadtest: short fmt chunk")
			}
			if ch := binary.LittleEndian.Uint16(b[p+2:]); ch != 1 {
				return 0, nil, errors.New("vadtest: WAV not mono")
			}
			if bits := binary.LittleEndian.Uint16(b[p+14:]); bits != 16 {
				return 0, nil, errors.New("vadtest: WAV not 16-bit")
			}
			rate = int(binary.LittleEndian.Uint32(b[p+4:]))
		case "data":
			end := len(b)
			if size >= 0 && p+size <= len(b) && size != 0 {
				end = p + size
			}
			d := b[p:end]
			pcm := make([]int16, len(d)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(d[2*i:]))
			}
			if rate == 0 {
				return 0, nil, errors.New("vadtest: WAV without fmt chunk")
			}
			return rate, pcm, nil
		}
		p += size + size&1
	}
	return 0, nil, errors.New("vadtest: WAV without data")
}

// Resample converts pcm from rate Hz to 8 kHz with a windowed-sinc low-pass at 3.6 kHz.
func Resample(pcm []int16, rate int) []int16 {
	if rate == sr {
		return append([]int16(nil), pcm...)
	}
	const half = 32 // taps each side, at the output rate
	ratio := float64(rate) / sr
	cut := 3600.0 / float64(rate) // normalised cutoff at the input rate
	span := int(math.Ceil(half * ratio))
	n := int(float64(len(pcm)) / ratio)
	out := make([]int16, n)
	for i := range out {
		t := float64(i) * ratio
		c := int(t)
		var acc, wsum float64
		for k := c - span; k <= c+span; k++ {
			if k < 0 || k >= len(pcm) {
				continue
			}
			x := float64(k) - t
			w := 0.5 + 0.5*math.Cos(math.Pi*x/float64(span+1)) // Hann window
			s := 2 * cut
			if x != 0 {
				s = math.Sin(2*math.Pi*cut*x) / (math.Pi * x)
			}
			acc += w * s * float64(pcm[k])
			wsum += w * s
		}
		if wsum != 0 {
			acc /= wsum
		}
		out[i] = int16(math.Round(min(max(acc, -32768), 32767)))
	}
	return out
}
