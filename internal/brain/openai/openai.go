// Package openai is the brain that asks any OpenAI-compatible chat-completions endpoint for
// the agent's replies, streamed, with tools for the agent's actions (end the call, transfer,
// press digits).
package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// The tools the model is offered, named after what they do on the call.
const (
	toolEndCall     = "end_call"
	toolTransfer    = "transfer_call"
	toolPressDigits = "press_digits"
)

// maxErrorBody is how much of a failed response's body is kept for the error.
const maxErrorBody = 4 << 10

// Brain asks one endpoint for an agent's replies. It is safe for concurrent use.
type Brain struct {
	baseURL     string
	model       string
	apiKey      string
	temperature *float64
	transfers   []string
	client      *http.Client
}

var (
	_ dialtone.Responder  = (*Brain)(nil)
	_ dialtone.Summarizer = (*Brain)(nil)
)

// New returns the brain of agent a, whose brain type must be openai, calling its endpoint with
// apiKey (the opened brain secret; "" sends no Authorization header) through client.
func New(a dialtone.Agent, apiKey string, client *http.Client) (*Brain, error) {
	if a.Brain.Type != dialtone.BrainOpenAI {
		return nil, fmt.Errorf("openai: agent %s has a %s brain", a.ID, a.Brain.Type)
	}
	return &Brain{baseURL: strings.TrimSuffix(a.Brain.BaseURL, "/"), model: a.Brain.Model, apiKey: apiKey,
		temperature: a.Brain.Temperature, transfers: a.TransferNumbers, client: client}, nil
}

// ProviderError is a failed answer of the endpoint: its HTTP status and error message.
type ProviderError struct {
	Status  int
	Message string
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("openai: endpoint answered %d: %s", e.Status, e.Message)
}

// ErrBadToolCall is returned when the model calls a tool wrongly (an unknown tool, arguments
// that are not the expected JSON, a transfer to a number the agent does not list); the call's
// words were emitted already, the action is not taken.
var ErrBadToolCall = errors.New("openai: the model called a tool wrongly")

// Reply asks the endpoint to answer turn and emits the answer's text as it streams in, then,
// when the model called a tool, one last piece with the action. Errors: *ProviderError for a
// non-2xx answer, ErrBadToolCall, the stream's own errors, ctx's error, or emit's.
func (b *Brain) Reply(ctx context.Context, turn dialtone.BrainTurn, emit func(dialtone.BrainOutput) error) error {
	res, err := b.post(ctx, b.request(turn))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	calls, err := readStream(res.Body, func(text string) error { return emit(dialtone.BrainOutput{Text: text}) })
	if err != nil {
		return err
	}
	if len(calls) == 0 {
		return nil
	}
	out, err := b.action(calls[0])
	if err != nil {
		return err
	}
	return emit(out)
}

// post sends chat to the endpoint and returns its 2xx answer, whose body the caller closes.
// Errors: *ProviderError for a non-2xx answer, or the request's own.
func (b *Brain) post(ctx context.Context, chat ChatRequest) (*http.Response, error) {
	body, err := json.Marshal(chat)
	if err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.baseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if chat.Stream {
		req.Header.Set("Accept", "text/event-stream")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if b.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+b.apiKey)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	if res.StatusCode/100 != 2 {
		defer res.Body.Close()
		return nil, providerError(res)
	}
	return res, nil
}

// summaryInstruction is the system message of a summary request.
const summaryInstruction = "You write the records of a business's phone calls. From the transcript of a finished call " +
	"between the business's voice agent and a caller, write a one- or two-sentence summary of what happened on the call: " +
	"who called, what they wanted and how it ended. Answer with the summary only."

// maxSummaryBody is how much of a summary answer is read.
const maxSummaryBody = 1 << 20

// Summarize asks the endpoint, in one non-streamed request, for a one- or two-sentence summary
// of a finished call from its transcript, and returns it trimmed. An empty transcript has an
// empty summary and sends nothing. Errors: *ProviderError for a non-2xx answer, an answer
// without a summary, the request's own errors, or ctx's.
func (b *Brain) Summarize(ctx context.Context, agent dialtone.Agent, transcript []dialtone.TranscriptTurn) (string, error) {
	if len(transcript) == 0 {
		return "", nil
	}
	var lines strings.Builder
	for i, t := range transcript {
		if i > 0 {
			lines.WriteByte('\n')
		}
		who := "Caller"
		if t.Speaker == dialtone.SpeakerAgent {
			who = "Agent"
		}
		line := strings.TrimSpace(t.Text)
		if t.Digits != "" {
			line = strings.TrimSpace(line + " [pressed " + t.Digits + " on the keypad]")
		}
		if t.Interrupted {
			line += " [interrupted]"
		}
		lines.WriteString(who + ": " + line)
	}
	system := summaryInstruction
	if agent.Name != "" {
		system += " The agent is called " + agent.Name + "."
	}
	res, err := b.post(ctx, ChatRequest{Model: b.model, Temperature: b.temperature, Messages: []Message{
		{Role: "system", Content: system}, {Role: "user", Content: lines.String()}}})
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var c Completion
	if err := json.NewDecoder(io.LimitReader(res.Body, maxSummaryBody)).Decode(&c); err != nil {
		return "", fmt.Errorf("openai: malformed completion: %w", err)
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		if sum := strings.TrimSpace(ch.Message.Content); sum != "" {
			return sum, nil
		}
	}
	return "", errors.New("openai: the completion holds no summary")
}

// request is the chat request for turn: the prompt, the history, the caller's turn, and the
// tools the agent may use.
func (b *Brain) request(turn dialtone.BrainTurn) ChatRequest {
	msgs := make([]Message, 0, len(turn.History)+2)
	if turn.Prompt != "" {
		msgs = append(msgs, Message{Role: "system", Content: turn.Prompt})
	}
	for _, u := range turn.History {
		role := "user"
		if u.Speaker == dialtone.SpeakerAgent {
			role = "assistant"
		}
		msgs = append(msgs, Message{Role: role, Content: u.Text})
	}
	text := turn.Text
	if turn.Digits != "" {
		text = strings.TrimSpace(text + "\n[The caller pressed " + turn.Digits + " on the keypad.]")
	}
	msgs = append(msgs, Message{Role: "user", Content: text})
	return ChatRequest{Model: b.model, Messages: msgs, Stream: true, Temperature: b.temperature, Tools: b.tools()}
}

func (b *Brain) tools() []Tool {
	fn := func(name, desc string, params map[string]any) Tool {
		return Tool{Type: "function", Function: FunctionSpec{Name: name, Description: desc, Parameters: params}}
	}
	object := func(props map[string]any, required ...string) map[string]any {
		p := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			p["required"] = required
		}
		return p
	}
	tools := []Tool{
		fn(toolEndCall, "Hang up the call once your reply has been spoken.", object(map[string]any{})),
		fn(toolPressDigits, "Press keys on the phone keypad (DTMF), e.g. to navigate a menu.",
			object(map[string]any{"digits": map[string]any{"type": "string", "pattern": "^[0-9*#A-Dw]{1,32}$",
				"description": "The keys to press; w waits half a second."}}, "digits")),
	}
	if len(b.transfers) > 0 {
		tools = append(tools, fn(toolTransfer, "Transfer the caller to another number and leave the call.",
			object(map[string]any{"number": map[string]any{"type": "string", "enum": b.transfers,
				"description": "Where to transfer; the first is the default."}})))
	}
	return tools
}

// toolCall is a tool call reassembled from its streamed fragments.
type toolCall struct {
	name string
	args strings.Builder
}

// action turns the model's first tool call into the reply's action.
func (b *Brain) action(c *toolCall) (dialtone.BrainOutput, error) {
	var args struct {
		Digits string `json:"digits"`
		Number string `json:"number"`
	}
	if raw := strings.TrimSpace(c.args.String()); raw != "" {
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			return dialtone.BrainOutput{}, fmt.Errorf("%w: %s arguments %q: %v", ErrBadToolCall, c.name, raw, err)
		}
	}
	switch c.name {
	case toolEndCall:
		return dialtone.BrainOutput{Action: dialtone.ActionEndCall}, nil
	case toolPressDigits:
		if args.Digits == "" || len(args.Digits) > dialtone.MaxDTMFDigits || strings.Trim(args.Digits, dialtone.DTMFDigits) != "" {
			return dialtone.BrainOutput{}, fmt.Errorf("%w: press_digits %q", ErrBadToolCall, args.Digits)
		}
		return dialtone.BrainOutput{Action: dialtone.ActionPressDigits, Digits: args.Digits}, nil
	case toolTransfer:
		number := args.Number
		if number == "" && len(b.transfers) > 0 {
			number = b.transfers[0]
		}
		if !slices.Contains(b.transfers, number) {
			return dialtone.BrainOutput{}, fmt.Errorf("%w: transfer to %q, which is not one of the agent's transfer numbers", ErrBadToolCall, number)
		}
		return dialtone.BrainOutput{Action: dialtone.ActionTransfer, TransferTo: number}, nil
	}
	return dialtone.BrainOutput{}, fmt.Errorf("%w: unknown tool %q", ErrBadToolCall, c.name)
}

// readStream reads the Server-Sent Events of a streamed answer until "data: [DONE]", calling
// text with each piece of content, and returns the tool calls in index order.
func readStream(r io.Reader, text func(string) error) ([]*toolCall, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var calls []*toolCall
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		data, ok := strings.CutPrefix(line, "data:")
		if !ok { // blank separators, comments (": keep-alive"), event: and id: lines
			continue
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			return calls, nil
		}
		var chunk Chunk
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return nil, fmt.Errorf("openai: malformed chunk %q: %w", data, err)
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if c := ch.Delta.Content; c != nil && *c != "" {
				if err := text(*c); err != nil {
					return nil, err
				}
			}
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Index < 0 || tc.Index > 16 {
					return nil, fmt.Errorf("openai: tool call index %d", tc.Index)
				}
				for len(calls) <= tc.Index {
					calls = append(calls, &toolCall{})
				}
				if tc.Function.Name != "" {
					calls[tc.Index].name = tc.Function.Name
				}
				calls[tc.Index].args.WriteString(tc.Function.Arguments)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("openai: reading the stream: %w", err)
	}
	return nil, errors.New("openai: the stream ended without [DONE]")
}

// providerError reads a failed answer into a *ProviderError.
func providerError(res *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	var body ErrorBody
	msg := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
		msg = body.Error.Message
	}
	return &ProviderError{Status: res.StatusCode, Message: msg}
}
