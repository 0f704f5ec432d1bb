package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/brain/openai/openaitest"
	"github.com/dialtonehq/dialtone/internal/media"
)

// convScale runs conversations 20 times faster than real time: a 1 ms media clock. Every
// timing of a conversation is counted in frames, so what happens is the same.
var convScale = apitest.Options{TimeScale: 0.05, WritesPerMinute: 1000}

// converse sets up an agent (agentJSON holds its fields after the name) with a number, makes
// a simulated person call it with persona (JSON), waits for the call to end and returns it.
func converse(t *testing.T, env *apitest.Env, agentJSON, persona string) dialtone.Call {
	t.Helper()
	_, _, number := callSetup(t, env, env.Admin, agentJSON)
	r := call(t, env, "POST", "/v1/sandbox/calls", env.Admin, `{"from":"+14155550123","to":"`+number+`","persona":`+persona+`}`)
	mustStatus(t, r, 201)
	return waitCall(t, env, env.Admin, r.JSON["id"].(string), ended)
}

// lines renders a transcript as "speaker: text" lines, marking interrupted turns and keys.
func lines(turns []dialtone.TranscriptTurn) []string {
	out := make([]string, 0, len(turns))
	for _, t := range turns {
		l := string(t.Speaker) + ": " + t.Text
		if t.Digits != "" {
			l += " [keys " + t.Digits + "]"
		}
		if t.Interrupted {
			l += " [interrupted]"
		}
		out = append(out, l)
	}
	return out
}

func wantLines(t *testing.T, c dialtone.Call, want ...string) {
	t.Helper()
	if got := lines(c.Transcript); !slices.Equal(got, want) {
		t.Fatalf("transcript of %s (%s):\n got %q\nwant %q", c.ID, deref(c.EndedReason), got, want)
	}
}

func wantEnded(t *testing.T, c dialtone.Call, reason dialtone.EndedReason) {
	t.Helper()
	if c.Status != dialtone.CallCompleted || c.EndedReason == nil || *c.EndedReason != reason {
		t.Fatalf("call %s ended %s (%v), want completed (%s)", c.ID, c.Status, deref(c.EndedReason), reason)
	}
}

const receptionist = `,"greeting":"Hello, this is Ada.","brain":{"type":"scripted","rules":[` +
	`{"match":"open","say":"We open at nine. See you soon."},` +
	`{"match":"bye","say":"Goodbye.","action":"end_call"}],"fallback":"Sorry?"}`

func TestConversationGreetingAndTurns(t *testing.T) {
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, receptionist, `{"steps":[{"say":"What time do you open?"},{"say":"Thanks, bye"}]}`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		wantLines(t, c, "agent: Hello, this is Ada.", "caller: What time do you open?",
			"agent: We open at nine. See you soon.", "caller: Thanks, bye", "agent: Goodbye.")
		for i := 1; i < len(c.Transcript); i++ {
			if p, n := c.Transcript[i-1], c.Transcript[i]; n.StartMS < p.EndMS || n.EndMS <= n.StartMS {
				t.Errorf("turn %d [%d, %d] overlaps or precedes turn %d [%d, %d]", i, n.StartMS, n.EndMS, i-1, p.StartMS, p.EndMS)
			}
		}
		l := c.Latency
		if l == nil || len(l.Turns) != 2 || l.FirstAudio.Count != 2 || l.BrainFirstToken.Count != 2 || l.EndOfTurn.Count != 2 {
			t.Fatalf("latency: %+v", l)
		}
		for _, turn := range l.Turns {
			if turn.Turn != 2 && turn.Turn != 4 {
				t.Errorf("latency of turn %d: not an agent reply", turn.Turn)
			}
			// The end of a turn is decided after the configured 600 ms of silence.
			if *turn.EndOfTurnMS < 600 {
				t.Errorf("end of turn after %v ms of silence, before the 600 ms configured", *turn.EndOfTurnMS)
			}
		}

		// The live stream told the same story, in order.
		evs, _ := readEvents(t, env, c.ID, "")
		var types []string
		var turns []string
		for _, ev := range evs {
			types = append(types, ev.event)
			if ev.event == dialtone.EventCallTranscriptTurn {
				var ce dialtone.ConversationEvent
				if err := json.Unmarshal(ev.data.Data.Object, &ce); err != nil || ce.Turn == nil {
					t.Fatalf("turn event %s: %v", ev.data.Data.Object, err)
				}
				turns = append(turns, string(ce.Turn.Speaker)+": "+ce.Turn.Text)
			}
		}
		if !slices.Equal(turns, lines(c.Transcript)) {
			t.Errorf("streamed turns %q", turns)
		}
		if i, j := slices.Index(types, dialtone.EventCallStarted), slices.Index(types, dialtone.EventCallAction); i < 0 || j < i || types[len(types)-1] != dialtone.EventCallEnded {
			t.Errorf("event types %q", types)
		}
		checkRecording(t, env, c)
	})
}

// checkRecording downloads the call's recording and checks it against the transcript: it
// lasts the whole conversation, and each side's turns sound on its own channel.
func checkRecording(t *testing.T, env *apitest.Env, c dialtone.Call) {
	t.Helper()
	if c.RecordingURL == nil || *c.RecordingURL != "/v1/calls/"+c.ID+"/recording" {
		t.Fatalf("recording_url %v", deref(c.RecordingURL))
	}
	ch := recording(t, env, c.ID)
	last := c.Transcript[len(c.Transcript)-1].EndMS
	if got := int64(len(ch[0])) * 1000 / media.SampleRate; got < last || got > last+1000 {
		t.Errorf("recording lasts %d ms; the conversation ended at %d ms", got, last)
	}
	for _, turn := range c.Transcript {
		side, other := 0, 1
		if turn.Speaker == dialtone.SpeakerAgent {
			side, other = 1, 0
		}
		if e := energy(ch[side], turn.StartMS, turn.EndMS); e < 1e6 {
			t.Errorf("%s turn %q is silent in its channel (mean square %.0f)", turn.Speaker, turn.Text, e)
		}
		if e := energy(ch[other], turn.StartMS+100, turn.EndMS-100); e > 1e4 {
			t.Errorf("%s turn %q sounds in the other channel (mean square %.0f)", turn.Speaker, turn.Text, e)
		}
	}
}

// recording downloads a call's WAV and returns its two channels.
func recording(t *testing.T, env *apitest.Env, id string) [2][]int16 {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", env.URL+"/v1/calls/"+id+"/recording", nil)
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("recording: %d %s: %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	wr, err := media.NewWAVReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ch [2][]int16
	buf := make([]int16, 2*160)
	for {
		n, err := wr.ReadSamples(buf)
		for i := 0; i+1 < n; i += 2 {
			ch[0], ch[1] = append(ch[0], buf[i]), append(ch[1], buf[i+1])
		}
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return ch
}

// energy is the mean square of samples between two offsets in milliseconds.
func energy(s []int16, fromMS, toMS int64) float64 {
	from, to := max(0, fromMS*8), min(int64(len(s)), toMS*8)
	if to <= from {
		return 0
	}
	var sum float64
	for _, v := range s[from:to] {
		sum += float64(v) * float64(v)
	}
	return sum / float64(to-from)
}

func TestConversationBargeIn(t *testing.T) {
	const greeting = "Hello and welcome to the Dialtone test line where we answer every question you have."
	agent := `,"greeting":"` + greeting + `","brain":{"type":"scripted","rules":[{"match":"stop","say":"Okay.","action":"end_call"}]}`
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, agent, `{"steps":[{"wait":"heard","heard":"welcome","say":"Stop please"}]}`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		if len(c.Transcript) != 3 {
			t.Fatalf("transcript %q", lines(c.Transcript))
		}
		g := c.Transcript[0]
		// The agent's turn holds only what the caller heard: whole words, a prefix of the
		// greeting, at least up to the words the caller reacted to.
		if !g.Interrupted || !strings.HasPrefix(greeting, g.Text) || len(g.Text) >= len(greeting) || !strings.Contains(g.Text, "welcome") {
			t.Fatalf("interrupted greeting: %+v", g)
		}
		wantLines(t, c, "agent: "+g.Text+" [interrupted]", "caller: Stop please", "agent: Okay.")
		// The agent fell silent within a frame of the barge-in (its turn's end), and stayed
		// silent until its next turn.
		ch := recording(t, env, c.ID)
		if e := energy(ch[1], g.EndMS+2*20, c.Transcript[2].StartMS); e > 0 {
			t.Errorf("the agent kept sounding after the barge-in at %d ms (mean square %.0f)", g.EndMS, e)
		}
		if e := energy(ch[1], g.EndMS-200, g.EndMS); e < 1e6 {
			t.Errorf("the agent was not speaking before the barge-in (mean square %.0f)", e)
		}
		if heard := env.Carrier.Heard(c.ID); len(heard) == 0 || heard[len(heard)-1] != "Okay." {
			t.Errorf("the person heard %q", heard)
		}
	})
}

func TestConversationDTMFReachesTheBrain(t *testing.T) {
	agent := `,"greeting":"Press your code.","brain":{"type":"scripted","rules":[` +
		`{"match":"pressed 1 2 3 4","say":"Code accepted."},{"match":"goodbye","say":"Bye.","action":"end_call"}]}`
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, agent, `"keypad"`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		wantLines(t, c, "agent: Press your code.", "caller:  [keys 1234#]", "agent: Code accepted.", "caller: Goodbye.", "agent: Bye.")
		evs, _ := readEvents(t, env, c.ID, "")
		found := false
		for _, ev := range evs {
			var ce dialtone.ConversationEvent
			if ev.event == dialtone.EventCallDTMF && json.Unmarshal(ev.data.Data.Object, &ce) == nil {
				found = ce.Digits == "1234#"
			}
		}
		if !found {
			t.Error("no call.dtmf event with the keys")
		}
	})
}

func TestConversationVoicemail(t *testing.T) {
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		hangUp, _, _ := callSetup(t, env, env.Admin, `,"greeting":"Hi!","voicemail":{"action":"hang_up"}`)
		leave, _, _ := callSetup(t, env, env.Admin, `,"greeting":"Hi!","voicemail":{"action":"leave_message","message":"This is Ada from Dialtone, please call us back."}`)

		c := waitCall(t, env, env.Admin, placeCall(t, env, env.Admin, hangUp, sandboxTo("12"), ""), ended)
		wantEnded(t, c, dialtone.EndedVoicemail)
		if len(c.Transcript) != 0 || deref(c.AnsweredBy) != dialtone.AnsweredByMachine {
			t.Fatalf("hang_up on voicemail: %+v", c)
		}

		// continue: nothing is detected, so the machine gets the conversation like a person
		// (its greeting, over the agent's, is the caller's first turn).
		cont, _, _ := callSetup(t, env, env.Admin, `,"greeting":"Hi!","voicemail":{"action":"continue"}`)
		c = waitCall(t, env, env.Admin, placeCall(t, env, env.Admin, cont, sandboxTo("12"), ""), ended)
		machine := "caller: Hi, you have reached the voicemail of " + sandboxTo("12") + ". Please leave a message after the tone."
		if c.AnsweredBy != nil || deref(c.EndedReason) == dialtone.EndedVoicemail || !slices.Contains(lines(c.Transcript), machine) {
			t.Fatalf("continue on voicemail: answered_by %v, ended %v, transcript %q", c.AnsweredBy, deref(c.EndedReason), lines(c.Transcript))
		}

		c = waitCall(t, env, env.Admin, placeCall(t, env, env.Admin, leave, sandboxTo("12"), ""), ended)
		wantEnded(t, c, dialtone.EndedVoicemail)
		// The machine's greeting is heard (not answered: no greeting from the agent), then
		// the message is left after the beep.
		wantLines(t, c, "caller: Hi, you have reached the voicemail of "+sandboxTo("12")+". Please leave a message after the tone.",
			"agent: This is Ada from Dialtone, please call us back.")
		if heard := env.Carrier.Heard(c.ID); !slices.Contains(heard, "This is Ada from Dialtone, please call us back.") {
			t.Errorf("the voicemail recorded %q", heard)
		}
	})
}

func TestConversationSilenceAndMaxDuration(t *testing.T) {
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, `,"greeting":"Hello?"`, `"silent"`)
		wantEnded(t, c, dialtone.EndedSilence)
		wantLines(t, c, "agent: Hello?", "agent: "+dialtone.DefaultReminderText, "agent: "+dialtone.DefaultReminderText)
		c = converse(t, env, `,"greeting":"Hello?","turn_taking":{"silence_reminders":1,"silence_reminder_seconds":3,"reminder_text":"Hello, anyone?"}`, `"silent"`)
		wantEnded(t, c, dialtone.EndedSilence)
		wantLines(t, c, "agent: Hello?", "agent: Hello, anyone?")
		if gap := c.Transcript[1].StartMS - c.Transcript[0].EndMS; gap < 3000 || gap > 3100 {
			t.Errorf("reminded after %d ms of silence, want 3 s", gap)
		}
	})
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, `,"greeting":"Hello?","max_call_duration_seconds":30,"turn_taking":{"silence_reminder_seconds":600}`, `"silent"`)
		wantEnded(t, c, dialtone.EndedMaxDuration)
		wantLines(t, c, "agent: Hello?")
		if last := c.Transcript[0].EndMS; last > 30000 {
			t.Errorf("turn ends at %d ms", last)
		}
		ch := recording(t, env, c.ID)
		if ms := len(ch[0]) / 8; ms < 29900 || ms > 30100 {
			t.Errorf("a 30 s call recorded %d ms", ms)
		}
	})
}

// webhookBrain is the user's server of a webhook brain: it answers each turn with answer.
func webhookBrain(t *testing.T, answer func(text string) (contentType, body string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Turn struct {
				Text string `json:"text"`
			} `json:"turn"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ct, body := answer(req.Turn.Text)
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestConversationWebhookBrain(t *testing.T) {
	url := webhookBrain(t, func(text string) (string, string) {
		if strings.Contains(text, "bye") {
			return "application/json", `{"text":"Goodbye.","hangup":true}`
		}
		return "application/x-ndjson", `{"text":"Let me check.","interim":true}` + "\n" + `{"text":"We open at nine."}` + "\n"
	})
	agent := fmt.Sprintf(`,"greeting":"Hello.","brain":{"type":"webhook","url":%q,"signing_secret":"whsec_0123456789abcdefghijklmnop"}`, url)
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, agent, `{"steps":[{"say":"When do you open?"},{"say":"Thanks, bye"}]}`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		wantLines(t, c, "agent: Hello.", "caller: When do you open?", "agent: Let me check. We open at nine.",
			"caller: Thanks, bye", "agent: Goodbye.")
	})
}

func TestConversationOpenAIToolCallEndsTheCall(t *testing.T) {
	fake := openaitest.Start(t)
	agent := fmt.Sprintf(`,"greeting":"Hello.","brain":{"type":"openai","base_url":%q,"model":"gpt-test","api_key":"sk-test-0123456789"}`, fake.URL+"/v1")
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		fake.Script(openaitest.Answer{Content: []string{"Thanks for calling", ". Goodbye!"}, ToolCalls: []openaitest.ToolCall{{Name: "end_call", Arguments: `{}`}}},
			openaitest.Answer{Content: []string{"The caller had no questions; the agent said goodbye."}})
		c := converse(t, env, agent, `{"steps":[{"say":"That is all, thanks."}]}`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		wantLines(t, c, "agent: Hello.", "caller: That is all, thanks.", "agent: Thanks for calling. Goodbye!")
		if deref(c.Summary) != "The caller had no questions; the agent said goodbye." {
			t.Errorf("summary %v", deref(c.Summary))
		}
		reqs := fake.Requests()
		last := reqs[len(reqs)-2] // the last turn; then the summary
		if last.Authorization != "Bearer sk-test-0123456789" {
			t.Errorf("authorization %q", last.Authorization)
		}
		msgs := last.Body.Messages
		if len(msgs) < 2 || msgs[len(msgs)-1].Content != "That is all, thanks." || msgs[len(msgs)-2].Content != "Hello." {
			t.Errorf("messages %+v", msgs)
		}
	})
}

func TestConversationCoughIsNotATurn(t *testing.T) {
	const greeting = "Hello and welcome, this greeting goes on for a while so that the caller can cough over it."
	agent := `,"greeting":"` + greeting + `","brain":{"type":"scripted","fallback":"Yes, I am here."}`
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		// The 120 ms cough is shorter than the 200 ms needed to interrupt, and carries no words:
		// the greeting plays to the end and nobody answers the cough.
		c := converse(t, env, agent+`,"max_call_duration_seconds":30`, `"cougher"`)
		if len(c.Transcript) < 3 {
			t.Fatalf("transcript %q", lines(c.Transcript))
		}
		if got := lines(c.Transcript)[:3]; !slices.Equal(got, []string{"agent: " + greeting, "caller: Hello?", "agent: Yes, I am here."}) {
			t.Fatalf("transcript %q", got)
		}
		// With a 60 ms minimum the same cough interrupts the agent (and, holding no words, is
		// still not a turn).
		c = converse(t, env, agent+`,"max_call_duration_seconds":30,"turn_taking":{"barge_in_minimum_ms":60}`, `"cougher"`)
		if g := c.Transcript[0]; !g.Interrupted || !strings.HasPrefix(greeting, g.Text) {
			t.Fatalf("greeting not interrupted by the cough: %q", lines(c.Transcript))
		}
		// The agent, cut off, waits; the caller, who waits for the agent, is reminded and answers.
		if got := lines(c.Transcript)[1:4]; !slices.Equal(got, []string{"agent: Are you still there?", "caller: Hello?", "agent: Yes, I am here."}) {
			t.Fatalf("after the cough: %q", lines(c.Transcript))
		}
	})
}

func TestConversationEndOfTurnSilenceIsTheAgents(t *testing.T) {
	agent := receptionist + `,"turn_taking":{"end_of_turn_silence_ms":1500}`
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, agent, `{"steps":[{"say":"When do you open?"},{"say":"Thanks, bye"}]}`)
		wantEnded(t, c, dialtone.EndedAgentHangup)
		for _, l := range c.Latency.Turns {
			if *l.EndOfTurnMS < 1500 || *l.EndOfTurnMS > 1600 {
				t.Errorf("end of turn after %v ms, want 1500 ms of silence", *l.EndOfTurnMS)
			}
		}
		r := call(t, env, "GET", "/v1/agents/"+*c.AgentID, env.Admin, "")
		if tt := decode[dialtone.Agent](t, r.Raw).TurnTaking; tt != (dialtone.TurnTaking{EndOfTurnSilenceMS: 1500, BargeInMinimumMS: 200,
			SilenceReminderSeconds: 10, SilenceReminders: 2, ReminderText: "Are you still there?"}) {
			t.Errorf("turn_taking %+v", tt)
		}
		bad := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"x","turn_taking":{"end_of_turn_silence_ms":50,"barge_in_minimum_ms":9000,"silence_reminders":9,"reminder_text":" ","silence_reminder_seconds":1}}`)
		e := wantError(t, env, bad, dialtone.CodeValueOutOfRange, "turn_taking.end_of_turn_silence_ms")
		if got := fields(e); !slices.Equal(got, []string{"turn_taking.end_of_turn_silence_ms:value_out_of_range",
			"turn_taking.barge_in_minimum_ms:value_out_of_range", "turn_taking.silence_reminder_seconds:value_out_of_range",
			"turn_taking.silence_reminders:value_out_of_range", "turn_taking.reminder_text:value_too_short"}) {
			t.Errorf("fields %q", got)
		}
	})
}

func TestConversationTransferAndKeys(t *testing.T) {
	agent := `,"greeting":"Hello.","transfer_numbers":["+12125550177"],"brain":{"type":"scripted","rules":[` +
		`{"match":"menu","say":"Choosing the menu.","action":"press_digits","digits":"1w2"},` +
		`{"match":"human","say":"Putting you through.","action":"transfer","transfer_to":"+12125550177"}]}`
	eachDialectWith(t, convScale, func(t *testing.T, env *apitest.Env) {
		c := converse(t, env, agent, `{"steps":[{"say":"The menu please"},{"say":"A human please"}]}`)
		wantEnded(t, c, dialtone.EndedTransferred)
		wantLines(t, c, "agent: Hello.", "caller: The menu please", "agent: Choosing the menu. [keys 1w2]",
			"caller: A human please", "agent: Putting you through.")
		if deref(c.TransferredTo) != "+12125550177" || !slices.Equal(env.Carrier.Transfers(c.ID), []string{"+12125550177"}) {
			t.Errorf("transferred_to %v; the carrier transferred %q", deref(c.TransferredTo), env.Carrier.Transfers(c.ID))
		}
		var actions []string
		evs, _ := readEvents(t, env, c.ID, "")
		for _, ev := range evs {
			var ce dialtone.ConversationEvent
			if ev.event == dialtone.EventCallAction && json.Unmarshal(ev.data.Data.Object, &ce) == nil {
				actions = append(actions, string(ce.Action)+" "+ce.Digits+ce.TransferTo)
			}
		}
		if !slices.Equal(actions, []string{"press_digits 1w2", "transfer +12125550177"}) {
			t.Errorf("action events %q", actions)
		}
	})
}
