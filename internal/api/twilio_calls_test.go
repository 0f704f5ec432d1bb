package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/speech/sandbox"
	"github.com/dialtonehq/dialtone/internal/speech/ttsstream/ttsstreamtest"
)

// twilioAgent is a scripted agent whose lines the tests hear through Twilio's side of the
// stream: the agent speaks the high tone register, the caller the low one.
const twilioAgent = `{"name":"Front desk","voice":"sandbox-en-us-high","greeting":"Hello from Dialtone.",
	"voicemail":{"action":"leave_message","message":"Please call us back."},
	"brain":{"type":"scripted","rules":[
		{"match":"opening hours","say":"We are open nine to five."},
		{"match":"story","say":"Once upon a time there was a very long story that went on and on without any end in sight at all."},
		{"match":"bye","say":"Goodbye!","action":"end_call"}],
	"fallback":"Sorry?"}}`

// callerSays is the caller's speech of text as Twilio carries it, µ-law frames in the low
// register, with a second of silence after it so that the agent takes its turn.
func callerSays(t *testing.T, text string) []dialtone.AudioFrame {
	t.Helper()
	pcm, err := ttsstreamtest.Tones(sandbox.RegisterLow, text)
	if err != nil {
		t.Fatal(err)
	}
	pcm = append(pcm, make([]int16, media.SampleRate)...)
	frames := make([]dialtone.AudioFrame, (len(pcm)+media.FrameSamples-1)/media.FrameSamples)
	for i := range frames {
		var f media.PCMFrame
		copy(f[:], pcm[i*media.FrameSamples:])
		media.EncodeFrame((*media.Frame)(&frames[i]), &f)
	}
	return frames
}

// listener decodes, as it is played, what Twilio plays to the person on the other end of a
// stream: the agent's lines.
type listener struct {
	s     *twiliotest.Stream
	rec   *sandbox.Recognizer
	done  int // frames decoded
	lines []string
}

func listen(s *twiliotest.Stream) *listener {
	return &listener{s: s, rec: sandbox.NewRecognizer(sandbox.RegisterHigh)}
}

// update decodes the frames played since the last update.
func (l *listener) update(st twiliotest.StreamState) []string {
	var f media.PCMFrame
	for ; l.done < len(st.Heard); l.done++ {
		media.DecodeFrame(&f, (*media.Frame)(&st.Heard[l.done]))
		l.rec.Write(f[:])
		for tr, ok := l.rec.Next(); ok; tr, ok = l.rec.Next() {
			l.lines = append(l.lines, tr.Text)
		}
	}
	return l.lines
}

// hears waits until the person has heard line.
func (l *listener) hears(t *testing.T, line string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := l.s.Wait(ctx, func(st twiliotest.StreamState) bool { return slices.Contains(l.update(st), line) }); err != nil {
		t.Fatalf("never heard %q (heard %q): %v", line, l.lines, err)
	}
}

// say sends the caller's speech of text on s.
func say(t *testing.T, s *twiliotest.Stream, text string) {
	t.Helper()
	if err := s.SendAudio(t.Context(), callerSays(t, text)); err != nil {
		t.Fatal(err)
	}
}

// placedCalls makes the fake hand over each call created through its Calls API.
func placedCalls(fake *twiliotest.Fake) <-chan twiliotest.OutboundCall {
	created := make(chan twiliotest.OutboundCall, 16)
	fake.SetCallHooks(func(c twiliotest.OutboundCall) { created <- c }, nil)
	return created
}

func nextCall(t *testing.T, created <-chan twiliotest.OutboundCall) twiliotest.OutboundCall {
	t.Helper()
	select {
	case c := <-created:
		return c
	case <-time.After(time.Minute):
		t.Fatal("no call reached Twilio")
		return twiliotest.OutboundCall{}
	}
}

// TestTwilioOutboundConversation places a call through Twilio's Calls API and converses over
// Media Streams: status callbacks, the greeting, a question answered, keys pressed, a
// barge-in that clears Twilio's buffer, and the agent hanging up through the REST API.
func TestTwilioOutboundConversation(t *testing.T) {
	t.Parallel()
	env, fake := twilioEnv(t, "sqlite", apitest.Options{ReadsPerMinute: pollReads})
	created := placedCalls(fake)
	fake.AddNumber(twilioAccount, "+14155550182")
	agent := call(t, env, "POST", "/v1/agents", env.Admin, twilioAgent).JSON["id"].(string)
	num := importNumber(t, env, "+14155550182", agent)

	r := call(t, env, "POST", "/v1/calls", env.Admin, `{"agent_id":"`+agent+`","to_number":"+14155550199"}`)
	mustStatus(t, r, http.StatusCreated)
	id := r.JSON["id"].(string)
	oc := nextCall(t, created)
	p := oc.Params
	if oc.From != num.Number || oc.To != "+14155550199" || p.Get("Url") != env.URL+"/twilio/calls/"+id+"/answer" ||
		p.Get("StatusCallback") != env.URL+"/twilio/calls/"+id+"/status" || p.Get("MachineDetection") != "DetectMessageEnd" {
		t.Fatalf("call at Twilio: %+v", oc)
	}
	if err := fake.SendStatusCallback(t.Context(), oc.SID, "ringing", nil); err != nil {
		t.Fatal(err)
	}
	waitCall(t, env, env.Admin, id, status(dialtone.CallRinging))

	s, err := fake.AnswerCall(t.Context(), oc.SID, "human", twiliotest.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := listen(s)
	c := waitCall(t, env, env.Admin, id, status(dialtone.CallInProgress))
	if c.AnsweredBy == nil || *c.AnsweredBy != dialtone.AnsweredByHuman {
		t.Fatalf("answered_by %v", c.AnsweredBy)
	}
	l.hears(t, "Hello from Dialtone.")
	say(t, s, "What are your opening hours?")
	l.hears(t, "We are open nine to five.")

	if err := s.SendDTMF(t.Context(), "5"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the key's event", func() bool { return slices.Contains(eventTypes(t, env, env.OrgID, id), dialtone.EventCallDTMF) })
	l.hears(t, "Sorry?") // the key was the caller's turn

	// Barge-in: the caller talks over a long reply; Dialtone clears what Twilio buffered.
	say(t, s, "Tell me a story.")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	before := len(s.State().Heard)
	if err := s.Wait(ctx, func(st twiliotest.StreamState) bool { return len(st.Heard) > before+25 }); err != nil {
		t.Fatal(err) // half a second of the story played
	}
	clears := s.State().Clears
	say(t, s, "Stop. Bye.")
	if err := s.Wait(ctx, func(st twiliotest.StreamState) bool { return st.Clears > clears }); err != nil {
		t.Fatalf("no clear after the barge-in: %v", err)
	}
	l.hears(t, "Goodbye!")

	c = waitCall(t, env, env.Admin, id, ended)
	if c.Status != dialtone.CallCompleted || c.EndedReason == nil || *c.EndedReason != dialtone.EndedAgentHangup {
		t.Fatalf("ended %s %v", c.Status, c.EndedReason)
	}
	if !slices.ContainsFunc(c.Transcript, func(tt dialtone.TranscriptTurn) bool { return tt.Speaker == dialtone.SpeakerCaller && tt.Digits == "5" }) {
		t.Errorf("no key in the transcript: %+v", c.Transcript)
	}
	const story = "Once upon a time there was a very long story that went on and on without any end in sight at all."
	cut := slices.IndexFunc(c.Transcript, func(tt dialtone.TranscriptTurn) bool { return tt.Interrupted })
	if cut < 0 || c.Transcript[cut].Speaker != dialtone.SpeakerAgent || c.Transcript[cut].Text == "" ||
		!strings.HasPrefix(story, c.Transcript[cut].Text) || c.Transcript[cut].Text == story {
		t.Errorf("the interrupted story in the transcript: %+v", c.Transcript)
	}
	waitFor(t, "the hang-up at Twilio", func() bool {
		got, _ := fake.Call(oc.SID)
		return slices.ContainsFunc(got.Updates, func(u url.Values) bool { return u.Get("Status") == "completed" })
	})
	// Twilio's final callback after the hang-up changes nothing.
	if err := fake.SendStatusCallback(t.Context(), oc.SID, "completed", nil); err != nil {
		t.Fatal(err)
	}
	if again := decode[dialtone.Call](t, call(t, env, "GET", "/v1/calls/"+id, env.Admin, "").Raw); *again.EndedReason != dialtone.EndedAgentHangup {
		t.Fatalf("after the final callback: %v", *again.EndedReason)
	}
}

// TestTwilioInboundCall: a call arriving at an imported number is answered with TwiML that
// connects the Media Stream; the caller converses and hangs up, and Twilio's final callback
// ends the call. A number without an agent rejects its calls.
func TestTwilioInboundCall(t *testing.T) {
	t.Parallel()
	env, fake := twilioEnv(t, "sqlite", apitest.Options{ReadsPerMinute: pollReads})
	fake.AddNumber(twilioAccount, "+14155550183")
	fake.AddNumber(twilioAccount, "+14155550184")
	agent := call(t, env, "POST", "/v1/agents", env.Admin, twilioAgent).JSON["id"].(string)
	importNumber(t, env, "+14155550183", agent)
	importNumber(t, env, "+14155550184", "")

	sid, s, err := fake.IncomingCall(t.Context(), twilioAccount, "+12125550111", "+14155550183", twiliotest.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := listen(s)
	l.hears(t, "Hello from Dialtone.")
	say(t, s, "What are your opening hours?")
	l.hears(t, "We are open nine to five.")
	calls := decode[dialtone.List[dialtone.Call]](t, call(t, env, "GET", "/v1/calls", env.Admin, "").Raw).Data
	if len(calls) != 1 || calls[0].Direction != dialtone.CallInbound || calls[0].FromNumber != "+12125550111" || calls[0].Status != dialtone.CallInProgress {
		t.Fatalf("calls %+v", calls)
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := fake.EndIncomingCall(t.Context(), sid, "completed"); err != nil {
		t.Fatal(err)
	}
	c := waitCall(t, env, env.Admin, calls[0].ID, ended)
	if c.Status != dialtone.CallCompleted || *c.EndedReason != dialtone.EndedCallerHangup {
		t.Fatalf("ended %s %v", c.Status, *c.EndedReason)
	}

	_, _, err = fake.IncomingCall(t.Context(), twilioAccount, "+12125550111", "+14155550184", twiliotest.StreamOptions{})
	if !errors.Is(err, twiliotest.ErrRejected) {
		t.Fatalf("a call to a number without an agent: %v", err)
	}
	calls = decode[dialtone.List[dialtone.Call]](t, call(t, env, "GET", "/v1/calls", env.Admin, "").Raw).Data
	if len(calls) != 2 || calls[0].Status != dialtone.CallFailed || *calls[0].EndedReason != dialtone.EndedNoAgent {
		t.Fatalf("the rejected call: %+v", calls[0])
	}
}

// TestTwilioCallOutcomes: Twilio's final status callbacks of calls never answered end them
// with the matching status, and a machine that answered gets the voicemail message after the
// beep.
func TestTwilioCallOutcomes(t *testing.T) {
	t.Parallel()
	env, fake := twilioEnv(t, "sqlite", apitest.Options{ReadsPerMinute: pollReads, WritesPerMinute: 1000})
	created := placedCalls(fake)
	fake.AddNumber(twilioAccount, "+14155550185")
	agent := call(t, env, "POST", "/v1/agents", env.Admin, twilioAgent).JSON["id"].(string)
	importNumber(t, env, "+14155550185", agent)
	place := func() (string, twiliotest.OutboundCall) {
		r := call(t, env, "POST", "/v1/calls", env.Admin, `{"agent_id":"`+agent+`","to_number":"+14155550198"}`)
		mustStatus(t, r, http.StatusCreated)
		return r.JSON["id"].(string), nextCall(t, created)
	}
	for _, tc := range []struct {
		twilio string
		status dialtone.CallStatus
		reason dialtone.EndedReason
	}{
		{"busy", dialtone.CallBusy, dialtone.EndedBusy},
		{"no-answer", dialtone.CallNoAnswer, dialtone.EndedNoAnswer},
		{"failed", dialtone.CallFailed, dialtone.EndedCarrierError},
	} {
		id, oc := place()
		if err := fake.SendStatusCallback(t.Context(), oc.SID, tc.twilio, nil); err != nil {
			t.Fatal(err)
		}
		c := waitCall(t, env, env.Admin, id, ended)
		if c.Status != tc.status || *c.EndedReason != tc.reason {
			t.Errorf("%s: %s %v, want %s %s", tc.twilio, c.Status, *c.EndedReason, tc.status, tc.reason)
		}
	}

	// A call Twilio refuses to create fails with Twilio's error on it.
	fake.RejectDestination("+14155550199", 21215)
	r := call(t, env, "POST", "/v1/calls", env.Admin, `{"agent_id":"`+agent+`","to_number":"+14155550199"}`)
	mustStatus(t, r, http.StatusCreated)
	c := waitCall(t, env, env.Admin, r.JSON["id"].(string), ended)
	ce := c.CarrierError
	if c.Status != dialtone.CallFailed || *c.EndedReason != dialtone.EndedCarrierError || ce == nil ||
		ce.Code != dialtone.CodeDestinationNotAllowed || ce.Details["provider"] != "twilio" ||
		ce.Details["provider_code"] != float64(21215) || !strings.Contains(fmt.Sprint(ce.Details["provider_message"]), "+14155550199") {
		t.Fatalf("refused call: %s %v, carrier_error %+v", c.Status, deref(c.EndedReason), ce)
	}

	id, oc := place()
	s, err := fake.AnswerCall(t.Context(), oc.SID, "machine_end_beep", twiliotest.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := listen(s)
	l.hears(t, "Please call us back.")
	c = waitCall(t, env, env.Admin, id, ended)
	if c.AnsweredBy == nil || *c.AnsweredBy != dialtone.AnsweredByMachine || *c.EndedReason != dialtone.EndedVoicemail {
		t.Fatalf("voicemail call: answered_by %v, ended %v", c.AnsweredBy, *c.EndedReason)
	}
	if slices.Contains(l.update(s.State()), "Hello from Dialtone.") {
		t.Error("the greeting was played to the answering machine")
	}

	// An agent with voicemail.action continue asks Twilio for no detection: the call connects
	// at once, answered_by stays null, and the conversation starts.
	mustStatus(t, call(t, env, "PATCH", "/v1/agents/"+agent, env.Admin, `{"voicemail":{"action":"continue"}}`), 200)
	id, oc = place()
	if p := oc.Params; p.Has("MachineDetection") {
		t.Fatalf("MachineDetection=%q asked for an agent with voicemail.action continue", p.Get("MachineDetection"))
	}
	s2, err := fake.AnswerCall(t.Context(), oc.SID, "machine_end_beep", twiliotest.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	listen(s2).hears(t, "Hello from Dialtone.")
	if c = waitCall(t, env, env.Admin, id, status(dialtone.CallInProgress)); c.AnsweredBy != nil {
		t.Fatalf("answered_by %v without detection, want null", *c.AnsweredBy)
	}
	mustStatus(t, call(t, env, "POST", "/v1/calls/"+id+"/hangup", env.Admin, ""), 200)
}
