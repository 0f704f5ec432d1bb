package core

import (
	"context"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Agents manages agents.
type Agents struct {
	store  Store
	voices dialtone.VoiceCatalog
	now    func() time.Time
}

var _ dialtone.AgentService = (*Agents)(nil)

// Create validates params, fills in defaults and stores a new agent in p's organization (write
// role). Invalid params give one validation error listing every invalid field.
func (s *Agents) Create(ctx context.Context, p dialtone.Principal, params dialtone.AgentParams) (dialtone.Agent, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Agent{}, err
	}
	if fe := s.Validate(ctx, params, false); len(fe) > 0 {
		return dialtone.Agent{}, fe.Err()
	}
	now := s.now()
	a := dialtone.Agent{
		ID: dialtone.NewID(dialtone.PrefixAgent), Object: "agent",
		Language: dialtone.DefaultLanguage, CreatedAt: now, UpdatedAt: now,
	}
	resetAgentDefaults(&a)
	if fe := s.apply(ctx, &a, params); len(fe) > 0 {
		return dialtone.Agent{}, fe.Err()
	}
	if err := s.store.InsertAgent(ctx, p.OrganizationID, a); err != nil {
		return dialtone.Agent{}, dialtone.Internal(err)
	}
	return a, nil
}

// Get returns an agent of p's organization, or agent_not_found.
func (s *Agents) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Agent, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Agent{}, err
	}
	a, err := s.store.GetAgent(ctx, p.OrganizationID, id)
	return a, storeError(err, dialtone.CodeAgentNotFound)
}

// List returns a page of p's organization's agents, newest first; invalid_cursor when a cursor
// does not name one of them.
func (s *Agents) List(ctx context.Context, p dialtone.Principal, f dialtone.AgentFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Agent], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Agent]{}, err
	}
	agents, more, err := s.store.ListAgents(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Agent]{}, storeError(err, dialtone.CodeAgentNotFound)
	}
	return dialtone.NewList(agents, more), nil
}

// Update changes the fields set in params (write role); null resets a field to its default.
// It returns agent_not_found or a validation error; on error nothing changes.
func (s *Agents) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.AgentParams) (dialtone.Agent, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Agent{}, err
	}
	if fe := s.Validate(ctx, params, true); len(fe) > 0 {
		return dialtone.Agent{}, fe.Err()
	}
	a, err := s.store.UpdateAgent(ctx, p.OrganizationID, id, func(a *dialtone.Agent) error {
		if fe := s.apply(ctx, a, params); len(fe) > 0 {
			return fe.Err()
		}
		a.UpdatedAt = s.now()
		return nil
	})
	return a, storeError(err, dialtone.CodeAgentNotFound)
}

// Delete takes an agent out of use (write role); its row stays for the history of its calls.
// It returns agent_not_found.
func (s *Agents) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	return storeError(s.store.DeleteAgent(ctx, p.OrganizationID, id, s.now()), dialtone.CodeAgentNotFound)
}

// resetAgentDefaults sets every optional field of a to its default.
func resetAgentDefaults(a *dialtone.Agent) {
	a.Brain = dialtone.Brain{Type: dialtone.BrainScripted}
	a.Voicemail = dialtone.Voicemail{Action: dialtone.VoicemailHangUp}
	a.MaxCallDurationSeconds = dialtone.DefaultMaxCallDuration
	a.RingTimeoutSeconds = dialtone.DefaultRingTimeoutSeconds
	a.TransferNumbers = []string{}
	a.Metadata = map[string]string{}
}

// apply copies the fields set in params (already validated one by one) onto a, resetting those
// that are null, then settles the voice: a voice must speak the agent's language, and an agent
// whose language changes without a new voice gets that language's default voice.
func (s *Agents) apply(ctx context.Context, a *dialtone.Agent, params dialtone.AgentParams) dialtone.FieldErrors {
	var def dialtone.Agent
	resetAgentDefaults(&def)
	def.Language = dialtone.DefaultLanguage
	setOr(&a.Name, params.Name, "")
	setOr(&a.SystemPrompt, params.SystemPrompt, "")
	setOr(&a.Greeting, params.Greeting, "")
	setOr(&a.Language, params.Language, def.Language)
	setOr(&a.Brain, params.Brain, def.Brain)
	setOr(&a.Voicemail, params.Voicemail, def.Voicemail)
	setOr(&a.MaxCallDurationSeconds, params.MaxCallDurationSeconds, def.MaxCallDurationSeconds)
	setOr(&a.RingTimeoutSeconds, params.RingTimeoutSeconds, def.RingTimeoutSeconds)
	setOr(&a.TransferNumbers, params.TransferNumbers, def.TransferNumbers)
	setOr(&a.Metadata, params.Metadata, def.Metadata)
	if a.TransferNumbers == nil {
		a.TransferNumbers = []string{}
	}
	if a.Metadata == nil {
		a.Metadata = map[string]string{}
	}

	var fe dialtone.FieldErrors
	voices := s.voices.Voices(ctx)
	if params.Voice.HasValue() {
		v, _ := findVoice(voices, params.Voice.Value) // existence checked by Validate
		if v.Language != a.Language {
			fe.Addf("voice", dialtone.CodeInvalidVoiceID,
				"Voice %q speaks %s, not the agent's language %s.", v.ID, v.Language, a.Language)
		}
		a.Voice = v.ID
		return fe
	}
	if cur, ok := findVoice(voices, a.Voice); params.Voice.Set || !ok || cur.Language != a.Language {
		a.Voice = defaultVoice(voices, a.Language)
	}
	return fe
}

// setOr sets *dst to o's value when o holds one, to def when o is null, and leaves it alone
// when o is absent.
func setOr[T any](dst *T, o dialtone.Optional[T], def T) {
	switch {
	case o.HasValue():
		*dst = o.Value
	case o.Set:
		*dst = def
	}
}

func findVoice(voices []dialtone.Voice, id string) (dialtone.Voice, bool) {
	for _, v := range voices {
		if v.ID == id {
			return v, true
		}
	}
	return dialtone.Voice{}, false
}

// defaultVoice is the first voice listed for language (the catalogue lists defaults first), or
// "" when no provider speaks it.
func defaultVoice(voices []dialtone.Voice, language string) string {
	for _, v := range voices {
		if v.Language == language {
			return v.ID
		}
	}
	return ""
}
