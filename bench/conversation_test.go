package bench

// The conversation engine benchmark, recorded in docs/BENCHMARKS.md ("Conversation engine"):
//
//   - BenchmarkConversations/pacer={default,spin,shards2}/rec={on,off}/calls=N: N concurrent sandbox
//     conversations (internal/session over internal/carrier/sandbox legs, all in process) at
//     real time on one shared send clock (internal/media/pacer, 20 ms). Every far end plays
//     convPersona, which keeps talking for minutes, and the agent's scripted brain answers
//     every turn with a sentence in sandbox tone speech, so every call continuously runs VAD,
//     tone decoding, DTMF detection, speech synthesis and (rec=on) its two-channel recording.
//     Once every call is up and convWarmup has passed, the benchmark measures for convWindow
//     and reports the pacer's send lateness over that window, its skipped ticks, the process
//     CPU, the agent turns completed, the engine's first_audio stage of those turns
//     (end-of-turn decision to the reply's first frame out) and the heap and goroutines per
//     live call. b.N is ignored: each sub-benchmark is one measurement.
//   - BenchmarkConversationFirstAudio/calls=1: the same for one call over 60 s with one-word
//     turns, to collect more first_audio samples at no load.
//
// Run with: go test ./bench -run '^$' -bench Conversation -benchtime 1x -timeout 30m

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/scripted"
	"github.com/dialtonehq/dialtone/internal/carrier/sandbox"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/session"
)

const (
	// convWindow is the measured wall time, after every call is up and convWarmup passed.
	convWindow = 20 * time.Second
	// convWarmup lets the calls' greetings and first turns spread out before measuring.
	convWarmup = 5 * time.Second
	// convStagger spaces the calls' starts, so their turns do not all line up.
	convStagger = 2 * time.Millisecond
	// convSpin is the pacer's Spin in the pacer=spin runs.
	convSpin = 2 * time.Millisecond
	// convVoice is the agent's voice: sandbox tone speech, low register.
	convVoice = "sandbox-en-us-low"
)

// convLines are what the far end says, one per step, in turn.
var convLines = []string{
	"Hi, I would like to know your opening hours.",
	"Do you also open on saturday mornings?",
	"And what about public holidays this month?",
	"Can I book a table for four people tonight?",
	"Is there parking near the restaurant?",
}

// convPersona talks for the whole measurement: 50 steps, each waiting for the agent to finish
// and then saying a sentence of about three seconds (every fifth step also presses a key).
func convPersona() *dialtone.Persona {
	p := &dialtone.Persona{Name: "bench-talker"}
	for i := range dialtone.MaxPersonaSteps {
		st := dialtone.PersonaStep{Wait: dialtone.WaitAgent, Say: convLines[i%len(convLines)]}
		if i%5 == 4 {
			st.Press = "1"
		}
		p.Steps = append(p.Steps, st)
	}
	return p
}

// convAgent answers every turn with a sentence.
func convAgent() dialtone.Agent {
	return dialtone.Agent{
		ID: "agt_bench", Greeting: "Hello, this is the bench restaurant.", Voice: convVoice,
		MaxCallDurationSeconds: 600,
		Brain: dialtone.Brain{
			Type: dialtone.BrainScripted,
			Rules: []dialtone.ScriptRule{
				{Match: "hours", Say: "We are open from nine to five."},
				{Match: "saturday", Say: "Yes, from ten to two."},
			},
			Fallback: "Let me check that for you, one moment.",
		},
	}
}

// convControl is the call service's side of the conversations: it counts the agent's
// completed turns and, while measuring, keeps their first_audio latency.
type convControl struct {
	agentTurns atomic.Int64
	measuring  atomic.Bool
	mu         sync.Mutex
	firstAudio []float64 // ms
}

func (c *convControl) Publish(_ context.Context, _ string, ev dialtone.ConversationEvent) {
	if ev.Object != dialtone.EventCallTranscriptTurn || ev.Turn == nil || ev.Turn.Speaker != dialtone.SpeakerAgent {
		return
	}
	c.agentTurns.Add(1)
	if ev.Latency != nil && ev.Latency.FirstAudioMS != nil && c.measuring.Load() {
		c.mu.Lock()
		c.firstAudio = append(c.firstAudio, *ev.Latency.FirstAudioMS)
		c.mu.Unlock()
	}
}

func (*convControl) Transfer(context.Context, string, string) error { return nil }

// convEvents ignores the carrier's events (the far end never hangs up during the run).
type convEvents struct{}

func (convEvents) CallEvent(context.Context, dialtone.CarrierEvent) {}

func BenchmarkConversations(b *testing.B) {
	for _, pc := range []struct {
		name   string
		spin   time.Duration
		shards int
	}{{"default", 0, 0}, {"spin", convSpin, 0}, {"shards2", 0, 2}} {
		b.Run("pacer="+pc.name, func(b *testing.B) {
			for _, rec := range []bool{true, false} {
				b.Run(fmt.Sprintf("rec=%s", map[bool]string{true: "on", false: "off"}[rec]), func(b *testing.B) {
					for _, n := range []int{1, 100, 250, 500, 1000} {
						b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
							runConversations(b, convRun{calls: n, record: rec, spin: pc.spin, shards: pc.shards, persona: convPersona(), agent: convAgent(), window: convWindow})
						})
					}
				})
			}
		})
	}
}

// BenchmarkConversationFirstAudio measures the first_audio stage with one call at a time and
// short turns (the caller says a word, the agent answers with one), so that a minute holds
// about thirty agent turns instead of the main benchmark's handful.
func BenchmarkConversationFirstAudio(b *testing.B) {
	p := &dialtone.Persona{Name: "bench-short"}
	for range dialtone.MaxPersonaSteps {
		p.Steps = append(p.Steps, dialtone.PersonaStep{Wait: dialtone.WaitAgent, Say: "Okay."})
	}
	a := convAgent()
	a.Greeting, a.Brain.Rules, a.Brain.Fallback = "Hi.", nil, "Sure."
	b.Run("calls=1", func(b *testing.B) {
		runConversations(b, convRun{calls: 1, record: true, persona: p, agent: a, window: 60 * time.Second})
	})
}

// convRun is one measurement: calls concurrent conversations of agent with far ends playing
// persona, measured for window.
type convRun struct {
	calls   int
	record  bool
	spin    time.Duration
	shards  int // the pacer's clock goroutines; 0 means 1
	persona *dialtone.Persona
	agent   dialtone.Agent
	window  time.Duration
}

// runConversations runs and reports one measurement.
func runConversations(b *testing.B, r convRun) {
	n := r.calls
	p, err := pacer.New(pacer.Config{Spin: r.spin, Shards: r.shards})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Stop(context.Background()) }()
	cfg := session.Config{Pacer: p}
	if r.record {
		cfg.RecordingsDir = b.TempDir()
	}
	eng, err := session.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	carrier := &sandbox.Carrier{}
	ctl := &convControl{}
	agent, persona := r.agent, r.persona

	heap0, gor0 := liveHeap()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	convs := make([]dialtone.Conversation, 0, n)
	for i := range n {
		id := fmt.Sprintf("call_bench%06d", i)
		leg, err := carrier.SimulateCaller(ctx, dialtone.SimulatedCall{
			CallID: id, From: "+12125550100", To: "+12125550199", AgentVoice: convVoice,
			Persona: dialtone.PersonaSpec{Custom: persona},
		}, convEvents{})
		if err != nil {
			b.Fatal(err)
		}
		conv, err := eng.Start(ctx, dialtone.ConversationStart{
			Call: dialtone.Call{ID: id}, Agent: agent, Greeting: agent.Greeting, Leg: leg, Control: ctl,
		})
		if err != nil {
			b.Fatal(err)
		}
		convs = append(convs, conv)
		time.Sleep(convStagger)
	}
	time.Sleep(convWarmup)
	heap1, gor1 := liveHeap()
	for i, c := range convs {
		select {
		case <-c.Done():
			b.Fatalf("conversation %d ended before the measurement: %+v", i, c.Result().EndedReason)
		default:
		}
	}

	b.ResetTimer()
	st0 := p.Stats()
	turns0 := ctl.agentTurns.Load()
	cpu0 := cpuTime()
	ctl.measuring.Store(true)
	start := time.Now()
	time.Sleep(r.window)
	wall := time.Since(start)
	ctl.measuring.Store(false)
	cpu1 := cpuTime()
	st1 := p.Stats()
	turns1 := ctl.agentTurns.Load()
	b.StopTimer()

	ended := 0
	for _, c := range convs {
		select {
		case <-c.Done():
			ended++
		default:
		}
	}
	cancel()
	for _, c := range convs {
		<-c.Done()
	}

	ctl.mu.Lock()
	fa := slices.Clone(ctl.firstAudio)
	ctl.mu.Unlock()
	slices.Sort(fa)

	reportPacing(b, st0, st1)
	b.ReportMetric(100*float64(cpu1-cpu0)/float64(wall)/float64(runtime.GOMAXPROCS(0)), "cpu-%")
	b.ReportMetric(float64(turns1-turns0), "agent-turns")
	b.ReportMetric(float64(len(fa)), "first-audio-n")
	b.ReportMetric(quantile(fa, 0.50), "first-audio-p50-ms")
	b.ReportMetric(quantile(fa, 0.95), "first-audio-p95-ms")
	b.ReportMetric(quantile(fa, 0.99), "first-audio-p99-ms")
	b.ReportMetric(quantile(fa, 1), "first-audio-max-ms")
	b.ReportMetric(float64(int64(heap1)-int64(heap0))/1024/float64(n), "heap-KiB/call")
	b.ReportMetric(float64(gor1-gor0)/float64(n), "goroutines/call")
	b.ReportMetric(float64(ended), "ended-early")
}

// liveHeap returns HeapInuse after a full collection, and the number of goroutines.
func liveHeap() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, runtime.NumGoroutine()
}

// cpuTime returns the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// diffHist returns the observations of a that are not in b (b taken earlier). Max stays a's:
// Quantile(1) of the difference is the upper edge of the highest bucket it holds, capped there.
// reportPacing reports the send clock's work between two snapshots: send lateness
// p50/p99/p99.9/max and wake-up p99 in ms, skipped ticks, missed and made deliveries. It
// returns the send lateness between them.
func reportPacing(b *testing.B, st0, st1 pacer.Stats) pacer.HistogramSnapshot {
	late := diffHist(st1.Lateness, st0.Lateness)
	wake := diffHist(st1.Wake, st0.Wake)
	msOf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(msOf(late.Quantile(0.50)), "p50-lateness-ms")
	b.ReportMetric(msOf(late.Quantile(0.99)), "p99-lateness-ms")
	b.ReportMetric(msOf(late.Quantile(0.999)), "p999-lateness-ms")
	b.ReportMetric(msOf(late.Quantile(1)), "max-lateness-ms")
	b.ReportMetric(msOf(wake.Quantile(0.99)), "p99-wake-ms")
	b.ReportMetric(float64(st1.Skipped-st0.Skipped), "skipped-ticks")
	b.ReportMetric(float64(st1.MissedDeliveries-st0.MissedDeliveries), "missed-deliveries")
	b.ReportMetric(float64(late.Count), "deliveries")
	return late
}

func diffHist(a, b pacer.HistogramSnapshot) pacer.HistogramSnapshot {
	d := a
	for i := range d.Counts {
		d.Counts[i] -= b.Counts[i]
	}
	d.Count -= b.Count
	d.Sum -= b.Sum
	return d
}

// quantile returns the q-quantile of sorted v by the nearest-rank method; NaN for none.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[min(len(v)-1, max(0, i))]
}

// TestConversationFixture checks, without running a call, that the benchmark's persona and
// agent are valid.
func TestConversationFixture(t *testing.T) {
	if fe := convPersona().Validate("persona"); len(fe) > 0 {
		t.Fatalf("persona: %v", fe)
	}
	if _, err := scripted.New(convAgent()); err != nil {
		t.Fatalf("agent: %v", err)
	}
	var h pacer.Histogram
	h.Record(time.Millisecond)
	s0 := h.Snapshot()
	h.Record(5 * time.Millisecond)
	if d := diffHist(h.Snapshot(), s0); d.Count != 1 || d.Quantile(1) < 5*time.Millisecond {
		t.Fatalf("diffHist: count %d, max %v", d.Count, d.Quantile(1))
	}
}
