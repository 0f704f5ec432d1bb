package vad

import (
	"math"
	"testing"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/vad/vadtest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
)

// feed runs pcm (whole frames) through d and returns the decision per frame.
func feed(d *Detector, pcm []int16) []bool {
	out := make([]bool, len(pcm)/media.FrameSamples)
	var f media.PCMFrame
	for i := range out {
		vadtest.Frame(&f, pcm, i)
		out[i] = d.Process(&f)
	}
	return out
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// scaledNoise returns frames·160 samples of noise at the given RMS.
func scaledNoise(kind string, seed uint64, frames int, rms float64) []int16 {
	nz := vadtest.Noise(kind, seed, frames*media.FrameSamples)
	out := make([]int16, len(nz))
	for i, v := range nz {
		out[i] = int16(math.Round(min(max(v*rms, -32768), 32767)))
	}
	return out
}

func TestSilenceIsNotSpeech(t *testing.T) {
	d := New(Config{})
	if n := count(feed(d, make([]int16, 500*media.FrameSamples))); n != 0 {
		t.Fatalf("digital silence: %d speech frames", n)
	}
	// Near-silence: ±2 LSB dither, well below the absolute minimum level.
	if n := count(feed(d, scaledNoise(vadtest.White, 1, 500, 2))); n != 0 {
		t.Fatalf("dither: %d speech frames", n)
	}
}

func TestStationaryNoiseIsNotSpeechAfterAdaptation(t *testing.T) {
	for _, kind := range []string{vadtest.White, vadtest.Pink} {
		for _, rms := range []float64{20, 100, 300, 1000, 3000, 8000} {
			d := New(Config{})
			nz := scaledNoise(kind, uint64(rms), 1500, rms) // 30 s
			dec := feed(d, nz)
			// Starting in noise: no adaptation time needed beyond the first frames.
			if n := count(dec[10:]); n != 0 {
				t.Errorf("%s noise RMS %.0f from the start: %d speech frames after the first 10", kind, rms, n)
			}
			// Silence, then noise: adapted within 4 s of the onset.
			d.Reset()
			pcm := append(make([]int16, 100*media.FrameSamples), nz...)
			dec = feed(d, pcm)
			if n := count(dec[100+200:]); n != 0 {
				t.Errorf("%s noise RMS %.0f after silence: %d speech frames later than 4 s after onset", kind, rms, n)
			}
		}
	}
}

func TestSpeechLikeIsSpeech(t *testing.T) {
	utts := make([][]int16, 0, 12)
	for i := range 12 {
		utts = append(utts, vadtest.SpeechLike(uint64(i+1), 2))
	}
	c := vadtest.BuildCorpus(utts, 3)
	for _, tc := range []struct {
		kind       string
		snr        float64
		wantRecall float64
	}{
		{vadtest.White, math.Inf(1), 0.98},
		{vadtest.White, 20, 0.93},
		{vadtest.Pink, 20, 0.93},
		{vadtest.White, 10, 0.88},
		{vadtest.Pink, 10, 0.88},
	} {
		pcm := c.Mix(tc.kind, tc.snr, 9)
		var s vadtest.Score
		for i, v := range feed(New(Config{}), pcm) {
			s.Add(c, i, v)
		}
		t.Logf("%s %.0f dB: accuracy %.3f recall %.3f false alarms %.3f (far %.3f)", tc.kind, tc.snr,
			s.Accuracy(), s.Recall(), s.FalseAlarmRate(), s.FarFalseAlarmRate())
		if s.Recall() < tc.wantRecall {
			t.Errorf("%s %.0f dB: recall %.3f < %.2f", tc.kind, tc.snr, s.Recall(), tc.wantRecall)
		}
		if s.FarFalseAlarmRate() > 0.02 {
			t.Errorf("%s %.0f dB: false alarms far from speech %.3f > 0.02", tc.kind, tc.snr, s.FarFalseAlarmRate())
		}
	}
}

// The engine runs the VAD on sandbox tone speech, so every sounding frame of it must be speech
// and the silence after it must not be.
func TestSandboxToneSpeechIsSpeech(t *testing.T) {
	const text = "Hello, this is the sandbox voice. Your appointment is on Tuesday at 3 pm, see you then!"
	for _, reg := range []sandbox.ToneRegister{sandbox.RegisterLow, sandbox.RegisterHigh} {
		for _, noiseRMS := range []float64{0, 100} {
			enc, err := sandbox.NewToneEncoder(reg, text)
			if err != nil {
				t.Fatal(err)
			}
			var pcm []int16
			pcm = append(pcm, make([]int16, 50*media.FrameSamples)...) // 1 s of silence
			var f [sandbox.ToneFrameSamples]int16
			for enc.NextFrame(&f) {
				pcm = append(pcm, f[:]...)
			}
			toneFrames := len(pcm)/media.FrameSamples - 50
			pcm = append(pcm, make([]int16, 50*media.FrameSamples)...)
			clean := append([]int16(nil), pcm...)
			if noiseRMS > 0 {
				nz := scaledNoise(vadtest.White, 5, len(pcm)/media.FrameSamples, noiseRMS)
				for i := range pcm {
					pcm[i] = media.MulawToLinear(media.LinearToMulaw(int16(min(max(float64(pcm[i])+float64(nz[i]), -32768), 32767))))
				}
			}
			dec := feed(New(Config{}), pcm)
			missed := 0
			for i := 50; i < 50+toneFrames; i++ {
				var e float64
				for _, v := range clean[i*media.FrameSamples : (i+1)*media.FrameSamples] {
					e += float64(v) * float64(v)
				}
				if e/media.FrameSamples > 1e5 && !dec[i] {
					missed++
				}
			}
			if missed > 0 {
				t.Errorf("register %v, noise RMS %.0f: %d sounding frames not speech", reg, noiseRMS, missed)
			}
			if n := count(dec[:50]); n != 0 {
				t.Errorf("register %v, noise RMS %.0f: %d speech frames before the utterance", reg, noiseRMS, n)
			}
			if n := count(dec[50+toneFrames+New(Config{}).Config().HangoverFrames:]); n != 0 {
				t.Errorf("register %v, noise RMS %.0f: %d speech frames after utterance and hangover", reg, noiseRMS, n)
			}
		}
	}
}

func TestHangoverBridgesShortPauses(t *testing.T) {
	d := New(Config{})
	tone := make([]int16, 10*media.FrameSamples)
	for i := range tone {
		tone[i] = int16(3000 * math.Sin(2*math.Pi*200*float64(i)/media.SampleRate))
	}
	pcm := append(make([]int16, 50*media.FrameSamples), tone...)
	pcm = append(pcm, make([]int16, 4*media.FrameSamples)...) // 80 ms pause
	pcm = append(pcm, tone...)
	pcm = append(pcm, make([]int16, 30*media.FrameSamples)...)
	dec := feed(d, pcm)
	for i := 50; i < 74; i++ {
		if !dec[i] {
			t.Errorf("frame %d: not speech inside the utterance", i)
		}
	}
	// The high-pass filter's tail makes the first frame after the tone a candidate too (it is
	// loud against digital silence), so speech lasts HangoverFrames after that frame.
	hang := d.Config().HangoverFrames
	for i := 74; i < 75+hang; i++ {
		if !dec[i] {
			t.Errorf("frame %d: hangover ended early", i)
		}
	}
	if n := count(dec[75+hang:]); n != 0 {
		t.Errorf("%d speech frames after the hangover", n)
	}
}

func TestResetForgetsHistory(t *testing.T) {
	pcm := append(scaledNoise(vadtest.Pink, 2, 200, 500), vadtest.SpeechLike(4, 4)...)
	pcm = pcm[:len(pcm)/media.FrameSamples*media.FrameSamples]
	d := New(Config{})
	first := feed(d, pcm)
	d.Reset()
	second := feed(d, pcm)
	fresh := feed(New(Config{}), pcm)
	for i := range first {
		if first[i] != second[i] || first[i] != fresh[i] {
			t.Fatalf("frame %d: decisions differ after Reset", i)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	if got, want := New(Config{}).Config(), DefaultConfig(); got != want {
		t.Fatalf("New(Config{}).Config() = %+v, want %+v", got, want)
	}
	cfg := DefaultConfig()
	cfg.HangoverFrames = 3
	if got := New(cfg).Config().HangoverFrames; got != 3 {
		t.Fatalf("HangoverFrames = %d, want 3", got)
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	pcm := vadtest.SpeechLike(1, 2)
	nz := scaledNoise(vadtest.White, 3, len(pcm)/media.FrameSamples, 200)
	for i := range pcm {
		pcm[i] += nz[i]
	}
	frames := len(pcm) / media.FrameSamples
	d := New(Config{})
	var f media.PCMFrame
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		vadtest.Frame(&f, pcm, i%frames)
		d.Process(&f)
		_ = d.Last()
		i++
	})
	if allocs != 0 {
		t.Fatalf("Process allocates %.1f times per frame", allocs)
	}
}

func FuzzProcess(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 2*media.FrameSamples))
	loud := make([]byte, 4*media.FrameSamples)
	for i := range loud {
		loud[i] = byte(i * 37)
	}
	f.Add(loud)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := New(Config{})
		var fr media.PCMFrame
		for len(b) > 0 {
			for j := range fr {
				if 2*j+1 < len(b) {
					fr[j] = int16(uint16(b[2*j]) | uint16(b[2*j+1])<<8)
				} else {
					fr[j] = 0
				}
			}
			d.Process(&fr)
			l := d.Last()
			if math.IsNaN(l.EnergyDB) || math.IsInf(l.EnergyDB, 0) || math.IsNaN(l.NoiseDB) ||
				l.Voicing < 0 || l.Voicing > 1 || math.IsNaN(l.Voicing) {
				t.Fatalf("bad level %+v", l)
			}
			if len(b) <= 2*media.FrameSamples {
				break
			}
			b = b[2*media.FrameSamples:]
		}
	})
}

func BenchmarkProcess(b *testing.B) {
	pcm := vadtest.SpeechLike(1, 10)
	nz := scaledNoise(vadtest.Pink, 3, len(pcm)/media.FrameSamples, 300)
	for i := range pcm {
		pcm[i] += nz[i]
	}
	frames := make([]media.PCMFrame, len(pcm)/media.FrameSamples)
	for i := range frames {
		vadtest.Frame(&frames[i], pcm, i)
	}
	d := New(Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(&frames[i])
		if i++; i == len(frames) {
			i = 0
		}
	}
}

// BenchmarkProcessWorstCase makes every frame take the periodicity path (the autocorrelation),
// the most expensive one.
func BenchmarkProcessWorstCase(b *testing.B) {
	pcm := vadtest.SpeechLike(1, 10)
	frames := make([]media.PCMFrame, len(pcm)/media.FrameSamples)
	for i := range frames {
		vadtest.Frame(&frames[i], pcm, i)
	}
	d := New(Config{MinLevelDB: -1, HighSNRDB: 1000, LowSNRDB: -1000, StrongSNRDB: 1000})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(&frames[i])
		if i++; i == len(frames) {
			i = 0
		}
	}
}
