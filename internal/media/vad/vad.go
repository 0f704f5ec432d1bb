// Package vad is a voice activity detector for 8 kHz telephone audio, one 20 ms frame
// (media.PCMFrame, 160 samples) at a time.
//
// # Method
//
// Each frame is high-pass filtered (one pole at about 80 Hz, removing DC and mains hum) and its
// mean square is taken in decibels. A noise floor follows the background level by minimum
// statistics: the floor target is the quietest frame of the last WindowFrames frames (2 s by
// default); the floor drops to a lower target at once and rises towards a higher one by
// FloorRiseDB per frame or a twentieth of the gap, whichever is more, so steady noise of any
// level is absorbed within about three seconds of its start while the pauses of speech keep the
// floor down. A frame is a raw speech candidate when it is above
// the absolute minimum level and either
//
//   - its level is at least HighSNRDB above the floor, or
//   - it is at least LowSNRDB above the floor and it is periodic: the normalised
//     autocorrelation of the frame (low-passed and decimated to 4 kHz) peaks at a pitch lag of
//     2.5–20 ms (400–50 Hz) with at least VoicingThreshold, and so did the previous frame (or
//     the previous frame was a candidate). Voiced speech is periodic for tens of milliseconds;
//     white and pink noise are not, which keeps quiet voiced speech detectable in noise.
//
// Smoothing: speech starts after OnsetFrames consecutive candidates (by default at the first
// one; at once anyway when the frame is StrongSNRDB above the floor) and continues for HangoverFrames frames after the last
// candidate, bridging the short pauses between syllables and words.
//
// # Cost
//
// Process does not allocate and takes no lock. Every frame costs a filter pass over its 160
// samples; only frames between LowSNRDB and HighSNRDB above the floor also pay for the
// autocorrelation (about 5 700 multiply-adds). docs/BENCHMARKS.md has the measured cost (about
// 1 µs per frame on speech, under 4 µs in the worst case). A Detector is not safe for
// concurrent use: each call owns its own.
package vad

import (
	"math"

	"github.com/dialtonehq/dialtone/internal/media"
)

// Config sets the detector's thresholds and time constants. The zero value of a field means its
// default (see DefaultConfig); New fills them in.
type Config struct {
	// MinLevelDB is the absolute level, in dB relative to a mean square of 1 (full scale is
	// about 90.3 dB), below which a frame is never speech. Default 34 dB (RMS 50, about
	// −56 dBFS).
	MinLevelDB float64
	// HighSNRDB: a frame this far above the noise floor is a speech candidate. Default 9 dB.
	HighSNRDB float64
	// LowSNRDB: a periodic frame this far above the noise floor is a speech candidate.
	// Default 3 dB.
	LowSNRDB float64
	// StrongSNRDB: a frame this far above the noise floor starts speech at once, without
	// waiting for OnsetFrames. Default 15 dB.
	StrongSNRDB float64
	// VoicingThreshold is the normalised autocorrelation (0…1) a frame needs to count as
	// periodic. Default 0.5.
	VoicingThreshold float64
	// OnsetFrames is the number of consecutive candidate frames that start speech. Default 1
	// (every candidate starts speech); 2 or more trade onset latency and recall for fewer
	// detections of clicks.
	OnsetFrames int
	// HangoverFrames is the number of frames speech continues after the last candidate.
	// Default 8 (160 ms).
	HangoverFrames int
	// WindowFrames is the length, in frames, of the minimum-statistics window of the noise
	// floor, rounded up to a multiple of 10. Default 100 (2 s); at most 1000.
	WindowFrames int
	// FloorRiseDB is the least the noise floor rises per frame towards a higher window
	// minimum (it also rises by a twentieth of the gap when that is more). Default 0.1 dB.
	FloorRiseDB float64
}

// DefaultConfig returns the default configuration, tuned for 8 kHz G.711 telephone audio.
func DefaultConfig() Config {
	return Config{
		MinLevelDB:       34,
		HighSNRDB:        9,
		LowSNRDB:         3,
		StrongSNRDB:      15,
		VoicingThreshold: 0.5,
		OnsetFrames:      1,
		HangoverFrames:   8,
		WindowFrames:     100,
		FloorRiseDB:      0.1,
	}
}

const (
	blockFrames = 10  // the floor window is kept as minima of blocks of this many frames
	maxBlocks   = 100 // so WindowFrames is at most 1000
	decN        = media.FrameSamples / 2
	minLag      = 10 // 2.5 ms at 4 kHz: 400 Hz
	maxLag      = 80 // 20 ms at 4 kHz: 50 Hz
	hpPole      = 0.94
)

// Level describes the last frame given to Process.
type Level struct {
	// EnergyDB is the frame's level after the high-pass filter, in dB relative to a mean
	// square of 1 (digital silence is 0 dB, a full-scale sine about 87 dB).
	EnergyDB float64
	// NoiseDB is the noise floor the frame was compared with, in the same unit.
	NoiseDB float64
	// Voicing is the peak normalised autocorrelation at pitch lags (0…1).
	Voicing float64
	// Candidate reports whether the frame on its own looked like speech (before onset and
	// hangover smoothing).
	Candidate bool
	// Speech is what Process returned for the frame.
	Speech bool
}

// Detector decides frame by frame whether 8 kHz audio holds speech. Create it with New; the
// zero value is not usable.
type Detector struct {
	cfg     Config
	nBlocks int

	// high-pass filter state
	hpX, hpY float64
	// last 2·decN samples of the 4 kHz signal: previous frame then current frame
	dec [2 * decN]float64

	started  bool
	frames   int
	floor    float64
	blockMin float64
	blockPos int
	mins     [maxBlocks]float64
	minPos   int

	run  int
	hang int
	last Level
}

// New returns a detector with cfg; zero fields of cfg take their defaults.
func New(cfg Config) *Detector {
	def := DefaultConfig()
	if cfg.MinLevelDB == 0 {
		cfg.MinLevelDB = def.MinLevelDB
	}
	if cfg.HighSNRDB == 0 {
		cfg.HighSNRDB = def.HighSNRDB
	}
	if cfg.LowSNRDB == 0 {
		cfg.LowSNRDB = def.LowSNRDB
	}
	if cfg.StrongSNRDB == 0 {
		cfg.StrongSNRDB = def.StrongSNRDB
	}
	if cfg.VoicingThreshold == 0 {
		cfg.VoicingThreshold = def.VoicingThreshold
	}
	if cfg.OnsetFrames <= 0 {
		cfg.OnsetFrames = def.OnsetFrames
	}
	if cfg.HangoverFrames <= 0 {
		cfg.HangoverFrames = def.HangoverFrames
	}
	if cfg.WindowFrames <= 0 {
		cfg.WindowFrames = def.WindowFrames
	}
	if cfg.FloorRiseDB <= 0 {
		cfg.FloorRiseDB = def.FloorRiseDB
	}
	d := &Detector{cfg: cfg}
	d.nBlocks = min(max((cfg.WindowFrames+blockFrames-1)/blockFrames, 1), maxBlocks)
	d.Reset()
	return d
}

// Config returns the detector's configuration with defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// Reset forgets all history (filter state, noise floor, smoothing), as for a new call. The
// first frame after Reset sets the initial noise floor.
func (d *Detector) Reset() {
	cfg, n := d.cfg, d.nBlocks
	*d = Detector{cfg: cfg, nBlocks: n}
}

// Last returns the measurements of the last frame given to Process.
func (d *Detector) Last() Level { return d.last }

// Process analyses the next frame of the call and reports whether it is speech. It does not
// allocate. Any sample values are accepted.
func (d *Detector) Process(f *media.PCMFrame) bool {
	// High-pass filter, energy, and decimation by 2 (pair sums) into the second half of dec.
	copy(d.dec[:decN], d.dec[decN:])
	x1, y1 := d.hpX, d.hpY
	var sum float64
	for i := 0; i < media.FrameSamples; i += 2 {
		x := float64(f[i])
		y := x - x1 + hpPole*y1
		x1, y1 = x, y
		xb := float64(f[i+1])
		yb := xb - x1 + hpPole*y1
		x1, y1 = xb, yb
		sum += y*y + yb*yb
		d.dec[decN+i/2] = y + yb
	}
	d.hpX, d.hpY = x1, y1
	e := 10 * math.Log10(sum/media.FrameSamples+1)

	d.updateFloor(e)
	snr := e - d.floor

	cfg := &d.cfg
	voicing := 0.0
	cand := false
	if e >= cfg.MinLevelDB {
		if snr >= cfg.HighSNRDB {
			cand = true
		} else if snr >= cfg.LowSNRDB {
			voicing = d.voicing()
			// Periodicity must hold for two frames in a row (or continue a candidate run):
			// voiced speech lasts longer than 20 ms, chance peaks in noise rarely do.
			cand = voicing >= cfg.VoicingThreshold && (d.run > 0 || d.last.Voicing >= cfg.VoicingThreshold)
		}
	}

	speech := false
	if cand {
		d.run++
		if d.hang > 0 || d.run >= cfg.OnsetFrames || snr >= cfg.StrongSNRDB {
			d.hang = cfg.HangoverFrames
			speech = true
		}
	} else {
		d.run = 0
		if d.hang > 0 {
			d.hang--
			speech = true
		}
	}
	d.frames++
	d.last = Level{EnergyDB: e, NoiseDB: d.floor, Voicing: voicing, Candidate: cand, Speech: speech}
	return speech
}

// updateFloor feeds the frame level e into the minimum-statistics window and moves the floor.
func (d *Detector) updateFloor(e float64) {
	if !d.started {
		d.started = true
		d.floor = e
		d.blockMin = e
		for i := range d.mins[:d.nBlocks] {
			d.mins[i] = e
		}
	}
	d.blockMin = min(d.blockMin, e)
	d.blockPos++
	target := d.blockMin
	for _, m := range d.mins[:d.nBlocks] {
		target = min(target, m)
	}
	if d.blockPos == blockFrames {
		// The oldest block leaves the window; the finished block takes its place.
		d.mins[d.minPos] = d.blockMin
		d.minPos = (d.minPos + 1) % d.nBlocks
		d.blockPos = 0
		d.blockMin = math.Inf(1)
	}
	switch {
	case target < d.floor || d.frames < blockFrames:
		d.floor = target
	default:
		// Rise by at least FloorRiseDB, and by a twentieth of the gap when that is more, so a
		// floor far below a new steady background catches up within about a second.
		d.floor = min(target, d.floor+max(d.cfg.FloorRiseDB, (target-d.floor)/20))
	}
}

// voicing returns the peak normalised autocorrelation of the current 4 kHz frame (the second
// half of dec) with the signal 2.5–20 ms earlier.
func (d *Detector) voicing() float64 {
	cur := d.dec[decN:]
	var e0 float64
	for _, v := range cur {
		e0 += v * v
	}
	if e0 == 0 {
		return 0
	}
	// Energy of the lagged window dec[decN-lag : 2·decN-lag], updated as lag grows.
	var el float64
	for _, v := range d.dec[decN-minLag : 2*decN-minLag] {
		el += v * v
	}
	best := 0.0
	for lag := minLag; lag <= maxLag; lag++ {
		if lag > minLag {
			in := d.dec[decN-lag]
			out := d.dec[2*decN-lag]
			el += in*in - out*out
		}
		prev := d.dec[decN-lag : 2*decN-lag]
		var c float64
		for i, v := range cur {
			c += v * prev[i]
		}
		if c > 0 && el > 0 {
			if r := c * c / (e0 * el); r > best*best {
				best = math.Sqrt(r)
			}
		}
	}
	return min(best, 1)
}
