package sandbox

// Decoder parameters (see "Decoding" in the format description).
const (
	hopSamples    = 40 // 5 ms
	windowHops    = ToneFrameSamples / hopSamples
	minMeanSquare = 1e5 // about −40 dBFS
	minPairShare  = 0.45
	minBalance    = 0.30
	maxThirdShare = 0.25

	minVotes       = 5  // a symbol needs at least 25 ms of windows that agree
	maxSymbolHops  = 24 // a data symbol is about 10 hops long
	minStartHops   = 16 // the preamble is about 31 hops long
	maxStartHops   = 64 //
	spaceHops      = 12 // a normal gap is about 5 silent hops, a space about 20
	abandonHops    = 60 // 300 ms of silence abandons an utterance
	maxQueued      = 16 // completed utterances kept until Next
	noSymbol       = -1
	segmentHopsCap = 1 << 20
)

// ToneUtterance is one utterance decoded by a ToneDecoder.
type ToneUtterance struct {
	// Text is exactly the text that was encoded.
	Text string
	// Start and End locate the utterance in the decoder's input, in samples since the decoder
	// was created or reset: Start is where the preamble's tone began and End where the
	// terminator's tone ended, each to within about 15 ms (three hops).
	Start, End int64
}

// ToneDecoderStats counts what a ToneDecoder has seen.
type ToneDecoderStats struct {
	Utterances uint64 // delivered (checksum and structure valid)
	Rejected   uint64 // complete but with a wrong checksum
	Abandoned  uint64 // started but cut off, interrupted by a new preamble, or unreadable
	Dropped    uint64 // delivered but discarded because more than 16 were waiting for Next
}

type decoderState uint8

const (
	stateIdle decoderState = iota
	stateHeader
	statePayload
)

// ToneDecoder decodes sandbox tone speech of one register from a stream of 8 kHz PCM. Feed it
// with Write, in frames of any length and any alignment; collect utterances with Next and
// watch progress with Receiving and Partial. It is not safe for concurrent use. After
// construction nothing allocates except the string of each delivered utterance.
type ToneDecoder struct {
	reg        ToneRegister
	cos, sin   *[numTones][ToneFrameSamples]float64
	block      [hopSamples]float64
	nb         int   // samples in block
	phase      int   // absolute sample index of block[0], modulo 160
	samples    int64 // samples consumed
	ringRe     [windowHops][numTones]float64
	ringIm     [windowHops][numTones]float64
	ringE      [windowHops]float64
	ring       int // next ring slot
	ringFilled int

	// Segmentation.
	inSeg      bool
	segHops    int
	segStart   int64
	votes      [numSymbols]int32
	silentHops int
	gapBefore  int

	// Utterance assembly.
	state     decoderState
	header    uint32
	headerN   int
	shift     bool
	esc       int // pending byte escape 0…3, or -1
	text      []byte
	uttStart  int64
	completed []ToneUtterance
	stats     ToneDecoderStats
}

// NewToneDecoder returns a decoder for register r (an invalid r is treated as RegisterLow).
func NewToneDecoder(r ToneRegister) *ToneDecoder {
	if r > RegisterHigh {
		r = RegisterLow
	}
	d := &ToneDecoder{
		reg:       r,
		cos:       &toneCos[r],
		sin:       &toneSin[r],
		text:      make([]byte, 0, MaxToneTextBytes),
		completed: make([]ToneUtterance, 0, maxQueued),
	}
	d.Reset()
	return d
}

// Reset returns d to its initial state, forgetting everything it has heard (including
// utterances not yet collected) and restarting its sample count at 0.
func (d *ToneDecoder) Reset() {
	*d = ToneDecoder{
		reg:        d.reg,
		cos:        d.cos,
		sin:        d.sin,
		text:       d.text[:0],
		completed:  d.completed[:0],
		esc:        -1,
		silentHops: abandonHops,
	}
}

// Register returns the register d listens to.
func (d *ToneDecoder) Register() ToneRegister { return d.reg }

// Stats returns d's counters.
func (d *ToneDecoder) Stats() ToneDecoderStats { return d.stats }

// Receiving reports whether d has heard a preamble and is receiving an utterance that has not
// yet ended (useful to detect barge-in).
func (d *ToneDecoder) Receiving() bool { return d.state != stateIdle }

// Partial returns the bytes of the utterance being received, as decoded so far (empty when not
// Receiving). They are not yet checked against the checksum, may end inside a multi-byte UTF-8
// character, and belong to d: the slice is only valid until the next Write or Reset.
func (d *ToneDecoder) Partial() []byte {
	if d.state != statePayload {
		return nil
	}
	return d.text
}

// Next returns the oldest decoded utterance not yet returned, and reports whether there was
// one. At most 16 are kept; call Next after every Write.
func (d *ToneDecoder) Next() (ToneUtterance, bool) {
	if len(d.completed) == 0 {
		return ToneUtterance{}, false
	}
	u := d.completed[0]
	n := copy(d.completed, d.completed[1:])
	d.completed[n] = ToneUtterance{}
	d.completed = d.completed[:n]
	return u, true
}

// Write feeds PCM samples to d. Any number of samples may be written at a time; the frame
// boundaries play no part in decoding.
func (d *ToneDecoder) Write(pcm []int16) {
	for len(pcm) > 0 {
		n := copy16(d.block[d.nb:], pcm)
		pcm = pcm[n:]
		d.nb += n
		if d.nb == hopSamples {
			d.hop()
			d.nb = 0
			d.phase = (d.phase + hopSamples) % ToneFrameSamples
		}
	}
}

func copy16(dst []float64, src []int16) int {
	n := min(len(dst), len(src))
	for i := 0; i < n; i++ {
		dst[i] = float64(src[i])
	}
	return n
}

// hop analyses one full block and advances the segmenter.
func (d *ToneDecoder) hop() {
	d.samples += hopSamples
	slot := d.ring
	d.ring = (d.ring + 1) % windowHops
	var e float64
	for _, x := range d.block {
		e += x * x
	}
	d.ringE[slot] = e
	for t := 0; t < numTones; t++ {
		c := d.cos[t][d.phase : d.phase+hopSamples]
		s := d.sin[t][d.phase : d.phase+hopSamples]
		var re, im float64
		for i, x := range d.block {
			re += x * c[i]
			im += x * s[i]
		}
		d.ringRe[slot][t] = re
		d.ringIm[slot][t] = im
	}
	if d.ringFilled < windowHops {
		d.ringFilled++
		if d.ringFilled < windowHops {
			return
		}
	}
	d.segment(d.classify())
}

// classify returns the symbol heard in the last 160 samples, or noSymbol.
func (d *ToneDecoder) classify() int {
	var e float64
	for _, x := range d.ringE {
		e += x
	}
	if !(e >= minMeanSquare*ToneFrameSamples) { // also rejects NaN, which cannot happen
		return noSymbol
	}
	// p1 ≥ p2 ≥ p3 are the three largest bin energies, i1 and i2 the tones of the first two.
	var p1, p2, p3 float64
	i1, i2 := -1, -1
	for t := 0; t < numTones; t++ {
		var re, im float64
		for h := 0; h < windowHops; h++ {
			re += d.ringRe[h][t]
			im += d.ringIm[h][t]
		}
		// 2|X|²/N is the energy of the window that the (real) tone accounts for.
		p := 2 * (re*re + im*im) / ToneFrameSamples
		switch {
		case p > p1:
			p1, p2, p3 = p, p1, p2
			i1, i2 = t, i1
		case p > p2:
			p2, p3 = p, p2
			i2 = t
		case p > p3:
			p3 = p
		}
	}
	if i2 < 0 || p1+p2 < minPairShare*e || p2 < minBalance*p1 || p3 > maxThirdShare*p2 {
		return noSymbol
	}
	if i1 > i2 {
		i1, i2 = i2, i1
	}
	return int(pairSymbol[i1][i2])
}

// segment groups classified hops into symbols separated by silence.
func (d *ToneDecoder) segment(c int) {
	if c != noSymbol {
		if !d.inSeg {
			d.inSeg = true
			d.segHops = 0
			d.votes = [numSymbols]int32{}
			d.gapBefore = d.silentHops
			d.segStart = d.samples - ToneFrameSamples
		}
		if d.segHops < segmentHopsCap {
			d.segHops++
			d.votes[c]++
		}
		return
	}
	if d.inSeg {
		d.inSeg = false
		d.silentHops = 0
		d.endSegment()
	}
	if d.silentHops < abandonHops {
		d.silentHops++
		if d.silentHops == abandonHops && d.state != stateIdle {
			d.abandon()
		}
	}
}

// endSegment decides which symbol the segment that just ended was, and uses it.
func (d *ToneDecoder) endSegment() {
	w := 0
	for s, v := range d.votes {
		if v > d.votes[w] {
			w = s
		}
	}
	v := int(d.votes[w])
	ok := v >= minVotes && 5*v >= 3*d.segHops
	if w == symStart {
		ok = ok && d.segHops >= minStartHops && d.segHops <= maxStartHops
	} else {
		ok = ok && d.segHops <= maxSymbolHops
	}
	if !ok {
		if d.state != stateIdle {
			d.abandon()
		}
		return
	}
	d.symbol(w, d.gapBefore >= spaceHops)
}

func (d *ToneDecoder) abandon() {
	d.stats.Abandoned++
	d.idle()
}

func (d *ToneDecoder) idle() {
	d.state = stateIdle
	d.text = d.text[:0]
	d.shift = false
	d.esc = -1
}

// symbol applies one decoded symbol; space reports that a silent slot preceded it.
func (d *ToneDecoder) symbol(s int, space bool) {
	if s == symStart {
		if d.state != stateIdle {
			d.abandon()
		}
		d.state = stateHeader
		d.header, d.headerN = 0, 0
		d.uttStart = d.segStart
		return
	}
	switch d.state {
	case stateIdle:
		return
	case stateHeader:
		if s >= 64 || space {
			d.abandon()
			return
		}
		d.header = d.header<<6 | uint32(s)
		d.headerN++
		if d.headerN == checksumSymbols {
			d.state = statePayload
		}
		return
	}
	if space {
		if d.shift || d.esc >= 0 {
			d.abandon()
			return
		}
		if !d.add(' ') {
			return
		}
	}
	switch {
	case d.esc >= 0:
		if s >= 64 {
			d.abandon()
			return
		}
		b := byte(d.esc<<6 | s)
		d.esc = -1
		d.add(b)
	case d.shift:
		if s > 25 {
			d.abandon()
			return
		}
		d.shift = false
		d.add('A' + byte(s))
	case s == symEnd:
		d.finish()
	case s == symSpace:
		d.add(' ')
	case s == symShift:
		d.shift = true
	case s >= symEsc0 && s < symEsc0+4:
		d.esc = s - symEsc0
	default:
		d.add(symbolChars[s])
	}
}

// add appends b to the text, abandoning the utterance if it would grow too long.
func (d *ToneDecoder) add(b byte) bool {
	if len(d.text) >= MaxToneTextBytes {
		d.abandon()
		return false
	}
	d.text = append(d.text, b)
	return true
}

func (d *ToneDecoder) finish() {
	if textChecksum(d.text) != d.header {
		d.stats.Rejected++
		d.idle()
		return
	}
	u := ToneUtterance{Text: string(d.text), Start: d.uttStart, End: d.samples - ToneFrameSamples}
	if len(d.completed) == maxQueued {
		n := copy(d.completed, d.completed[1:])
		d.completed = d.completed[:n]
		d.stats.Dropped++
	}
	d.completed = append(d.completed, u)
	d.stats.Utterances++
	d.idle()
}
