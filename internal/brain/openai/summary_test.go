package openai_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/openai"
	"github.com/dialtonehq/dialtone/internal/brain/openai/openaitest"
)

var transcript = []dialtone.TranscriptTurn{
	{Speaker: dialtone.SpeakerAgent, Text: "Hello, this is Ada at Acme Dental.", StartMS: 0, EndMS: 1800},
	{Speaker: dialtone.SpeakerCaller, Text: "Hi, I'd like to book a cleaning for Tuesday.", StartMS: 2100, EndMS: 4200},
	{Speaker: dialtone.SpeakerAgent, Text: "Tuesday at ten is free. Shall I", StartMS: 4500, EndMS: 6000, Interrupted: true},
	{Speaker: dialtone.SpeakerCaller, Text: "Yes, ten is great.", Digits: "1", StartMS: 5800, EndMS: 7000},
	{Speaker: dialtone.SpeakerAgent, Text: "Booked. Goodbye!", StartMS: 7300, EndMS: 8500},
}

func TestSummarize(t *testing.T) {
	fake := openaitest.Start(t)
	fake.Script(openaitest.Answer{Content: []string{"  The caller booked a cleaning ", "for Tuesday at ten.\n"}})
	var s dialtone.Summarizer = newBrain(t, fake)
	sum, err := s.Summarize(t.Context(), dialtone.Agent{ID: "agt_test", Name: "Ada"}, transcript)
	if err != nil {
		t.Fatal(err)
	}
	if sum != "The caller booked a cleaning for Tuesday at ten." {
		t.Fatalf("summary %q", sum)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Authorization != "Bearer sk-test-key" || r.Body.Model != "gpt-4o-mini" || r.Body.Stream || len(r.Body.Tools) != 0 {
		t.Fatalf("request %+v", r)
	}
	if len(r.Body.Messages) != 2 || r.Body.Messages[0].Role != "system" || r.Body.Messages[1].Role != "user" {
		t.Fatalf("messages %+v", r.Body.Messages)
	}
	if sys := r.Body.Messages[0].Content; !strings.Contains(sys, "summary") || !strings.Contains(sys, "Ada") {
		t.Fatalf("system message %q", sys)
	}
	want := "Agent: Hello, this is Ada at Acme Dental.\n" +
		"Caller: Hi, I'd like to book a cleaning for Tuesday.\n" +
		"Agent: Tuesday at ten is free. Shall I [interrupted]\n" +
		"Caller: Yes, ten is great. [pressed 1 on the keypad]\n" +
		"Agent: Booked. Goodbye!"
	if got := r.Body.Messages[1].Content; got != want {
		t.Fatalf("user message\n%s\nwant\n%s", got, want)
	}

	// Nothing was said: nothing to ask.
	if sum, err := s.Summarize(t.Context(), dialtone.Agent{}, nil); sum != "" || err != nil || len(fake.Requests()) != 1 {
		t.Fatalf("empty transcript: %q, %v, %d requests", sum, err, len(fake.Requests()))
	}
	// An answer with no words is an error, not an empty summary.
	fake.Script(openaitest.Answer{Content: []string{" \n"}})
	if sum, err := s.Summarize(t.Context(), dialtone.Agent{}, transcript); err == nil {
		t.Fatalf("blank answer gave %q", sum)
	}
}

func TestSummarizeProviderError(t *testing.T) {
	fake := openaitest.Start(t)
	fake.Script(openaitest.Answer{Status: 429, Message: "Rate limit reached for gpt-4o-mini."})
	sum, err := newBrain(t, fake).Summarize(t.Context(), dialtone.Agent{}, transcript)
	var pe *openai.ProviderError
	if !errors.As(err, &pe) || pe.Status != 429 || pe.Message != "Rate limit reached for gpt-4o-mini." || sum != "" {
		t.Fatalf("got %q, %v", sum, err)
	}
	if r := fake.Requests(); len(r) != 1 || r[0].Body.Stream {
		t.Fatalf("requests %+v", r)
	}
	// A canceled context ends the request.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newBrain(t, fake).Summarize(ctx, dialtone.Agent{}, transcript); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled: %v", err)
	}
}
