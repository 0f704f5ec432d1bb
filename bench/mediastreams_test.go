package bench

// The Twilio Media Streams benchmark, recorded in docs/BENCHMARKS.md ("Twilio Media Streams"):
//
//   - BenchmarkTwilioMediaStreams/calls=N: how many concurrent calls over Twilio Media Streams
//     one server process carries while keeping the 20 ms send clock. The server is the real
//     one (internal/apitest over SQLite, the Twilio carrier, the conversation engine with
//     recording on) in the benchmark's process. Twilio is a separate process: the test binary
//     re-executed as TestTwilioLoadGenerator (tlChildEnv set), which serves the fake REST API
//     (twiliotest.Fake) and, for every call the server places through it, answers the call
//     (the signed answer webhook, then the WebSocket) and plays the callee: 20 ms µ-law media
//     every 20 ms (Continuous), a sentence of sandbox tone speech every tlSayPeriod, and a
//     real-time player of the agent's audio. The levels ramp up in the same server: each adds
//     calls (POST /v1/calls) until N conversations are live, waits tlWarmup, then measures for
//     tlWindow the pacer's send lateness, its skipped ticks, the server process's CPU
//     (getrusage) and the generator's (/proc/<pid>/stat). The ramp stops after the first level
//     whose p99 lateness exceeds tlMaxP99, or whose calls did not all come up or stay up.
//     b.N is ignored: each sub-benchmark is one measurement.
//
// Run with: go test ./bench -run '^$' -bench TwilioMediaStreams -benchtime 1x -timeout 30m
// DIALTONE_TWILIO_LEVELS=50,100 picks the levels (default tlLevels);
// DIALTONE_TWILIO_MAX_P99=0 never stops the ramp for lateness (default tlMaxP99). To give the server and
// the generator a core each: DIALTONE_TWILIO_GEN_CPUS=1 taskset -c 0 go test … (taskset execs
// the generator, so its CPU is still read from /proc/<pid>/stat).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/pacer"
	"github.com/dialtonehq/dialtone/internal/session"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

const (
	// tlChildEnv, when set, makes TestTwilioLoadGenerator run the load generator.
	tlChildEnv = "DIALTONE_TWILIOLOAD_CHILD"
	// tlLevelsEnv overrides tlLevels (comma-separated call counts).
	tlLevelsEnv = "DIALTONE_TWILIO_LEVELS"
	// tlGenCPUsEnv, when set (a taskset CPU list such as "1"), runs the generator under
	// taskset -c with it: with the benchmark itself under taskset -c 0, the server and the
	// generator each have a core of their own.
	tlGenCPUsEnv = "DIALTONE_TWILIO_GEN_CPUS"
	// tlMaxP99Env overrides tlMaxP99 (a duration; 0 never stops the ramp for lateness).
	tlMaxP99Env = "DIALTONE_TWILIO_MAX_P99"
	// tlAccount, tlToken and tlNumber are the Twilio account and the number the agent calls from.
	tlAccount = "AC0000000000000000000000000000beec"
	tlToken   = "bench-auth-token"
	tlNumber  = "+14155550100"
	// tlWarmup is the wait after a level's calls are all live, so their turns spread out.
	tlWarmup = 5 * time.Second
	// tlWindow is the measured wall time of a level.
	tlWindow = 15 * time.Second
	// tlMaxP99 ends the ramp: no level is run after one whose p99 lateness is above it.
	tlMaxP99 = 5 * time.Millisecond
	// tlEstablish bounds the wait for a level's calls to be live.
	tlEstablish = 2 * time.Minute
	// tlSayPeriod is how often each callee says tlLine (the first time after a random delay
	// below it); the agent's reply to it lasts about 5 s.
	tlSayPeriod = 12 * time.Second
	// tlLine is what the callee says.
	tlLine = "What are your opening hours?"
)

// tlLevels are the default call counts of the ramp.
var tlLevels = []int{50, 100, 200, 300, 400, 600, 800, 1000}

// tlAgent speaks sandbox tone speech (high register) and answers every caller sentence with
// a reply of about five seconds.
const tlAgent = `{"name":"Bench desk","voice":"sandbox-en-us-high",
	"greeting":"Hello, this is the bench restaurant, how can I help you today?",
	"max_call_duration_seconds":1800,
	"brain":{"type":"scripted","rules":[
		{"match":"opening hours","say":"We are open from nine in the morning to five in the evening, every day but sunday."}],
	"fallback":"Let me check that for you, one moment please."}}`

// BenchmarkTwilioMediaStreams ramps concurrent Twilio Media Streams calls (see the file's
// comment).
func BenchmarkTwilioMediaStreams(b *testing.B) {
	levels := tlLevels
	if s := os.Getenv(tlLevelsEnv); s != "" {
		levels = nil
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("%s: %q is not a call count", tlLevelsEnv, f)
			}
			levels = append(levels, n)
		}
	}

	maxP99 := tlMaxP99
	if s := os.Getenv(tlMaxP99Env); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("%s: %v", tlMaxP99Env, err)
		}
		maxP99 = d
	}

	p, err := pacer.New(pacer.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Stop(context.Background()) }) // after the server's cleanups
	gen := startLoadGenerator(b)
	env := apitest.Start(b, "sqlite", apitest.Options{
		TwilioAPIURL: gen.url, ReadsPerMinute: unlimited, WritesPerMinute: unlimited,
		MaxConcurrentCalls: 1 << 20, MaxQueuedCalls: 1 << 20, Engine: session.Config{Pacer: p},
	})
	b.Cleanup(gen.stop) // first: the callees hang up, then the server stops

	client := newClient(b)
	agent := tlPost(b, client, env, "/v1/agents", tlAgent)
	tlPost(b, client, env, "/v1/phone-numbers/import", `{"phone_number":"`+tlNumber+`","carrier":"twilio",`+
		`"twilio_account_sid":"`+tlAccount+`","twilio_auth_token":"`+tlToken+`","agent_id":"`+agent+`"}`)

	placed := 0
	stopped := ""
	for _, n := range levels {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			if stopped != "" {
				b.Skipf("the ramp stopped: %s", stopped)
			}
			if err := tlPlace(client, env, agent, placed, n); err != nil {
				stopped = err.Error()
				b.Fatal(err)
			}
			placed = n
			deadline := time.Now().Add(tlEstablish)
			for env.Engine.Live() < n {
				if time.Now().After(deadline) {
					answered, failed, first := gen.stats(b)
					stopped = fmt.Sprintf("%d of %d calls live after %v (generator: %d answered, %d failed, first error %q)",
						env.Engine.Live(), n, tlEstablish, answered, failed, first)
					b.Fatal(stopped)
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(tlWarmup)

			b.ResetTimer()
			st0, cpu0, gcpu0 := p.Stats(), cpuTime(), gen.cpu()
			start := time.Now()
			time.Sleep(tlWindow)
			wall := time.Since(start)
			st1, cpu1, gcpu1 := p.Stats(), cpuTime(), gen.cpu()
			b.StopTimer()
			live := env.Engine.Live()
			_, failed, _ := gen.stats(b)

			cores := float64(cpu1-cpu0) / float64(wall)
			late := reportPacing(b, st0, st1)
			b.ReportMetric(float64(live), "live-calls")
			b.ReportMetric(float64(failed), "gen-failed")
			b.ReportMetric(100*cores, "server-cpu-%core")
			b.ReportMetric(100*float64(gcpu1-gcpu0)/float64(wall), "gen-cpu-%core")
			b.ReportMetric(float64(n)/cores, "calls/server-core")
			b.ReportMetric(float64(n)/float64(runtime.NumCPU()), "calls/nproc")
			switch {
			case live < n:
				stopped = fmt.Sprintf("%d of %d calls ended during calls=%d", n-live, n, n)
			case failed > 0:
				stopped = fmt.Sprintf("the generator failed %d answers", failed)
			case maxP99 > 0 && late.Quantile(0.99) > maxP99:
				stopped = fmt.Sprintf("p99 lateness %v > %v at calls=%d", late.Quantile(0.99), maxP99, n)
			}
		})
	}
}

// tlPost posts body to path as the admin, requires 201, and returns the answer's id.
func tlPost(tb testing.TB, client *http.Client, env *apitest.Env, path, body string) string {
	tb.Helper()
	id, err := tlPostErr(client, env, path, body)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func tlPostErr(client *http.Client, env *apitest.Env, path, body string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var v struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &v) != nil || v.ID == "" {
		return "", fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, raw)
	}
	return v.ID, nil
}

// tlPlace places calls from..to-1 (each to its own number) from concurrency() goroutines.
func tlPlace(client *http.Client, env *apitest.Env, agent string, from, to int) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	next.Store(int64(from))
	for range concurrency() {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(to); i = next.Add(1) - 1 {
				body := fmt.Sprintf(`{"agent_id":%q,"to_number":"+1212555%04d"}`, agent, i)
				if _, err := tlPostErr(client, env, "/v1/calls", body); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(to))
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// loadGenerator is the child process that plays Twilio.
type loadGenerator struct {
	cmd   *exec.Cmd
	url   string // its REST API
	in    io.WriteCloser
	out   *bufio.Scanner
	mu    sync.Mutex // one stats request at a time
	once  sync.Once
	ticks float64 // clock ticks per second of /proc/<pid>/stat
}

// startLoadGenerator re-executes the test binary as the load generator and reads its URL.
func startLoadGenerator(tb testing.TB) *loadGenerator {
	tb.Helper()
	args := []string{os.Args[0], "-test.run=^TestTwilioLoadGenerator$", "-test.count=1"}
	if cpus := os.Getenv(tlGenCPUsEnv); cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), tlChildEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	g := &loadGenerator{cmd: cmd, in: in, out: bufio.NewScanner(out), ticks: 100}
	line, err := g.reply("url")
	if err != nil {
		g.stop()
		tb.Fatalf("load generator: %v", err)
	}
	g.url = line
	return g
}

// reply returns the generator's next line starting with "twilioload <kind> ", without it.
func (g *loadGenerator) reply(kind string) (string, error) {
	prefix := "twilioload " + kind + " "
	for g.out.Scan() {
		if s, ok := strings.CutPrefix(g.out.Text(), prefix); ok {
			return s, nil
		}
	}
	return "", fmt.Errorf("no %q line: %v", kind, orEOF(g.out.Err()))
}

// orEOF returns err, or io.ErrUnexpectedEOF for nil (the output ended).
func orEOF(err error) error {
	if err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// stats asks the generator how many calls it answered and failed to answer.
func (g *loadGenerator) stats(tb testing.TB) (answered, failed int, firstErr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, err := io.WriteString(g.in, "stats\n"); err != nil {
		tb.Fatalf("load generator: %v", err)
	}
	line, err := g.reply("stats")
	if err != nil {
		tb.Fatalf("load generator: %v", err)
	}
	a, rest, _ := strings.Cut(line, " ")
	f, first, _ := strings.Cut(rest, " ")
	answered, _ = strconv.Atoi(a)
	failed, _ = strconv.Atoi(f)
	return answered, failed, first
}

// cpu returns the generator's user plus system CPU time so far.
func (g *loadGenerator) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", g.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
	_, rest, _ := bytes.Cut(raw, []byte(") "))
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return time.Duration((u + s) / g.ticks * float64(time.Second))
}

// stop closes the generator's stdin (its callees hang up and it exits) and waits for it.
func (g *loadGenerator) stop() {
	g.once.Do(func() {
		_ = g.in.Close()
		done := make(chan struct{})
		go func() {
			for g.out.Scan() { // drain, so the child never blocks writing
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = g.cmd.Process.Kill()
		}
		_ = g.cmd.Wait()
	})
}

// TestTwilioLoadGenerator is BenchmarkTwilioMediaStreams's load generator; without tlChildEnv
// it is skipped. It serves the fake Twilio REST API, prints "twilioload url <URL>", answers
// every call created through it and plays the callee, and answers each "stats" line on stdin
// with "twilioload stats <answered> <failed> <first error>". It ends when stdin closes.
func TestTwilioLoadGenerator(t *testing.T) {
	if os.Getenv(tlChildEnv) == "" {
		t.Skip("the load generator of BenchmarkTwilioMediaStreams; it runs only as its child process")
	}
	line, err := tlCallerFrames(tlLine)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fake := twiliotest.New()
	defer fake.Close()
	fake.AddAccount(tlAccount, tlToken)
	fake.AddNumber(tlAccount, tlNumber)

	var (
		wg                 sync.WaitGroup
		answered, failures atomic.Int64
		errMu              sync.Mutex
		firstErr           error
	)
	fake.SetCallHooks(func(c twiliotest.OutboundCall) {
		wg.Go(func() {
			s, err := fake.AnswerCall(ctx, c.SID, "human", twiliotest.StreamOptions{})
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					failures.Add(1)
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
				}
				return
			}
			answered.Add(1)
			defer s.Close()
			tlCallee(ctx, s, line)
		})
	}, nil)

	fmt.Printf("twilioload url %s\n", fake.URL())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "stats" {
			errMu.Lock()
			msg := ""
			if firstErr != nil {
				msg = strconv.Quote(firstErr.Error())
			}
			errMu.Unlock()
			fmt.Printf("twilioload stats %d %d %s\n", answered.Load(), failures.Load(), msg)
		}
	}
	cancel()
	wg.Wait()
}

// tlCallee says line every tlSayPeriod, after a random first delay, until ctx ends; the
// stream sends silence in between (Continuous).
func tlCallee(ctx context.Context, s *twiliotest.Stream, line []dialtone.AudioFrame) {
	wait := rand.N(tlSayPeriod)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if s.SendAudio(ctx, line) != nil {
			return
		}
		wait = tlSayPeriod
	}
}

// tlCallerFrames is the caller's speech of text as Twilio carries it (µ-law, sandbox tone
// speech in the low register), followed by a second of silence.
func tlCallerFrames(text string) ([]dialtone.AudioFrame, error) {
	pcm, err := ttsstreamtest.Tones(sandbox.RegisterLow, text)
	if err != nil {
		return nil, err
	}
	pcm = append(pcm, make([]int16, media.SampleRate)...)
	frames := make([]dialtone.AudioFrame, (len(pcm)+media.FrameSamples-1)/media.FrameSamples)
	for i := range frames {
		var f media.PCMFrame
		copy(f[:], pcm[i*media.FrameSamples:])
		media.EncodeFrame((*media.Frame)(&frames[i]), &f)
	}
	return frames, nil
}
