package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// process is a `dialtone serve` running as its own operating-system process.
type process struct {
	cmd    *exec.Cmd
	base   string        // http://127.0.0.1:port
	cred   string        // the bootstrap credential, when this process created the database
	exited chan struct{} // closed once the process has exited and been waited for
}

// buildBinary compiles this command once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dialtone")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs bin serve with args and waits until it listens (and, on an empty
// database, has printed the credential). The process is stopped with SIGINT when the test
// ends.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p := &process{cmd: cmd, exited: exited}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	ready := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			if m := listenLine.FindStringSubmatch(line); m != nil {
				p.base = m[1]
			}
			if m := credentialLine.FindStringSubmatch(line); m != nil {
				p.cred = m[1]
			}
			if !signalled && p.base != "" && (p.cred != "" || strings.Contains(line, "existing database")) {
				signalled = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
	}()
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("serve exited early:\n%s", stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", stderr.String())
	}
	return p
}

// kill ends the process with SIGKILL, as a crash would, and waits until it has exited. The
// cleanup of startProcess then finds it gone and returns at once.
func (p *process) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the killed process did not exit")
	}
}

// do sends one API request and decodes a 2xx answer into out.
func (p *process) do(t *testing.T, cred, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+cred)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Errorf("%s %s: %v", method, path, err)
	}
}

// TestCapHoldsAcrossProcesses runs two `dialtone serve` processes on one PostgreSQL database
// with a cap of 10 live calls, creates 25 calls at once through both, and checks from the
// recorded timestamps that no more than 10 were ever live and that all 25 ended.
func TestCapHoldsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	url := sqltest.PostgresURL(t)
	bin := buildBinary(t)
	flags := []string{"--database-url", url, "--secret-key", testSecretKey, "--max-concurrent-calls", "10", "--sandbox-time-scale", "0.02",
		"--rate-limit-writes-per-minute", "10000", "--recordings-dir", t.TempDir()}
	a := startProcess(t, bin, flags...)
	b := startProcess(t, bin, flags...)
	if a.cred == "" || b.cred != "" {
		t.Fatalf("the first process should bootstrap, the second reuse: %q %q", a.cred, b.cred)
	}
	cred := a.cred

	var agent dialtone.Agent
	a.do(t, cred, "POST", "/v1/agents", `{"name":"Cluster"}`, &agent)
	var num dialtone.PhoneNumber
	b.do(t, cred, "POST", "/v1/phone-numbers", `{"agent_id":"`+agent.ID+`"}`, &num)
	if t.Failed() {
		t.FailNow()
	}

	var wg sync.WaitGroup
	ids := make([]string, 25)
	for i := range ids {
		wg.Go(func() {
			p := []*process{a, b}[i%2]
			var c dialtone.Call
			p.do(t, cred, "POST", "/v1/calls", `{"agent_id":"`+agent.ID+`","to_number":"+12125550114"}`, &c)
			ids[i] = c.ID
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	var calls []dialtone.Call
	deadline := time.Now().Add(60 * time.Second)
	for {
		var page dialtone.List[dialtone.Call]
		a.do(t, cred, "GET", "/v1/calls?limit=100", "", &page)
		done := 0
		for _, c := range page.Data {
			if c.Ended() {
				done++
			}
		}
		if done == len(ids) {
			calls = page.Data
			break
		}
		if t.Failed() || time.Now().After(deadline) {
			t.Fatalf("%d of %d calls ended", done, len(ids))
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, c := range calls {
		if c.Status != dialtone.CallCompleted {
			t.Fatalf("call %s ended %s (%v)", c.ID, c.Status, c.EndedReason)
		}
	}
	most := apitest.MaxLive(t, calls)
	if most > 10 {
		t.Fatalf("%d calls were live at once across the two processes; the cap is 10", most)
	}
	t.Logf("at most %d calls live at once across two processes", most)
}
