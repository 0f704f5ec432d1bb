package openaispeech

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech"
	"github.com/dialtonehq/dialtone/internal/speech/openaispeech/openaitest"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// sttDeadline is a generous bound on waiting for an event; no assertion depends on timing.
const sttDeadline = 20 * time.Second

const sttKey = "sk-test-transcribe-5c1e9a77b2"

// tones returns text spoken by the sandbox voice of register reg, 8 kHz.
func tones(t *testing.T, reg sandbox.ToneRegister, text string) []int16 {
	t.Helper()
	u, err := sandbox.Synthesizer{Register: reg}.Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	return ttsstreamtest.ReadAll(t, u)
}

func quiet(ms int) []int16 { return make([]int16, ms*media.SampleRate/1000) }

// feed20 writes pcm in 20 ms pieces, as the engine does.
func feed20(r speech.Recognizer, pcm []int16) {
	for len(pcm) > 0 {
		n := min(len(pcm), media.FrameSamples)
		r.Write(pcm[:n])
		pcm = pcm[n:]
	}
}

func newTranscriber(t *testing.T, opts openaitest.TranscriberOptions) *openaitest.Transcriber {
	t.Helper()
	f := openaitest.NewTranscriber(opts)
	t.Cleanup(f.Close)
	return f
}

func newRecognizer(t *testing.T, cfg RecognizerConfig) *Recognizer {
	t.Helper()
	r, err := NewRecognizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// settle waits until r has no request in flight and is not inside an utterance.
func settle(t *testing.T, r *Recognizer) {
	t.Helper()
	timer := time.NewTimer(sttDeadline)
	defer timer.Stop()
	for {
		ch := r.changes()
		if !r.Active() {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatal("recognizer still active")
		}
	}
}

func receive(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(sttDeadline):
		t.Fatalf("no %s", what)
	}
}

func all(r *Recognizer) []speech.Transcript {
	var out []speech.Transcript
	for {
		tr, ok := r.Next()
		if !ok {
			return out
		}
		out = append(out, tr)
	}
}

func TestRecognizerTranscribesToneUtterance(t *testing.T) {
	for _, rate := range []int{0, 8000} {
		f := newTranscriber(t, openaitest.TranscriberOptions{APIKey: sttKey, Register: sandbox.RegisterHigh})
		r := newRecognizer(t, RecognizerConfig{
			BaseURL: f.URL, APIKey: sttKey, Model: "gpt-4o-transcribe", Language: "en",
			Prompt: "Dialtone support call", UploadSampleRate: rate,
		})
		speechPCM := tones(t, sandbox.RegisterHigh, "hello, I need to move my appointment")
		feed20(r, quiet(500))
		feed20(r, speechPCM)
		feed20(r, quiet(1000))
		settle(t, r)
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		got := all(r)
		if len(got) != 1 || got[0].Text != "hello, I need to move my appointment" {
			t.Fatalf("rate %d: transcripts %+v", rate, got)
		}
		// The utterance's speech ends with the tones (the last 20 ms of which are a gap), within
		// the detector's frame grid.
		end := int64(4000 + len(speechPCM))
		if got[0].EndSample < end-3*media.FrameSamples || got[0].EndSample > end {
			t.Errorf("EndSample %d, speech ended at %d", got[0].EndSample, end)
		}
		reqs := f.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		q := reqs[0]
		wantRate := 16000
		if rate == 8000 {
			wantRate = 8000
		}
		if q.Model != "gpt-4o-transcribe" || q.Language != "en" || q.Prompt != "Dialtone support call" ||
			q.ResponseFormat != "json" || q.SampleRate != wantRate || q.Channels != 1 || q.Auth != "Bearer "+sttKey {
			t.Errorf("request %+v", q)
		}
		// The file holds the speech and at most the padding either side, at the upload rate.
		if lo, hi := len(speechPCM)*wantRate/8000, (len(speechPCM)+3200)*wantRate/8000; q.Samples < lo || q.Samples > hi {
			t.Errorf("file of %d samples, want %d…%d", q.Samples, lo, hi)
		}
	}
}

func TestRecognizerActiveDuringSpeechAndRequest(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL})
	release := f.Hold()
	feed20(r, quiet(300))
	if r.Active() {
		t.Fatal("active in silence")
	}
	pcm := tones(t, sandbox.RegisterLow, "yes please")
	feed20(r, pcm[:len(pcm)/2])
	if !r.Active() {
		t.Fatal("not active during speech")
	}
	feed20(r, pcm[len(pcm)/2:])
	feed20(r, quiet(1000))
	receive(t, f.Received(), "request")
	if !r.Active() {
		t.Fatal("not active while the request is in flight")
	}
	if _, ok := r.Next(); ok {
		t.Fatal("transcript before the answer")
	}
	release()
	settle(t, r)
	if got := all(r); len(got) != 1 || got[0].Text != "yes please" {
		t.Fatalf("transcripts %+v", got)
	}
	if r.Active() {
		t.Fatal("active after the answer")
	}
	if q := f.Requests()[0]; q.Auth != "" || q.Model != DefaultTranscriptionModel || q.Language != "" || q.Prompt != "" {
		t.Errorf("request %+v: want no Authorization header and default fields", q)
	}
}

func TestRecognizerKeepsUtteranceOrder(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{APIKey: sttKey})
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL, APIKey: sttKey})
	release1 := f.Hold()
	release2 := f.Hold()
	feed20(r, quiet(400))
	feed20(r, tones(t, sandbox.RegisterLow, "first one"))
	feed20(r, quiet(1000))
	receive(t, f.Received(), "first request")
	feed20(r, tones(t, sandbox.RegisterLow, "second one"))
	feed20(r, quiet(1000))
	receive(t, f.Received(), "second request")
	ch := r.changes()
	release2()
	receive(t, ch, "second answer")
	if tr, ok := r.Next(); ok {
		t.Fatalf("got %+v before the first utterance's answer", tr)
	}
	release1()
	settle(t, r)
	got := all(r)
	if len(got) != 2 || got[0].Text != "first one" || got[1].Text != "second one" || got[0].EndSample >= got[1].EndSample {
		t.Fatalf("transcripts %+v", got)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestRecognizerDelayedAnswersInOrder(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	f.DelayNext(300*time.Millisecond, 0)
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL})
	for _, text := range []string{"one", "two", "three"} {
		feed20(r, quiet(1000))
		feed20(r, tones(t, sandbox.RegisterLow, text))
	}
	feed20(r, quiet(1000))
	settle(t, r)
	var texts []string
	for _, tr := range all(r) {
		texts = append(texts, tr.Text)
	}
	if strings.Join(texts, "|") != "one|two|three" {
		t.Fatalf("transcripts %q", texts)
	}
}

// speakOnce feeds one utterance and waits for its request to end.
func speakOnce(t *testing.T, r *Recognizer, text string) {
	t.Helper()
	feed20(r, quiet(400))
	feed20(r, tones(t, sandbox.RegisterLow, text))
	feed20(r, quiet(1000))
	settle(t, r)
}

func TestRecognizerWrongKey(t *testing.T) {
	for _, echo := range []bool{false, true} {
		f := newTranscriber(t, openaitest.TranscriberOptions{APIKey: "sk-right", EchoKey: echo})
		r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL, APIKey: sttKey})
		speakOnce(t, r, "hello")
		err := r.Err()
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
			t.Fatalf("echo %v: Err %v, want an APIError with 401", echo, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "401") || !strings.Contains(msg, "Incorrect API key") || strings.Contains(msg, sttKey) {
			t.Errorf("echo %v: error %q", echo, msg)
		}
		if echo && !strings.Contains(msg, "[redacted]") {
			t.Errorf("echoed key not redacted: %q", msg)
		}
		if _, ok := r.Next(); ok {
			t.Error("transcript from a refused request")
		}
		// A failed recognizer hears nothing more.
		speakOnce(t, r, "again")
		if n := len(f.Requests()); n != 1 {
			t.Errorf("%d requests after the failure, want 1", n)
		}
	}
}

func TestRecognizerServerErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		f := newTranscriber(t, openaitest.TranscriberOptions{})
		f.FailNext(1, status)
		r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL})
		speakOnce(t, r, "hello")
		var ae *APIError
		if err := r.Err(); !errors.As(err, &ae) || ae.StatusCode != status || ae.Message == "" {
			t.Fatalf("Err %v, want an APIError with %d and the server's message", err, status)
		}
	}
}

func TestRecognizerUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	r := newRecognizer(t, RecognizerConfig{BaseURL: "http://" + addr + "/v1", APIKey: sttKey})
	speakOnce(t, r, "hello")
	err = r.Err()
	if err == nil || strings.Contains(err.Error(), sttKey) {
		t.Fatalf("Err %v", err)
	}
}

func TestRecognizerRequestTimeout(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	release := f.Hold()
	defer release()
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL, RequestTimeout: 50 * time.Millisecond})
	speakOnce(t, r, "hello")
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("Err %v, want a timeout", err)
	}
}

func TestRecognizerCloseStopsRequests(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	release := f.Hold()
	defer release()
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL})
	feed20(r, quiet(400))
	feed20(r, tones(t, sandbox.RegisterLow, "hello"))
	feed20(r, quiet(1000))
	receive(t, f.Received(), "request")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	receive(t, f.ClientGone(), "cancelled request")
	if r.Active() || r.Err() != nil {
		t.Fatalf("after Close: Active %v, Err %v", r.Active(), r.Err())
	}
	if _, ok := r.Next(); ok {
		t.Fatal("transcript of a cancelled request")
	}
	feed20(r, tones(t, sandbox.RegisterLow, "more"))
	feed20(r, quiet(1000))
	if r.Active() {
		t.Fatal("Write after Close started an utterance")
	}
}

func TestRecognizerEmptyTranscriptNotEmitted(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{Register: sandbox.RegisterHigh})
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL})
	// Low-register tones are speech to the detector but say nothing to a high-register fake.
	speakOnce(t, r, "not heard")
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	if tr, ok := r.Next(); ok || r.Err() != nil {
		t.Fatalf("Next %+v %v, Err %v", tr, ok, r.Err())
	}
}

func TestRecognizerMaxUtterance(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	r := newRecognizer(t, RecognizerConfig{BaseURL: f.URL, MaxUtterance: time.Second, UploadSampleRate: 8000})
	feed20(r, quiet(400))
	feed20(r, tones(t, sandbox.RegisterLow, "this sentence takes well over one second to say"))
	feed20(r, quiet(1000))
	settle(t, r)
	reqs := f.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d requests, want the speech cut in pieces", len(reqs))
	}
	for _, q := range reqs {
		if q.Samples > media.SampleRate+1600 {
			t.Errorf("file of %d samples, more than MaxUtterance", q.Samples)
		}
	}
}

func TestRecognizerConfigValidation(t *testing.T) {
	bad := []RecognizerConfig{
		{BaseURL: "ftp://example.com/v1"},
		{BaseURL: "not a url"},
		{APIKey: "sk-1\r\nX-Evil: 1"},
		{UploadSampleRate: 24000},
		{EndSilence: -time.Second},
		{EndSilence: time.Millisecond},
		{MaxUtterance: 100 * time.Millisecond},
		{MaxUtterance: time.Hour},
		{MinSpeech: -1},
		{MinSpeech: 2 * time.Second, MaxUtterance: time.Second},
		{RequestTimeout: -time.Second},
	}
	for _, cfg := range bad {
		if _, err := NewRecognizer(cfg); err == nil {
			t.Errorf("NewRecognizer(%+v) accepted", cfg)
		}
	}
	r, err := NewRecognizer(RecognizerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.endpoint != DefaultBaseURL+"/audio/transcriptions" || r.cfg.Model != DefaultTranscriptionModel ||
		r.cfg.UploadSampleRate != DefaultUploadSampleRate || r.cfg.RequestTimeout != DefaultRequestTimeout {
		t.Errorf("defaults: %+v", r.cfg)
	}
}

func TestFakeRefusesBadRequests(t *testing.T) {
	f := newTranscriber(t, openaitest.TranscriberOptions{})
	wav := encodeWAV(tones(t, sandbox.RegisterLow, "ok"), 8000)
	post := func(file []byte, fields ...[2]string) (int, openaitest.Transcription) {
		t.Helper()
		body, ct, err := multipartForm(file, fields)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(f.URL+"/audio/transcriptions", ct, body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		reqs := f.Requests()
		return resp.StatusCode, reqs[len(reqs)-1]
	}
	model := [2]string{"model", "whisper-1"}
	if got, q := post(wav, model); got != http.StatusOK || q.Text != "ok" || q.SampleRate != 8000 {
		t.Errorf("valid request: %d %+v", got, q)
	}
	if got, _ := post(wav); got != http.StatusBadRequest {
		t.Errorf("no model: %d", got)
	}
	if got, _ := post(nil, model); got != http.StatusBadRequest {
		t.Errorf("no file: %d", got)
	}
	if got, _ := post([]byte("ID3 not a wav"), model); got != http.StatusBadRequest {
		t.Errorf("unreadable file: %d", got)
	}
	if got, _ := post(wav, model, [2]string{"response_format", "srt"}); got != http.StatusBadRequest {
		t.Errorf("unsupported response_format: %d", got)
	}
	resp, err := http.Post(f.URL+"/audio/transcriptions", "application/json", strings.NewReader(`{"model":"whisper-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON body: %d", resp.StatusCode)
	}
}
