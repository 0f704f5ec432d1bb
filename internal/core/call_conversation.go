package core

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/dialtonehq/dialtone"
)

// conversationStopWait bounds how long ending a call waits for its conversation to write
// its transcript and recording (it normally takes milliseconds).
const conversationStopWait = 5 * time.Second

// converse starts the conversation of call c, just answered, over leg. A call with no agent,
// or a process with no conversation engine, has none (the call stays up until someone hangs
// up). An agent whose brain or voice cannot be set up ends the call with agent_error.
func (s *Calls) converse(ctx context.Context, c dialtone.Call, leg dialtone.MediaLeg) bool {
	if s.engine == nil || c.AgentID == nil || leg == nil {
		return false
	}
	a, err := s.store.GetAgent(ctx, c.OrganizationID, *c.AgentID)
	if err != nil {
		s.log.ErrorContext(ctx, "conversation: load agent", "call_id", c.ID, "error", err)
		s.endQuietly(ctx, c.ID, dialtone.EndedAgentError)
		return true
	}
	start := dialtone.ConversationStart{Call: c, Agent: a, Leg: leg, Control: callControl{s: s, orgID: c.OrganizationID, agentID: a.ID}}
	if a.BrainSecret != "" && s.secrets != nil {
		if start.Secret, err = s.secrets.Open(a.BrainSecret); err != nil {
			s.log.ErrorContext(ctx, "conversation: open the brain's key", "call_id", c.ID, "agent_id", a.ID, "error", err)
		}
	}
	if start.Agent.Speech, start.SpeechKeys, err = ConversationSpeech(ctx, s.store, s.secrets, c.OrganizationID, a); err != nil {
		s.log.ErrorContext(ctx, "conversation: open the speech providers' keys", "call_id", c.ID, "agent_id", a.ID, "error", err)
	}
	n, err := s.store.GetPhoneNumber(ctx, c.OrganizationID, c.PhoneNumberID)
	if err != nil {
		n = dialtone.PhoneNumber{}
	}
	vars := PromptVariables(a, c, s.now())
	start.Prompt = ComposePrompt(a, n, c, vars)
	start.Greeting = FillPrompt(a.Greeting, vars)
	start.VoicemailMessage = FillPrompt(a.Voicemail.Message, vars)

	s.mu.Lock()
	lc, runCtx := s.live[c.ID], s.ctx
	s.mu.Unlock()
	if lc == nil {
		return true // ended meanwhile
	}
	cctx, cancel := context.WithCancel(runCtx)
	conv, err := s.engine.Start(cctx, start)
	if err != nil {
		cancel()
		s.log.ErrorContext(ctx, "conversation: start", "call_id", c.ID, "agent_id", a.ID, "error", err)
		s.endQuietly(ctx, c.ID, dialtone.EndedAgentError)
		return true
	}
	s.mu.Lock()
	held := s.live[c.ID] == lc
	if held {
		lc.conv, lc.stopConv = conv, cancel
	}
	s.mu.Unlock()
	if !held {
		cancel() // the call ended while the conversation started
		return true
	}
	go func() {
		defer cancel()
		<-conv.Done()
		if r := conv.Result(); r.EndedReason != "" {
			s.endQuietly(context.WithoutCancel(cctx), c.ID, r.EndedReason)
		}
	}()
	return true
}

// stopConversation stops the conversation of call id, if this process runs one, and returns
// what it leaves on the call.
func (s *Calls) stopConversation(id string) (dialtone.ConversationResult, bool) {
	conv, stop := s.conversation(id)
	if conv == nil {
		return dialtone.ConversationResult{}, false
	}
	stop()
	select {
	case <-conv.Done():
	case <-time.After(conversationStopWait):
		s.log.Error("conversation did not stop", "call_id", id)
		return dialtone.ConversationResult{}, false
	}
	return conv.Result(), true
}

// conversation returns the conversation of call id and its stop function, or nil when this
// process runs none for it.
func (s *Calls) conversation(id string) (dialtone.Conversation, context.CancelFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lc := s.live[id]; lc != nil && lc.conv != nil {
		return lc.conv, lc.stopConv
	}
	return nil, nil
}

// beep passes the end of a voicemail greeting to the call's conversation; it reports false
// when the call has none.
func (s *Calls) beep(id string) bool {
	conv, _ := s.conversation(id)
	if conv == nil {
		return false
	}
	conv.Beep()
	return true
}

// callControl is what a conversation may do to its call.
type callControl struct {
	s       *Calls
	orgID   string
	agentID string
}

// Publish stores a live event of the call.
func (c callControl) Publish(ctx context.Context, callID string, ev dialtone.ConversationEvent) {
	t := c.s.now()
	e := newEvent(ev.Object, callID, ev, c.agentID, t)
	if err := c.s.store.InsertEvents(ctx, c.orgID, []dialtone.Event{e}); err != nil {
		c.s.log.ErrorContext(ctx, "publish conversation event", "call_id", callID, "type", ev.Object, "error", err)
	}
}

// Transfer asks the call's carrier to hand the caller to number.
func (c callControl) Transfer(ctx context.Context, callID, number string) error {
	c.s.mu.Lock()
	lc := c.s.live[callID]
	c.s.mu.Unlock()
	if lc == nil {
		return errors.New("the call is not held by this process")
	}
	t, ok := lc.carrier.(dialtone.CallTransferer)
	if !ok {
		return errors.New("the call's carrier cannot transfer calls")
	}
	return t.Transfer(ctx, callID, number)
}

// removeRecording deletes a call's recording file, if the engine keeps one.
func (s *Calls) removeRecording(name string) {
	if s.recordingPath == nil || name == "" {
		return
	}
	if p := s.recordingPath(name); p != "" {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Error("remove recording", "recording", name, "error", err)
		}
	}
}

// RecordingPath returns the file of call id's recording (of p's organization), or
// recording_not_found when it has none (or this server keeps no recordings).
func (s *Calls) RecordingPath(ctx context.Context, p dialtone.Principal, id string) (string, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return "", err
	}
	notFound := dialtone.Errorf(dialtone.CodeRecordingNotFound, "Call %s has no recording.", id)
	if c.Recording == "" || s.recordingPath == nil {
		if !c.Ended() {
			notFound = dialtone.Errorf(dialtone.CodeRecordingNotFound, "Call %s is still going on; its recording is available once it ends.", id)
		}
		return "", notFound
	}
	path := s.recordingPath(c.Recording)
	if path == "" {
		return "", notFound
	}
	if _, err := os.Stat(path); err != nil {
		return "", dialtone.Errorf(dialtone.CodeRecordingNotFound, "The recording of call %s is not on this server.", id)
	}
	return path, nil
}
