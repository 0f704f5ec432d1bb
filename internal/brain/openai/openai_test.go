package openai_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/brain/openai"
	"github.com/dialtonehq/dialtone/internal/brain/openai/openaitest"
)

func newBrain(t *testing.T, fake *openaitest.Server, transfers ...string) *openai.Brain {
	t.Helper()
	temp := 0.2
	b, err := openai.New(dialtone.Agent{ID: "agt_test", TransferNumbers: transfers, Brain: dialtone.Brain{
		Type: dialtone.BrainOpenAI, BaseURL: fake.URL + "/v1/", Model: "gpt-4o-mini", Temperature: &temp}},
		"sk-test-key", http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reply runs one turn and returns what was emitted.
func reply(t *testing.T, b *openai.Brain, turn dialtone.BrainTurn) ([]dialtone.BrainOutput, error) {
	t.Helper()
	var out []dialtone.BrainOutput
	err := b.Reply(t.Context(), turn, func(o dialtone.BrainOutput) error { out = append(out, o); return nil })
	return out, err
}

func TestStreamedReplyAndRequest(t *testing.T) {
	fake := openaitest.Start(t)
	fake.Script(openaitest.Answer{Content: []string{"We open ", "at nine.", " Anything else?"}})
	out, err := reply(t, newBrain(t, fake), dialtone.BrainTurn{
		Prompt:  "You are the front desk of Acme.",
		History: []dialtone.Utterance{{Speaker: dialtone.SpeakerAgent, Text: "Hello, Acme."}, {Speaker: dialtone.SpeakerCaller, Text: "Hi."}},
		Text:    "When do you open?", Digits: "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []dialtone.BrainOutput{{Text: "We open "}, {Text: "at nine."}, {Text: " Anything else?"}}
	if !slices.Equal(out, want) {
		t.Fatalf("emitted %+v", out)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Authorization != "Bearer sk-test-key" || r.Body.Model != "gpt-4o-mini" || !r.Body.Stream || *r.Body.Temperature != 0.2 {
		t.Fatalf("request %+v", r)
	}
	roles := []string{}
	for _, m := range r.Body.Messages {
		roles = append(roles, m.Role)
	}
	if !slices.Equal(roles, []string{"system", "assistant", "user", "user"}) ||
		r.Body.Messages[3].Content != "When do you open?\n[The caller pressed 1 on the keypad.]" {
		t.Fatalf("messages %+v", r.Body.Messages)
	}
	var tools []string
	for _, tool := range r.Body.Tools {
		tools = append(tools, tool.Function.Name)
	}
	if !slices.Equal(tools, []string{"end_call", "press_digits"}) { // no transfer numbers: no transfer tool
		t.Fatalf("tools %v", tools)
	}
}

func TestToolCalls(t *testing.T) {
	fake := openaitest.Start(t)
	b := newBrain(t, fake, "+14155550100", "+14155550199")
	for _, c := range []struct {
		answer openaitest.Answer
		want   []dialtone.BrainOutput
		err    error
	}{
		{openaitest.Answer{Content: []string{"Goodbye!"}, ToolCalls: []openaitest.ToolCall{{Name: "end_call", Arguments: "{}"}}},
			[]dialtone.BrainOutput{{Text: "Goodbye!"}, {Action: dialtone.ActionEndCall}}, nil},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "press_digits", Arguments: `{"digits":"1w2#"}`}}},
			[]dialtone.BrainOutput{{Action: dialtone.ActionPressDigits, Digits: "1w2#"}}, nil},
		{openaitest.Answer{Content: []string{"Connecting you."}, ToolCalls: []openaitest.ToolCall{{Name: "transfer_call", Arguments: `{"number":"+14155550199"}`}}},
			[]dialtone.BrainOutput{{Text: "Connecting you."}, {Action: dialtone.ActionTransfer, TransferTo: "+14155550199"}}, nil},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "transfer_call", Arguments: `{}`}}},
			[]dialtone.BrainOutput{{Action: dialtone.ActionTransfer, TransferTo: "+14155550100"}}, nil},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "transfer_call", Arguments: `{"number":"+19005550100"}`}}}, nil, openai.ErrBadToolCall},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "press_digits", Arguments: `{"digits":"1; rm -rf"}`}}}, nil, openai.ErrBadToolCall},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "launch_rocket", Arguments: `{}`}}}, nil, openai.ErrBadToolCall},
		{openaitest.Answer{ToolCalls: []openaitest.ToolCall{{Name: "end_call", Arguments: `{"oops`}}}, nil, openai.ErrBadToolCall},
	} {
		fake.Script(c.answer)
		out, err := reply(t, b, dialtone.BrainTurn{Text: "go"})
		if !errors.Is(err, c.err) || !slices.Equal(out, c.want) {
			t.Errorf("%+v: emitted %+v, %v", c.answer, out, err)
		}
	}
	tools := fake.Requests()[0].Body.Tools
	if len(tools) != 3 || tools[2].Function.Name != "transfer_call" ||
		!strings.Contains(jsonString(t, tools[2].Function.Parameters), `"enum":["+14155550100","+14155550199"]`) {
		t.Fatalf("transfer tool %+v", tools)
	}
}

func TestEndpointErrors(t *testing.T) {
	fake := openaitest.Start(t)
	fake.Script(openaitest.Answer{Status: 401, Message: "Incorrect API key provided."}, openaitest.Answer{Status: 503, Message: "overloaded"})
	b := newBrain(t, fake)
	for _, status := range []int{401, 503} {
		_, err := reply(t, b, dialtone.BrainTurn{Text: "hi"})
		var pe *openai.ProviderError
		if !errors.As(err, &pe) || pe.Status != status || pe.Message == "" {
			t.Fatalf("status %d: %v", status, err)
		}
	}
	// An endpoint that is not there at all.
	bad, _ := openai.New(dialtone.Agent{Brain: dialtone.Brain{Type: dialtone.BrainOpenAI, BaseURL: fake.URL + "/nowhere", Model: "m"}}, "", http.DefaultClient)
	var pe *openai.ProviderError
	if _, err := reply(t, bad, dialtone.BrainTurn{Text: "hi"}); !errors.As(err, &pe) || pe.Status != 404 {
		t.Fatalf("wrong path: %v", err)
	}
	// emit's error stops the reply and comes back as is.
	fake.Script(openaitest.Answer{Content: []string{"a", "b"}})
	stop := errors.New("barge-in")
	n := 0
	err := b.Reply(t.Context(), dialtone.BrainTurn{Text: "hi"}, func(dialtone.BrainOutput) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("emit error: %v after %d pieces", err, n)
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
