// Package openaitest is an in-repo fake of an OpenAI-compatible chat-completions endpoint,
// speaking the real protocol: POST /v1/chat/completions with a JSON body, answered with
// Server-Sent Events of chat.completion.chunk objects ending in "data: [DONE]" (or, for
// "stream": false, one chat.completion object), errors as {"error":{…}} with their status.
// Tests script its answers and read the requests it received.
package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dialtonehq/dialtone/internal/brain/openai"
)

// Answer is one scripted answer, given to the next request.
type Answer struct {
	// Content is streamed as one chunk per element.
	Content []string
	// ToolCalls are streamed after the content, each as a first chunk naming the function
	// and then its arguments in two fragments.
	ToolCalls []ToolCall
	// Status, when not 0 or 200, answers with that status and an error body instead.
	Status  int
	Message string // the error message with Status
}

// ToolCall is a function call of an answer.
type ToolCall struct {
	Name      string
	Arguments string // JSON
}

// Request is a request the fake received.
type Request struct {
	Authorization string
	Body          openai.ChatRequest
}

// Server is a running fake endpoint; its base URL (for a brain's base_url) is URL + "/v1".
type Server struct {
	URL string

	mu       sync.Mutex
	answers  []Answer
	requests []Request
}

// Start runs a fake endpoint until the test ends.
func Start(t testing.TB) *Server {
	s := &Server{}
	ts := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// Script queues answers for the next requests, in order. A request with no answer left gets
// an empty reply.
func (s *Server) Script(answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, answers...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "Unknown request URL: "+r.Method+" "+r.URL.Path, "invalid_request_error")
		return
	}
	var body openai.ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Model == "" || len(body.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request, or it lacks model or messages.", "invalid_request_error")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Authorization: r.Header.Get("Authorization"), Body: body})
	var a Answer
	if len(s.answers) > 0 {
		a, s.answers = s.answers[0], s.answers[1:]
	}
	n := len(s.requests)
	s.mu.Unlock()

	if a.Status != 0 && a.Status != http.StatusOK {
		writeError(w, a.Status, a.Message, "api_error")
		return
	}
	id := fmt.Sprintf("chatcmpl-fake%d", n)
	if !body.Stream {
		writeCompletion(w, id, body.Model, a)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	send := func(delta openai.Delta, finish *string) {
		chunk := openai.Chunk{ID: id, Object: "chat.completion.chunk", Created: 1763900000, Model: body.Model,
			Choices: []openai.ChunkChoice{{Index: 0, Delta: delta, FinishReason: finish}}}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	empty := ""
	send(openai.Delta{Role: "assistant", Content: &empty}, nil)
	for _, c := range a.Content {
		send(openai.Delta{Content: &c}, nil)
	}
	for i, tc := range a.ToolCalls {
		send(openai.Delta{ToolCalls: []openai.ToolCallDelta{{Index: i, ID: fmt.Sprintf("call_fake%d", i), Type: "function",
			Function: openai.FunctionDelta{Name: tc.Name, Arguments: ""}}}}, nil)
		half := len(tc.Arguments) / 2
		for _, part := range []string{tc.Arguments[:half], tc.Arguments[half:]} {
			send(openai.Delta{ToolCalls: []openai.ToolCallDelta{{Index: i, Function: openai.FunctionDelta{Arguments: part}}}}, nil)
		}
	}
	finish := "stop"
	if len(a.ToolCalls) > 0 {
		finish = "tool_calls"
	}
	send(openai.Delta{}, &finish)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// writeCompletion answers a request with "stream": false.
func writeCompletion(w http.ResponseWriter, id, model string, a Answer) {
	type call struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	}
	msg := map[string]any{"role": "assistant", "content": strings.Join(a.Content, "")}
	finish := "stop"
	if len(a.ToolCalls) > 0 {
		calls := make([]call, len(a.ToolCalls))
		for i, tc := range a.ToolCalls {
			calls[i].ID, calls[i].Type = fmt.Sprintf("call_fake%d", i), "function"
			calls[i].Function.Name, calls[i].Function.Arguments = tc.Name, tc.Arguments
		}
		msg["tool_calls"], finish = calls, "tool_calls"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "object": "chat.completion", "created": 1763900000, "model": model,
		"choices": []map[string]any{{"index": 0, "message": msg, "finish_reason": finish}}})
}

func writeError(w http.ResponseWriter, status int, message, typ string) {
	var body openai.ErrorBody
	body.Error.Message, body.Error.Type = message, typ
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
