package core

import (
	"context"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Agents manages agents.
type Agents struct {
	store   Store
	voices  dialtone.VoiceCatalog
	secrets Sealer
	now     func() time.Time
}

// Sealer encrypts the secrets core stores for users, such as a brain's API key
// (internal/secretbox.Box is one).
type Sealer interface {
	// Seal returns plaintext encrypted; Open reverses it, or fails for a damaged text.
	Seal(plaintext string) string
	Open(sealed string) (string, error)
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
		Language: dialtone.DefaultLanguage, Timezone: dialtone.DefaultTimezone, CreatedAt: now, UpdatedAt: now,
	}
	resetAgentDefaults(&a)
	org, err := s.speechKeysFor(ctx, p.OrganizationID, params)
	if err != nil {
		return dialtone.Agent{}, err
	}
	if fe := s.apply(ctx, &a, params, org); len(fe) > 0 {
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
	org, err := s.speechKeysFor(ctx, p.OrganizationID, params)
	if err != nil {
		return dialtone.Agent{}, err
	}
	a, err := s.store.UpdateAgent(ctx, p.OrganizationID, id, func(a *dialtone.Agent) error {
		if fe := s.apply(ctx, a, params, org); len(fe) > 0 {
			return fe.Err()
		}
		a.UpdatedAt = s.now()
		return nil
	})
	return a, storeError(err, dialtone.CodeAgentNotFound)
}

// speechKeysFor loads orgID's speech provider keys when params set speech settings (whose
// entries may rely on them); nil otherwise.
func (s *Agents) speechKeysFor(ctx context.Context, orgID string, params dialtone.AgentParams) (map[dialtone.SpeechProviderName]SpeechProviderSecret, error) {
	if !params.Speech.HasValue() {
		return nil, nil
	}
	org, err := orgSpeechKeys(ctx, s.store, orgID)
	if err != nil {
		return nil, dialtone.Internal(err)
	}
	return org, nil
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
	a.TurnTaking = dialtone.DefaultTurnTaking()
	a.MaxCallDurationSeconds = dialtone.DefaultMaxCallDuration
	a.RingTimeoutSeconds = dialtone.DefaultRingTimeoutSeconds
	a.TransferNumbers = []string{}
	a.Metadata = map[string]string{}
}

// apply copies the fields set in params (already validated one by one) onto a, resetting those
// that are null, then settles the secrets (org is the organization's speech provider keys,
// loaded when params set speech) and the voice: a voice must speak the agent's language, and an agent
// whose language changes without a new voice gets that language's default voice.
func (s *Agents) apply(ctx context.Context, a *dialtone.Agent, params dialtone.AgentParams, org map[dialtone.SpeechProviderName]SpeechProviderSecret) dialtone.FieldErrors {
	var def dialtone.Agent
	resetAgentDefaults(&def)
	def.Language = dialtone.DefaultLanguage
	setOr(&a.Name, params.Name, "")
	setOr(&a.SystemPrompt, params.SystemPrompt, "")
	setOr(&a.Greeting, params.Greeting, "")
	setOr(&a.SMSPrompt, params.SMSPrompt, "")
	setOr(&a.Language, params.Language, def.Language)
	setOr(&a.Timezone, params.Timezone, dialtone.DefaultTimezone)
	prev := a.Brain
	setOr(&a.Brain, params.Brain, def.Brain)
	prevSpeech := a.Speech
	switch {
	case params.Speech.HasValue():
		a.Speech = &params.Speech.Value
	case params.Speech.Set:
		a.Speech = nil
	}
	setOr(&a.Voicemail, params.Voicemail, def.Voicemail)
	switch {
	case params.TurnTaking.HasValue():
		a.TurnTaking = params.TurnTaking.Value.Apply()
	case params.TurnTaking.Set:
		a.TurnTaking = def.TurnTaking
	}
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
	if params.Brain.Set {
		s.settleBrainSecret(&fe, a, prev)
	}
	if params.Speech.Set {
		s.settleSpeech(&fe, a, prevSpeech, org)
	}
	for i, r := range a.Brain.Rules {
		if r.Action == dialtone.ActionTransfer && r.TransferTo == "" && len(a.TransferNumbers) == 0 {
			fe.Addf(fmt.Sprintf("brain.rules[%d].transfer_to", i), dialtone.CodeFieldRequired,
				"This agent has no transfer_numbers: give the rule a transfer_to, or the agent transfer_numbers.")
		}
	}
	if len(fe) > 0 {
		return fe
	}
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

// settleBrainSecret seals a new brain's secret (an openai brain's API key, a webhook brain's
// signing secret) into a.BrainSecret and keeps only its hint in the brain. A brain that keeps
// its type without a new secret keeps the stored one; a webhook brain must have one; any other
// brain has none.
func (s *Agents) settleBrainSecret(fe *dialtone.FieldErrors, a *dialtone.Agent, prev dialtone.Brain) {
	b := &a.Brain
	var secret, field string
	var hint, prevHint *string
	switch b.Type {
	case dialtone.BrainOpenAI:
		secret, field, hint, prevHint = b.APIKey, "brain.api_key", &b.APIKeyHint, &prev.APIKeyHint
	case dialtone.BrainWebhook:
		secret, field, hint, prevHint = b.SigningSecret, "brain.signing_secret", &b.SigningSecretHint, &prev.SigningSecretHint
	}
	b.APIKey, b.SigningSecret = "", ""
	switch {
	case field == "":
		a.BrainSecret = ""
	case secret != "":
		if s.secrets == nil {
			fe.Add(field, dialtone.CodeInvalidValue, "This server has no secret key configured, so it cannot store secrets.")
			return
		}
		a.BrainSecret, *hint = s.secrets.Seal(secret), keyHint(secret)
	case prev.Type == b.Type && a.BrainSecret != "":
		*hint = *prevHint // the stored secret stays
	case b.Type == dialtone.BrainWebhook:
		fe.Add(field, dialtone.CodeFieldRequired, "brain.signing_secret is required: Dialtone signs every request to your server with it.")
	default:
		a.BrainSecret = ""
	}
}

// keyHint is what reads show of a secret: "…" and its last four characters, or less of a
// short one.
func keyHint(key string) string {
	r := []rune(key)
	if len(r) < 12 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
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
