package main

import (
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// startMessaging starts the real server on loopback (sandbox delivery reports a hundred times
// faster than real time), points the CLI at it, and gives it an agent with a sandbox number.
func startMessaging(t *testing.T) (*apitest.Env, dialtone.Agent, dialtone.PhoneNumber) {
	t.Helper()
	env := apitest.Start(t, "sqlite", apitest.Options{TimeScale: 0.01})
	t.Setenv("DIALTONE_URL", env.URL)
	t.Setenv("DIALTONE_API_KEY", env.Admin)
	agent, err := env.Services.Agents.Create(t.Context(), dialtone.Principal{OrganizationID: env.OrgID, Role: dialtone.RoleAdmin},
		dialtone.AgentParams{Name: dialtone.Some("Texter")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "numbers", "create", "--area-code", "646", "--agent", agent.ID)
	var n dialtone.PhoneNumber
	if err != nil || json.Unmarshal([]byte(out), &n) != nil || n.Number == "" {
		t.Fatalf("number: %v %s", err, out)
	}
	return env, agent, n
}

// TestMessagesCommands drives `dialtone messages` against the real server.
func TestMessagesCommands(t *testing.T) {
	_, agent, n := startMessaging(t)
	const ada = "+12125550150"
	body := strings.Repeat("a", 161) // 161 GSM-7 characters: two segments

	out, err := run(t, "messages", "send", "--agent", agent.ID, "--to", ada, "--body", body, "--metadata", "order=7")
	var m dialtone.Message
	if err != nil || json.Unmarshal([]byte(out), &m) != nil || m.Status != dialtone.MessageQueued ||
		m.Direction != dialtone.MessageOutbound || m.FromNumber != n.Number || m.ToNumber != ada || m.Body != body ||
		m.Segments != 2 || m.Metadata["order"] != "7" || !strings.HasPrefix(m.ConversationID, dialtone.PrefixConversation+"_") {
		t.Fatalf("send: %v %s", err, out)
	}

	// Read it back until the sandbox carrier reports it delivered; every read shows it queued,
	// sending, sent or delivered, with its two segments.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err = run(t, "messages", "get", m.ID)
		var got dialtone.Message
		if err != nil || json.Unmarshal([]byte(out), &got) != nil || got.ID != m.ID || !strings.Contains(out, `"segments": 2`) ||
			!slices.Contains([]dialtone.MessageStatus{dialtone.MessageQueued, dialtone.MessageSending, dialtone.MessageSent,
				dialtone.MessageDelivered}, got.Status) {
			t.Fatalf("get: %v %s", err, out)
		}
		if got.Status == dialtone.MessageDelivered {
			if got.SentAt == nil || got.DeliveredAt == nil {
				t.Fatalf("delivered without timestamps: %s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s never delivered: %s", m.ID, out)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A second message, from --from, so that the lists have two to choose from.
	out, err = run(t, "messages", "send", "--from", n.Number, "--to", "+12125550151", "--body", "Second")
	var second dialtone.Message
	if err != nil || json.Unmarshal([]byte(out), &second) != nil || second.FromNumber != n.Number || second.ConversationID == m.ConversationID {
		t.Fatalf("send --from: %v %s", err, out)
	}
	var list []dialtone.Message
	out, err = run(t, "messages", "list", "--limit", "1")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("list --limit 1: %v %s", err, out)
	}
	out, err = run(t, "messages", "list", "--conversation", m.ConversationID)
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].ID != m.ID {
		t.Fatalf("list --conversation: %v %s", err, out)
	}
	out, err = run(t, "messages", "list", "--status", "delivered", "--direction", "outbound")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || !slices.ContainsFunc(list, func(x dialtone.Message) bool { return x.ID == m.ID }) ||
		slices.ContainsFunc(list, func(x dialtone.Message) bool { return x.Status != dialtone.MessageDelivered }) {
		t.Fatalf("list --status delivered: %v %s", err, out)
	}
	out, err = run(t, "messages", "list", "--direction", "inbound")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("list --direction inbound before any inbound message: %v %s", err, out)
	}

	// Errors of the API surface with their catalogued codes; nothing is printed.
	out, err = run(t, "messages", "send", "--agent", agent.ID, "--to", ada, "--body", strings.Repeat("a", 1601))
	if err == nil || !strings.Contains(err.Error(), "message_too_long") || out != "" {
		t.Fatalf("body of 1601 characters: %v %q", err, out)
	}
	if _, err = run(t, "messages", "send", "--agent", "agent_missing", "--to", ada, "--body", "Hi"); err == nil ||
		!strings.Contains(err.Error(), "agent_not_found") {
		t.Fatalf("unknown agent: %v", err)
	}
	if _, err = run(t, "messages", "get", "msg_missing"); err == nil || !strings.Contains(err.Error(), "message_not_found") {
		t.Fatalf("get unknown: %v", err)
	}
	if _, err = run(t, "messages", "list", "--status", "lost_in_the_mail"); err == nil || !strings.Contains(err.Error(), "invalid_value") {
		t.Fatalf("unknown status: %v", err)
	}
	if _, err = run(t, "messages", "list", "--direction", "sideways"); err == nil || !strings.Contains(err.Error(), "invalid_value") {
		t.Fatalf("unknown direction: %v", err)
	}
	if _, err = run(t, "messages", "list", "--limit", "-1"); err == nil || !strings.Contains(err.Error(), "--limit") {
		t.Fatalf("negative limit: %v", err)
	}
	if _, err = run(t, "messages", "send", "--agent", agent.ID, "--to", ada, "--body", "Hi", "--metadata", "12"); err == nil ||
		!strings.Contains(err.Error(), `--metadata "12": want key=value`) {
		t.Fatalf("metadata without =: %v", err)
	}

	// Required flags are refused before any request.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--agent", agent.ID, "--body", "Hi"}, `"to"`},
		{[]string{"--agent", agent.ID, "--to", ada}, `"body"`},
		{[]string{"--to", ada, "--body", "Hi"}, "[from agent]"},
	} {
		if _, err = run(t, append([]string{"messages", "send"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("messages send %v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
	out, err = run(t, "messages", "list", "--limit", "0")
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("refused sends were stored: %v %s", err, out)
	}

	t.Setenv("DIALTONE_API_KEY", "")
	if _, err = run(t, "messages", "list"); err == nil || !strings.Contains(err.Error(), "DIALTONE_API_KEY") {
		t.Fatalf("without a key: %v", err)
	}
}

// TestSandboxTextAndConversationsCommands has a simulated person text the agent's number with
// `dialtone sandbox text`, and finds the thread with `dialtone conversations`.
func TestSandboxTextAndConversationsCommands(t *testing.T) {
	_, agent, n := startMessaging(t)
	const grace, bob = "+12125550160", "+12125550161"

	out, err := run(t, "sandbox", "text", "--from", grace, "--to", n.Number, "--body", "Are you open on Sunday?")
	var in dialtone.Message
	if err != nil || json.Unmarshal([]byte(out), &in) != nil || in.Direction != dialtone.MessageInbound ||
		in.Status != dialtone.MessageReceived || in.FromNumber != grace || in.ToNumber != n.Number ||
		in.Body != "Are you open on Sunday?" || !strings.HasPrefix(in.ConversationID, dialtone.PrefixConversation+"_") {
		t.Fatalf("sandbox text: %v %s", err, out)
	}
	// An outbound message to someone else: a second conversation, and a message the inbound
	// filter must leave out.
	out, err = run(t, "messages", "send", "--agent", agent.ID, "--to", bob, "--body", "Hello Bob")
	var sent dialtone.Message
	if err != nil || json.Unmarshal([]byte(out), &sent) != nil {
		t.Fatalf("send: %v %s", err, out)
	}

	var convs []dialtone.SMSConversation
	out, err = run(t, "conversations", "list")
	if err != nil || json.Unmarshal([]byte(out), &convs) != nil || len(convs) != 2 {
		t.Fatalf("conversations list: %v %s", err, out)
	}
	i := slices.IndexFunc(convs, func(c dialtone.SMSConversation) bool { return c.ID == in.ConversationID })
	if i < 0 || convs[i].ParticipantNumber != grace || convs[i].PhoneNumber != n.Number || convs[i].MessageCount < 1 {
		t.Fatalf("conversations list has no conversation with %s: %s", grace, out)
	}
	out, err = run(t, "conversations", "list", "--limit", "1")
	if err != nil || json.Unmarshal([]byte(out), &convs) != nil || len(convs) != 1 {
		t.Fatalf("conversations list --limit 1: %v %s", err, out)
	}
	out, err = run(t, "conversations", "get", in.ConversationID)
	var conv dialtone.SMSConversation
	if err != nil || json.Unmarshal([]byte(out), &conv) != nil || conv.ID != in.ConversationID || conv.ParticipantNumber != grace {
		t.Fatalf("conversations get: %v %s", err, out)
	}
	var msgs []dialtone.Message
	out, err = run(t, "conversations", "messages", in.ConversationID, "--limit", "0")
	if err != nil || json.Unmarshal([]byte(out), &msgs) != nil || !slices.ContainsFunc(msgs, func(m dialtone.Message) bool { return m.ID == in.ID }) ||
		slices.ContainsFunc(msgs, func(m dialtone.Message) bool { return m.ConversationID != in.ConversationID }) {
		t.Fatalf("conversations messages: %v %s", err, out)
	}
	out, err = run(t, "conversations", "messages", sent.ConversationID, "--limit", "1")
	if err != nil || json.Unmarshal([]byte(out), &msgs) != nil || len(msgs) != 1 || msgs[0].ID != sent.ID {
		t.Fatalf("conversations messages --limit 1: %v %s", err, out)
	}

	// Only the simulated person's text is inbound.
	out, err = run(t, "messages", "list", "--direction", "inbound")
	if err != nil || json.Unmarshal([]byte(out), &msgs) != nil || len(msgs) != 1 || msgs[0].ID != in.ID {
		t.Fatalf("messages list --direction inbound: %v %s", err, out)
	}
	out, err = run(t, "messages", "list", "--direction", "outbound", "--limit", "0")
	if err != nil || json.Unmarshal([]byte(out), &msgs) != nil || !slices.ContainsFunc(msgs, func(m dialtone.Message) bool { return m.ID == sent.ID }) ||
		slices.ContainsFunc(msgs, func(m dialtone.Message) bool { return m.Direction != dialtone.MessageOutbound }) {
		t.Fatalf("messages list --direction outbound: %v %s", err, out)
	}

	// Errors.
	if _, err = run(t, "sandbox", "text", "--from", grace, "--to", n.Number, "--body", strings.Repeat("b", 1601)); err == nil ||
		!strings.Contains(err.Error(), "message_too_long") {
		t.Fatalf("sandbox text of 1601 characters: %v", err)
	}
	if _, err = run(t, "sandbox", "text", "--from", grace, "--to", "+13125550100", "--body", "Hi"); err == nil ||
		!strings.Contains(err.Error(), "phone_number_not_found") {
		t.Fatalf("sandbox text to a number not held: %v", err)
	}
	for _, missing := range []string{"from", "to", "body"} {
		args := []string{"sandbox", "text"}
		for flag, v := range map[string]string{"from": grace, "to": n.Number, "body": "Hi"} {
			if flag != missing {
				args = append(args, "--"+flag, v)
			}
		}
		if _, err = run(t, args...); err == nil || !strings.Contains(err.Error(), `"`+missing+`"`) {
			t.Errorf("sandbox text without --%s: %v", missing, err)
		}
	}
	if _, err = run(t, "conversations", "get", "conv_missing"); err == nil || !strings.Contains(err.Error(), "conversation_not_found") {
		t.Fatalf("conversations get unknown: %v", err)
	}
	if _, err = run(t, "conversations", "messages", "conv_missing"); err == nil || !strings.Contains(err.Error(), "conversation_not_found") {
		t.Fatalf("conversations messages unknown: %v", err)
	}
	if _, err = run(t, "conversations", "list", "--limit", "-1"); err == nil || !strings.Contains(err.Error(), "--limit") {
		t.Fatalf("negative limit: %v", err)
	}
	if _, err = run(t, "conversations", "messages"); err == nil || !strings.Contains(err.Error(), "accepts 1 arg") {
		t.Fatalf("conversations messages without an id: %v", err)
	}
}

// TestMessagesSendExitCode runs the built binary: an API error goes to stderr with its
// catalogued code, nothing to stdout, and the exit status is 1.
func TestMessagesSendExitCode(t *testing.T) {
	_, agent, _ := startMessaging(t)
	bin := buildBinary(t)
	cmd := exec.Command(bin, "messages", "send", "--agent", agent.ID, "--to", "+12125550150", "--body", strings.Repeat("a", 1601))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "400 message_too_long") || stdout.Len() != 0 {
		t.Fatalf("exit %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}
