package dtmf

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestGeneratorRejectsBadInput(t *testing.T) {
	good := DefaultGeneratorConfig()
	for name, tc := range map[string]struct {
		digits string
		cfg    GeneratorConfig
	}{
		"empty":          {"", good},
		"letter":         {"12E", good},
		"space":          {"1 2", good},
		"comma":          {"1,2", good},
		"zero tone":      {"1", GeneratorConfig{Tone: 0, LowLevel: -8, HighLevel: -6}},
		"negative gap":   {"1", GeneratorConfig{Tone: time.Second, Gap: -1, LowLevel: -8, HighLevel: -6}},
		"too loud":       {"1", GeneratorConfig{Tone: time.Second, LowLevel: 0, HighLevel: -6}},
		"NaN level":      {"1", GeneratorConfig{Tone: time.Second, LowLevel: -8, HighLevel: math.NaN()}},
		"zero value cfg": {"1", GeneratorConfig{}},
	} {
		if _, err := NewGenerator(tc.digits, tc.cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGeneratorFramesAndLength(t *testing.T) {
	cfg := DefaultGeneratorConfig()
	cfg.Tone, cfg.Gap = 70*time.Millisecond, 30*time.Millisecond
	g, err := NewGenerator("12#", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3*560 + 2*240; g.Len() != want {
		t.Fatalf("Len %d, want %d", g.Len(), want)
	}
	var all []int16
	frame := make([]int16, FrameSize)
	frames := 0
	for more := true; more; {
		more = g.Fill(frame)
		all = append(all, frame...)
		frames++
	}
	if !g.Done() || frames != (g.Len()+FrameSize-1)/FrameSize {
		t.Fatalf("Done=%v after %d frames for %d samples", g.Done(), frames, g.Len())
	}
	// The frames are the whole sequence followed by silence, and chunking does not matter.
	whole := generateCfg(t, "12#", cfg)
	if !slices.Equal(all[:len(whole)], whole) || slices.ContainsFunc(all[len(whole):], func(v int16) bool { return v != 0 }) {
		t.Fatal("frame-by-frame output differs from one Fill of the whole sequence")
	}
	// Tone, gap, tone, gap, tone.
	if slices.ContainsFunc(whole[560:800], func(v int16) bool { return v != 0 }) {
		t.Fatal("gap is not silent")
	}
	peak := 0.0
	for _, v := range whole {
		peak = max(peak, math.Abs(float64(v)))
	}
	if lim := amplitude(-8) + amplitude(-6) + 1; peak > lim || peak < lim*0.9 {
		t.Fatalf("peak %v, want just under %v", peak, lim)
	}
	if g.Fill(frame) || slices.ContainsFunc(frame, func(v int16) bool { return v != 0 }) {
		t.Fatal("Fill after the end did not write silence")
	}
}

func TestGeneratorDoesNotAllocate(t *testing.T) {
	g, err := NewGenerator("0123456789", DefaultGeneratorConfig())
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSize)
	if a := testing.AllocsPerRun(100, func() { g.Fill(frame) }); a != 0 {
		t.Fatalf("%v allocations per frame", a)
	}
}
