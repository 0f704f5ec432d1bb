package pacer

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// frameSize is one 20 ms G.711 frame: 160 one-byte samples.
const frameSize = 160

// ringSink does what an outbound audio stream does on a tick: it copies a prepared 160-byte
// frame into its own ring of 8 frames, which a writer drains without blocking the clock.
type ringSink struct {
	src  *[frameSize]byte
	ring [8][frameSize]byte
	w    uint32
}

func (r *ringSink) Tick(Tick) {
	copy(r.ring[r.w%8][:], r.src[:])
	r.w++
}

// BenchmarkPacer runs the real clock for b.N ticks (use -benchtime 500x for 10 s) with many
// streams doing ringSink's work, and reports the send-clock lateness of every delivery:
// p50-ms, p99-ms and max-ms, the clock goroutines' wake-up lateness wake-p99-ms, the number
// of ticks skipped, and the process's CPU use in percent of one core (cpu-%).
func BenchmarkPacer(b *testing.B) {
	for _, streams := range []int{1000, 2000, 5000} {
		for _, shards := range []int{1, 2} {
			for _, spin := range []time.Duration{0, time.Millisecond} {
				b.Run(fmt.Sprintf("streams=%d/shards=%d/spin=%v", streams, shards, spin), func(b *testing.B) {
					benchmarkPacer(b, Config{Shards: shards, Spin: spin}, streams)
				})
			}
		}
	}
}

func benchmarkPacer(b *testing.B, cfg Config, streams int) {
	shards := max(cfg.Shards, 1)
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Stop(context.Background())
	var frame [frameSize]byte
	for i := range frame {
		frame[i] = byte(i)
	}
	for range streams {
		if _, err := p.Add(&ringSink{src: &frame}); err != nil {
			b.Fatal(err)
		}
	}
	// Wait until every stream has had a tick, so the run measures steady state.
	for p.Stats().Deliveries < uint64(streams) {
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	before := p.Stats()
	cpu0, wall0 := processCPU(), time.Now()
	for st := before; st.Ticks+st.Skipped < before.Ticks+before.Skipped+uint64(b.N*shards); st = p.Stats() {
		time.Sleep(5 * time.Millisecond)
	}
	cpu, wall := processCPU()-cpu0, time.Since(wall0)
	b.StopTimer()
	st := p.Stats()
	late := subtract(st.Lateness, before.Lateness)
	wake := subtract(st.Wake, before.Wake)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(late.Quantile(0.50)), "p50-ms")
	b.ReportMetric(ms(late.Quantile(0.99)), "p99-ms")
	b.ReportMetric(ms(st.Lateness.Max), "max-ms")
	b.ReportMetric(ms(wake.Quantile(0.50)), "wake-p50-ms")
	b.ReportMetric(ms(wake.Quantile(0.99)), "wake-p99-ms")
	b.ReportMetric(float64(st.Skipped-before.Skipped), "skipped")
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
	if d := st.Deliveries - before.Deliveries; d > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(d), "cpu-ns/delivery")
	}
}

// subtract returns the observations recorded between two snapshots. Max is not recoverable
// and is left as a's.
func subtract(a, b HistogramSnapshot) HistogramSnapshot {
	for i := range a.Counts {
		a.Counts[i] -= b.Counts[i]
	}
	a.Count -= b.Count
	a.Sum -= b.Sum
	return a
}

// BenchmarkPass measures the pacer's own cost of one tick over 1,000 ringSink streams, without
// waiting for the clock (ns/op is per tick; ns/delivery per stream).
func BenchmarkPass(b *testing.B) {
	sh := &shard{clock: SystemClock{}, start: time.Now(), interval: Interval}
	var frame [frameSize]byte
	const streams = 1000
	for range streams {
		if _, err := sh.add(&ringSink{src: &frame}); err != nil {
			b.Fatal(err)
		}
	}
	sh.takePending()
	b.ReportAllocs()
	b.ResetTimer()
	for n := int64(0); n < int64(b.N); n++ {
		sh.pass(n, sh.start)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*streams), "ns/delivery")
}
