package dtmf

import "math"

// Analysis. The detector runs eight Goertzel filters (one per DTMF frequency) over blocks of
// blockLen samples and combines each pair of consecutive blocks into one windowLen-sample
// window, so it judges a 20 ms window every 10 ms while filtering each sample only once. A
// window with 160 samples resolves 50 Hz, enough to separate the row tones, which lie 73–89 Hz
// apart.
const (
	blockLen  = 80
	windowLen = 2 * blockLen
)

// Acceptance rules for one window.
const (
	minLevel       = -33.0 // dBm0, weakest tone accepted (each of the two)
	maxLowOverHigh = 8.0   // dB the row tone may exceed the column tone by ("normal twist")
	maxHighOverLow = 4.0   // dB the column tone may exceed the row tone by ("reverse twist")
	groupMargin    = 6.0   // dB the chosen tone must exceed every other tone of its group by
	harmonicMargin = 6.0   // dB each tone's second harmonic must stay below the tone
	minPurity      = 0.65  // share of the window's energy that the two tones must carry
)

// Timing rules, in windows (one every 10 ms).
const (
	// hitsToReport consecutive windows showing the same digit report it. Because a window is
	// 20 ms long, three of them span 40 ms. A tone of 40 ms or more is always reported; a
	// partly covered window can count, so tones from about 26 ms up may be, and tones of 24 ms
	// or less never are (checked at every alignment).
	hitsToReport = 3
	// missesToRelease consecutive windows not showing the reported digit end the key press.
	// A pause of 40 ms or more between two presses of the same key always ends it; a dropout
	// of 10 ms or less never does, so it cannot turn one press into two.
	missesToRelease = 3
)

// Detector finds DTMF digits in a stream of 8 kHz 16-bit PCM and reports each key press once.
// It accepts any chunking of the stream (normally one 160-sample frame per call); the result
// does not depend on where the chunks split. Process allocates nothing except when it appends
// a digit to a slice without spare capacity. A Detector is not safe for concurrent use; use one
// per call direction.
type Detector struct {
	// Constant after NewDetector: per frequency, 2cos(ω), cos ω, sin ω, the rotation
	// e^(−jω·blockLen) that moves a block's result to the second half of a window, and
	// 2cos(2ω) for the second harmonic.
	coef, cos, sin, rotRe, rotIm, harmCoef    [8]float64
	minPower                                  float64 // window Goertzel power of a minLevel tone
	lowOverHigh, highOverLow, group, harmonic float64 // the dB rules as power ratios

	// The block being filtered.
	s1, s2 [8]float64 // Goertzel state
	energy float64    // sum of squared samples
	n      int        // samples in the block so far

	// The previous block's results.
	prevRe, prevIm [8]float64
	prevEnergy     float64
	havePrev       bool

	// The last windowLen samples, for the harmonic check; recent[pos] is the oldest.
	recent [windowLen]int16
	pos    int

	// Key-press state.
	run    byte // digit shown by the latest windows, 0 for none
	runLen int  // consecutive windows showing run
	held   byte // digit reported and not yet released, 0 for none
	misses int  // consecutive windows not showing held
}

// NewDetector returns a Detector for 8 kHz PCM.
func NewDetector() *Detector {
	d := &Detector{}
	for k, f := range toneFreqs {
		w := 2 * math.Pi * f / SampleRate
		d.coef[k] = 2 * math.Cos(w)
		d.cos[k], d.sin[k] = math.Cos(w), math.Sin(w)
		d.rotRe[k], d.rotIm[k] = math.Cos(w*blockLen), -math.Sin(w*blockLen)
		d.harmCoef[k] = 2 * math.Cos(2*w)
	}
	a := amplitude(minLevel) * windowLen / 2
	d.minPower = a * a
	d.lowOverHigh, d.highOverLow = dB(maxLowOverHigh), dB(maxHighOverLow)
	d.group, d.harmonic = dB(groupMargin), dB(harmonicMargin)
	return d
}

// Reset forgets all audio seen so far, as if the Detector were new.
func (d *Detector) Reset() {
	d.s1, d.s2 = [8]float64{}, [8]float64{}
	d.energy, d.n = 0, 0
	d.havePrev = false
	d.recent, d.pos = [windowLen]int16{}, 0
	d.run, d.runLen, d.held, d.misses = 0, 0, 0, 0
}

// Process analyses pcm, the next samples of the stream, and appends to dst each digit
// ('0'–'9', '*', '#', 'A'–'D') whose key press was recognised in them, returning the extended
// slice. A digit is reported about 30–40 ms after its tone starts, once per key press.
func (d *Detector) Process(dst []byte, pcm []int16) []byte {
	for len(pcm) > 0 {
		take := min(blockLen-d.n, len(pcm))
		d.filter(pcm[:take])
		pcm = pcm[take:]
		if d.n == blockLen {
			if digit := d.endBlock(); digit != 0 {
				dst = append(dst, digit)
			}
		}
	}
	return dst
}

// filter runs the Goertzel filters over x, which must fit in the current block. The filters
// are written out as scalars so that their state stays in registers, and each update is
// ordered as c·s1 + (x − s2) so that only a multiply and an add lie on the dependency chain.
func (d *Detector) filter(x []int16) {
	copy(d.recent[d.pos:], x) // a block is one half of recent, so this never wraps
	d.pos = (d.pos + len(x)) % windowLen
	d.n += len(x)
	c0, c1, c2, c3, c4, c5, c6, c7 := d.coef[0], d.coef[1], d.coef[2], d.coef[3], d.coef[4], d.coef[5], d.coef[6], d.coef[7]
	a0, a1, a2, a3, a4, a5, a6, a7 := d.s1[0], d.s1[1], d.s1[2], d.s1[3], d.s1[4], d.s1[5], d.s1[6], d.s1[7]
	b0, b1, b2, b3, b4, b5, b6, b7 := d.s2[0], d.s2[1], d.s2[2], d.s2[3], d.s2[4], d.s2[5], d.s2[6], d.s2[7]
	energy := d.energy
	for _, v := range x {
		f := float64(v)
		energy += f * f
		a0, b0 = c0*a0+(f-b0), a0
		a1, b1 = c1*a1+(f-b1), a1
		a2, b2 = c2*a2+(f-b2), a2
		a3, b3 = c3*a3+(f-b3), a3
		a4, b4 = c4*a4+(f-b4), a4
		a5, b5 = c5*a5+(f-b5), a5
		a6, b6 = c6*a6+(f-b6), a6
		a7, b7 = c7*a7+(f-b7), a7
	}
	d.energy = energy
	d.s1 = [8]float64{a0, a1, a2, a3, a4, a5, a6, a7}
	d.s2 = [8]float64{b0, b1, b2, b3, b4, b5, b6, b7}
}

// endBlock closes the current block, judges the window it completes and returns a newly
// recognised digit or 0.
func (d *Detector) endBlock() byte {
	var re, im, power [8]float64
	for k := range 8 {
		// The block's DFT at ω, up to a phase common to every block: s1 − e^(−jω)·s2.
		re[k] = d.s1[k] - d.cos[k]*d.s2[k]
		im[k] = d.sin[k] * d.s2[k]
		if d.havePrev {
			wr := d.prevRe[k] + d.rotRe[k]*re[k] - d.rotIm[k]*im[k]
			wi := d.prevIm[k] + d.rotRe[k]*im[k] + d.rotIm[k]*re[k]
			power[k] = wr*wr + wi*wi
		}
	}
	energy := d.prevEnergy + d.energy
	judge := d.havePrev
	d.prevRe, d.prevIm, d.prevEnergy, d.havePrev = re, im, d.energy, true
	d.s1, d.s2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
	if !judge {
		return 0
	}
	return d.press(d.classify(&power, energy))
}

// classify returns the digit a window shows, or 0. power holds the window's Goertzel power at
// each DTMF frequency; energy is the window's sum of squared samples.
func (d *Detector) classify(power *[8]float64, energy float64) byte {
	row, col := strongest(power[0:4]), 4+strongest(power[4:8])
	pr, pc := power[row], power[col]
	if pr < d.minPower || pc < d.minPower {
		return 0
	}
	if pr > pc*d.lowOverHigh || pc > pr*d.highOverLow {
		return 0
	}
	for k := 0; k < 4; k++ {
		if k != row && power[k]*d.group > pr {
			return 0
		}
	}
	for k := 4; k < 8; k++ {
		if k != col && power[k]*d.group > pc {
			return 0
		}
	}
	// A tone of amplitude A over N samples has power (A·N/2)² and mean square A²/2, so the two
	// tones carry 2(pr+pc)/N² of the window's mean square energy/N.
	if 2*(pr+pc) < minPurity*windowLen*energy {
		return 0
	}
	if hr, hc := d.harmonicPowers(row, col); hr*d.harmonic > pr || hc*d.harmonic > pc {
		return 0
	}
	return Digits[row*4+col-4]
}

// harmonicPowers returns the Goertzel power of the window at twice frequencies j and k.
func (d *Detector) harmonicPowers(j, k int) (pj, pk float64) {
	cj, ck := d.harmCoef[j], d.harmCoef[k]
	var j1, j2, k1, k2 float64
	for _, part := range [2][]int16{d.recent[d.pos:], d.recent[:d.pos]} { // oldest first
		for _, v := range part {
			f := float64(v)
			j1, j2 = cj*j1+(f-j2), j1
			k1, k2 = ck*k1+(f-k2), k1
		}
	}
	return j1*j1 + j2*j2 - cj*j1*j2, k1*k1 + k2*k2 - ck*k1*k2
}

// press advances the key-press state by one window showing digit (0 for none) and returns a
// digit to report, or 0.
func (d *Detector) press(digit byte) byte {
	if digit == d.run {
		d.runLen++
	} else {
		d.run, d.runLen = digit, 1
	}
	if d.held != 0 {
		if digit == d.held {
			d.misses = 0
		} else if d.misses++; d.misses >= missesToRelease {
			d.held = 0
		}
	}
	if d.held == 0 && digit != 0 && d.runLen >= hitsToReport {
		d.held, d.misses = digit, 0
		return digit
	}
	return 0
}

// strongest returns the index of the largest element.
func strongest(p []float64) int {
	best := 0
	for i := 1; i < len(p); i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// dB converts a level difference in decibels to a power ratio.
func dB(x float64) float64 { return math.Pow(10, x/10) }
