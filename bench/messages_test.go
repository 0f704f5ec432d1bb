package bench

// The messaging benchmarks, recorded in docs/BENCHMARKS.md ("Messaging"):
//
//   - BenchmarkMessageAccept/{sqlite,postgres}: POST /v1/messages accepted per second over
//     loopback HTTP from concurrency() goroutines, spread round-robin over msgAcceptNumbers
//     numbers, with p50/p99 request latency. The job runner does not run (Options.NoJobs), so
//     every message stays queued: this measures acceptance (validation, the sender and
//     destination checks, the slot and the insert of the message, its event and its send job),
//     not sending. b.N messages (use -benchtime Nx).
//   - BenchmarkMessagesPaced/{sqlite,postgres}/numbers=N,mps=R: N numbers at R
//     messages_per_second each (N×R offered), msgPacedSlots seconds of slots per number
//     (N×R×msgPacedSlots messages, at most msgMaxMessages), posted over HTTP from
//     concurrency() goroutines round-robin over the numbers, while the job runner sends them.
//     The sandbox reports delivery after DeliveryDelay × msgScale. The benchmark waits until no
//     message is queued, sending or sent (every one delivered), then reads every message back
//     through GET /v1/messages (limit 100, paginated) and reports: sent/s (messages ÷ first
//     to last sent_at), accepted/s (messages ÷ time to post them all), slot lateness
//     sent_at − send_at p50/p99/max in ms, against the slot the POST answered (the message's
//     first slot) and against the stored send_at (a send job that starts more than 2 s late
//     gives its number's overdue messages new slots: "reslotted" counts the messages whose
//     send_at changed), and whether every number's messages were sent in the order of their
//     slots (order-violations: messages whose sent_at is before that of an earlier-slotted
//     message of the same number; inversion-max-ms: by how much, at most).
//   - BenchmarkMessagesBacklog/{sqlite,postgres}/numbers=N,mps=R: the same, except that the
//     job runner starts only once every message is queued (Options.NoJobs, then
//     Env.StartJobs), as after an outage: the send path alone at the numbers' full pace. The
//     first slots are then already past, so most messages are reslotted and their lateness
//     against the first slot is the backlog; lateness against the stored send_at is the one
//     to read.
//
// b.N is ignored by BenchmarkMessagesPaced (each sub-benchmark is one measurement: run with
// -benchtime 1x). Nothing is asserted about timing or order; a run fails when a message is
// refused, not sent or not delivered. Without -bench only TestMessagesFixture runs
// (SQLite, about a second).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

const (
	// msgTo is the recipient: a sandbox number whose texts are delivered.
	msgTo = "+12125550150"
	// msgBody is a one-segment GSM-7 text.
	msgBody = "Your table is ready. Reply STOP to stop."
	// msgAcceptNumbers is how many numbers BenchmarkMessageAccept spreads its messages over.
	msgAcceptNumbers = 8
	// msgScale scales the sandbox's delivery report (1 s → 10 ms).
	msgScale = 0.01
	// msgPacedSlots is how many seconds of slots each number gets in BenchmarkMessagesPaced.
	msgPacedSlots = 10
	// msgMaxMessages bounds the messages of one run.
	msgMaxMessages = 10_000
	// msgWait bounds the wait for every message to be delivered; reaching it fails the run.
	msgWait = 2 * time.Minute
)

// msgTarget is a running server with numbers that can text.
type msgTarget struct {
	env     *apitest.Env
	client  *http.Client
	numbers []string // E.164 numbers, each with SMS, messages_per_second set
	bodies  [][]byte // POST /v1/messages body for each number
}

// newMsgTarget starts the real server over dialect with opts (plus unlimited rate limits and
// room for the numbers), creates an agent and n numbers at mps messages a second, all through
// the API.
func newMsgTarget(tb testing.TB, dialect string, opts apitest.Options, n int, mps float64) *msgTarget {
	tb.Helper()
	opts.ReadsPerMinute, opts.WritesPerMinute, opts.MaxNumbersPerOrg = unlimited, unlimited, n+10
	env := apitest.Start(tb, dialect, opts)
	t := &msgTarget{env: env, client: newClient(tb)}
	var buf bytes.Buffer
	if err := t.do(http.MethodPost, "/v1/agents", []byte(agentBody), http.StatusCreated, &buf); err != nil {
		tb.Fatalf("create agent: %v", err)
	}
	var agent struct{ ID string }
	if err := json.Unmarshal(buf.Bytes(), &agent); err != nil {
		tb.Fatal(err)
	}
	patch := []byte(`{"messages_per_second":` + strconv.FormatFloat(mps, 'g', -1, 64) + `}`)
	for range n {
		if err := t.do(http.MethodPost, "/v1/phone-numbers", []byte(`{"agent_id":"`+agent.ID+`"}`), http.StatusCreated, &buf); err != nil {
			tb.Fatalf("create phone number: %v", err)
		}
		var pn dialtone.PhoneNumber
		if err := json.Unmarshal(buf.Bytes(), &pn); err != nil {
			tb.Fatal(err)
		}
		if err := t.do(http.MethodPatch, "/v1/phone-numbers/"+pn.ID, patch, http.StatusOK, &buf); err != nil {
			tb.Fatalf("set messages_per_second: %v", err)
		}
		t.numbers = append(t.numbers, pn.Number)
		t.bodies = append(t.bodies, []byte(`{"from_number":"`+pn.Number+`","to_number":"`+msgTo+`","body":"`+msgBody+`"}`))
	}
	return t
}

// do sends body to path as the admin and checks the status; buf holds the response body.
func (t *msgTarget) do(method, path string, body []byte, want int, buf *bytes.Buffer) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, t.env.URL+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.env.Admin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: read body: %v", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, body %s", method, path, resp.StatusCode, buf.Bytes())
	}
	return nil
}

// accepted is what the POST answered about one message.
type accepted struct {
	id     string
	number string
	sendAt time.Time
}

// send posts one message from number i and returns what the server answered.
func (t *msgTarget) send(i int, buf *bytes.Buffer) (accepted, error) {
	if err := t.do(http.MethodPost, "/v1/messages", t.bodies[i], http.StatusCreated, buf); err != nil {
		return accepted{}, err
	}
	var m dialtone.Message
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		return accepted{}, err
	}
	if m.Status != dialtone.MessageQueued || m.SendAt == nil || m.FromNumber != t.numbers[i] {
		return accepted{}, fmt.Errorf("POST /v1/messages: %s", buf.Bytes())
	}
	return accepted{id: m.ID, number: m.FromNumber, sendAt: *m.SendAt}, nil
}

// sendMany posts n messages from concurrency() goroutines, message k from number k mod
// len(numbers), and returns what was accepted (in no particular order) and each request's
// latency in ms, sorted.
func (t *msgTarget) sendMany(n int) ([]accepted, []float64, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		out      = make([]accepted, n)
		lat      = make([]float64, n)
	)
	for range concurrency() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for k := next.Add(1) - 1; k < int64(n); k = next.Add(1) - 1 {
				start := time.Now()
				a, err := t.send(int(k)%len(t.numbers), &buf)
				lat[k] = ms(time.Since(start))
				if err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n))
					return
				}
				out[k] = a
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	return out, lat, firstErr
}

// pending returns how many messages are still in status st (at most 1: it only asks whether
// there is one).
func (t *msgTarget) pending(ctx context.Context, st dialtone.MessageStatus) (bool, error) {
	page, _, err := t.env.Store.ListMessages(ctx, t.env.OrgID, dialtone.MessageFilter{Status: st}, dialtone.ListParams{Limit: 1})
	return len(page) > 0, err
}

// waitDelivered waits until no message is queued, sending or sent.
func (t *msgTarget) waitDelivered() error {
	ctx, cancel := context.WithTimeout(context.Background(), msgWait)
	defer cancel()
	for {
		busy := false
		for _, st := range []dialtone.MessageStatus{dialtone.MessageQueued, dialtone.MessageSending, dialtone.MessageSent} {
			b, err := t.pending(ctx, st)
			if err != nil {
				return fmt.Errorf("messages not all delivered within %v: %v", msgWait, err)
			}
			if b {
				busy = true
				break
			}
		}
		if !busy {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readAll reads every message of the organization back through GET /v1/messages, 100 a page.
func (t *msgTarget) readAll() ([]dialtone.Message, error) {
	var (
		all  []dialtone.Message
		buf  bytes.Buffer
		path = "/v1/messages?limit=100"
	)
	for {
		if err := t.do(http.MethodGet, path, nil, http.StatusOK, &buf); err != nil {
			return nil, err
		}
		var page dialtone.List[dialtone.Message]
		if err := json.Unmarshal(buf.Bytes(), &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if !page.HasMore || len(page.Data) == 0 {
			return all, nil
		}
		path = "/v1/messages?limit=100&starting_after=" + page.Data[len(page.Data)-1].ID
	}
}

// pacedResult is one paced run's measurements.
type pacedResult struct {
	messages, reslotted, violations int
	inversion                       time.Duration // the most a message was sent before an earlier-slotted one
	accept, send                    time.Duration // first POST to last answer; first to last sent_at
	late, lateStored                []float64     // sent_at − first slot, − stored send_at, ms, sorted
	postLat                         []float64     // POST latencies, ms, sorted
	cpu                             time.Duration // this process's CPU over the run
}

// runPaced posts n messages round-robin over t's numbers while they are sent, waits for all to
// be delivered, reads them back and checks and measures them. A target started with
// Options.NoJobs (backlog) has its job runner started only once every message is queued.
func (t *msgTarget) runPaced(tb testing.TB, n int, backlog bool) (pacedResult, error) {
	var res pacedResult
	cpu0 := cpuTime()
	start := time.Now()
	acc, lat, err := t.sendMany(n)
	res.accept, res.postLat = time.Since(start), lat
	if err != nil {
		return res, err
	}
	if backlog {
		t.env.StartJobs(tb)
	}
	if err := t.waitDelivered(); err != nil {
		return res, err
	}
	res.cpu = cpuTime() - cpu0
	msgs, err := t.readAll()
	if err != nil {
		return res, err
	}
	byID := make(map[string]dialtone.Message, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
	}
	if len(msgs) != n || len(byID) != n {
		return res, fmt.Errorf("read back %d messages (%d distinct), want %d", len(msgs), len(byID), n)
	}
	perNumber := make(map[string][]accepted)
	var first, last time.Time
	for _, a := range acc {
		m, ok := byID[a.id]
		if !ok {
			return res, fmt.Errorf("message %s not read back", a.id)
		}
		if m.Status != dialtone.MessageDelivered || m.SentAt == nil || m.SendAt == nil {
			return res, fmt.Errorf("message %s: status %s, sent_at %v", m.ID, m.Status, m.SentAt)
		}
		sent := *m.SentAt
		if first.IsZero() || sent.Before(first) {
			first = sent
		}
		if sent.After(last) {
			last = sent
		}
		res.late = append(res.late, ms(sent.Sub(a.sendAt)))
		res.lateStored = append(res.lateStored, ms(sent.Sub(*m.SendAt)))
		if !m.SendAt.Equal(a.sendAt) {
			res.reslotted++
		}
		perNumber[a.number] = append(perNumber[a.number], a)
	}
	for _, as := range perNumber {
		slices.SortFunc(as, func(x, y accepted) int { return x.sendAt.Compare(y.sendAt) })
		var prev time.Time
		for _, a := range as {
			sent := *byID[a.id].SentAt
			if sent.Before(prev) {
				res.violations++
				res.inversion = max(res.inversion, prev.Sub(sent))
			}
			if sent.After(prev) {
				prev = sent
			}
		}
	}
	res.messages, res.send = n, last.Sub(first)
	slices.Sort(res.late)
	slices.Sort(res.lateStored)
	return res, nil
}

// BenchmarkMessageAccept measures POST /v1/messages accepted per second, with the job runner
// off.
func BenchmarkMessageAccept(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			t := newMsgTarget(b, dialect, apitest.Options{NoJobs: true}, msgAcceptNumbers, 1000)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			_, lat, err := t.sendMany(b.N)
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(quantile(lat, 0.50), "p50-ms")
			b.ReportMetric(quantile(lat, 0.99), "p99-ms")
		})
	}
}

// BenchmarkMessagesPaced measures messages sent per second at their numbers' pace, and how
// late and in what order they leave, with the messages posted while others are sent.
func BenchmarkMessagesPaced(b *testing.B) { benchPaced(b, false) }

// BenchmarkMessagesBacklog is BenchmarkMessagesPaced with every message queued before the
// job runner starts (as after an outage): the send path alone, at the numbers' full pace.
func BenchmarkMessagesBacklog(b *testing.B) { benchPaced(b, true) }

func benchPaced(b *testing.B, backlog bool) {
	cases := []struct {
		numbers int
		mps     float64
	}{{50, 10}, {100, 20}}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for _, c := range cases {
				b.Run(fmt.Sprintf("numbers=%d,mps=%g", c.numbers, c.mps), func(b *testing.B) {
					t := newMsgTarget(b, dialect, apitest.Options{TimeScale: msgScale, NoJobs: backlog}, c.numbers, c.mps)
					n := min(msgMaxMessages, int(float64(c.numbers)*c.mps*msgPacedSlots))
					b.ResetTimer()
					res, err := t.runPaced(b, n, backlog)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					reportPaced(b, c.numbers, c.mps, res)
				})
			}
		})
	}
}

// reportPaced reports res as benchmark metrics.
func reportPaced(b *testing.B, numbers int, mps float64, res pacedResult) {
	b.ReportMetric(float64(numbers)*mps, "offered/s")
	b.ReportMetric(float64(res.messages), "messages")
	b.ReportMetric(float64(res.messages)/res.accept.Seconds(), "accepted/s")
	b.ReportMetric(float64(res.messages)/res.send.Seconds(), "sent/s")
	b.ReportMetric(quantile(res.postLat, 0.99), "post-p99-ms")
	b.ReportMetric(quantile(res.late, 0.50), "late-p50-ms")
	b.ReportMetric(quantile(res.late, 0.99), "late-p99-ms")
	b.ReportMetric(res.late[len(res.late)-1], "late-max-ms")
	b.ReportMetric(quantile(res.lateStored, 0.99), "late-stored-p99-ms")
	b.ReportMetric(float64(res.reslotted), "reslotted")
	b.ReportMetric(float64(res.violations), "order-violations")
	b.ReportMetric(ms(res.inversion), "inversion-max-ms")
	b.ReportMetric(float64(res.cpu.Microseconds())/float64(res.messages), "cpu-µs/msg")
}

// TestMessagesFixture checks the messaging harness on SQLite without timing anything: a few
// messages over two numbers are all accepted, sent, delivered and read back. It does not
// check their order (see docs/BENCHMARKS.md: overdue messages of a number race).
func TestMessagesFixture(t *testing.T) {
	tg := newMsgTarget(t, "sqlite", apitest.Options{TimeScale: msgScale}, 2, 50)
	res, err := tg.runPaced(t, 20, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.messages != 20 || len(res.late) != 20 {
		t.Fatalf("messages %d, sent %d", res.messages, len(res.late))
	}
	t.Logf("order violations %d (by up to %v), reslotted %d", res.violations, res.inversion, res.reslotted)
}
