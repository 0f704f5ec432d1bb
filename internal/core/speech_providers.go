package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/dialtonehq/dialtone"
)

// SpeechProviderSecret is an organization's stored key of one speech provider.
type SpeechProviderSecret struct {
	Provider  dialtone.SpeechProviderName
	Secret    string // the API key, sealed; "" for none (openai with a BaseURL)
	BaseURL   string // openai only; "" for OpenAI's own API
	UpdatedAt time.Time
}

// SpeechProviders manages each organization's speech provider keys: the keys every agent
// entry of a provider without a key of its own uses.
type SpeechProviders struct {
	store   Store
	secrets Sealer
	now     func() time.Time
}

// Validate returns every invalid field of params, in the order the providers are documented.
func (s *SpeechProviders) Validate(params dialtone.SpeechProviderKeysParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	for name, o := range orgKeyParams(params) {
		if !o.HasValue() {
			continue
		}
		k, field := o.Value, string(name)
		if k.BaseURL != "" {
			if name != dialtone.SpeechOpenAI {
				fe.Addf(field+".base_url", dialtone.CodeInvalidValue, "%s.base_url applies to openai only.", field)
			} else {
				validateURL(&fe, field+".base_url", k.BaseURL, true)
			}
		}
		required := name != dialtone.SpeechOpenAI || k.BaseURL == ""
		checkSpeechKey(&fe, field+".api_key", k.APIKey, required)
	}
	return fe
}

// orgKeyParams yields params' entries in the documented order of the providers.
func orgKeyParams(params dialtone.SpeechProviderKeysParams) func(yield func(dialtone.SpeechProviderName, dialtone.Optional[dialtone.SpeechProviderKeyParams]) bool) {
	return func(yield func(dialtone.SpeechProviderName, dialtone.Optional[dialtone.SpeechProviderKeyParams]) bool) {
		_ = yield(dialtone.SpeechDeepgram, params.Deepgram) && yield(dialtone.SpeechOpenAI, params.OpenAI) &&
			yield(dialtone.SpeechElevenLabs, params.ElevenLabs)
	}
}

// checkSpeechKey checks an API key sent for field; "" is refused when required.
func checkSpeechKey(fe *dialtone.FieldErrors, field, key string, required bool) {
	switch {
	case key == "" && required:
		fe.Addf(field, dialtone.CodeFieldRequired, "%s is required.", field)
	case runes(key) > dialtone.MaxSpeechAPIKeyLen:
		fe.Addf(field, dialtone.CodeValueTooLong, "%s is %d characters; the limit is %d.", field, runes(key), dialtone.MaxSpeechAPIKeyLen)
	case strings.ContainsFunc(key, unicode.IsSpace):
		fe.Addf(field, dialtone.CodeInvalidValue, "%s must not contain spaces or line breaks.", field)
	}
}

// Get returns p's organization's speech provider keys as they read (read role): whether each
// is set, never the key.
func (s *SpeechProviders) Get(ctx context.Context, p dialtone.Principal) (dialtone.SpeechProviderKeys, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.SpeechProviderKeys{}, err
	}
	keys, err := s.store.ListSpeechProviderKeys(ctx, p.OrganizationID)
	if err != nil {
		return dialtone.SpeechProviderKeys{}, dialtone.Internal(err)
	}
	return renderOrgKeys(keys), nil
}

func renderOrgKeys(keys []SpeechProviderSecret) dialtone.SpeechProviderKeys {
	out := dialtone.SpeechProviderKeys{Object: "speech_providers"}
	for _, k := range keys {
		r := &dialtone.SpeechProviderKey{APIKeySet: k.Secret != "", BaseURL: k.BaseURL}
		switch k.Provider {
		case dialtone.SpeechDeepgram:
			out.Deepgram = r
		case dialtone.SpeechOpenAI:
			out.OpenAI = r
		case dialtone.SpeechElevenLabs:
			out.ElevenLabs = r
		}
		if t := k.UpdatedAt; out.UpdatedAt == nil || t.After(*out.UpdatedAt) {
			out.UpdatedAt = &t
		}
	}
	return out
}

// Put changes p's organization's speech provider keys (write role): a provider absent in
// params stays, null removes its key, an object replaces it. Keys are sealed before they are
// stored. It returns a validation error listing every invalid field (nothing changes), and
// otherwise the keys as they now read.
func (s *SpeechProviders) Put(ctx context.Context, p dialtone.Principal, params dialtone.SpeechProviderKeysParams) (dialtone.SpeechProviderKeys, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.SpeechProviderKeys{}, err
	}
	fe := s.Validate(params)
	var set []SpeechProviderSecret
	var remove []dialtone.SpeechProviderName
	now := s.now()
	for name, o := range orgKeyParams(params) {
		switch {
		case o.HasValue():
			k := SpeechProviderSecret{Provider: name, BaseURL: o.Value.BaseURL, UpdatedAt: now}
			if o.Value.APIKey != "" {
				if s.secrets == nil {
					fe.Add(string(name)+".api_key", dialtone.CodeInvalidValue, "This server has no secret key configured, so it cannot store secrets.")
					continue
				}
				k.Secret = s.secrets.Seal(o.Value.APIKey)
			}
			set = append(set, k)
		case o.Set:
			remove = append(remove, name)
		}
	}
	if len(fe) > 0 {
		return dialtone.SpeechProviderKeys{}, fe.Err()
	}
	if err := s.store.PutSpeechProviderKeys(ctx, p.OrganizationID, set, remove); err != nil {
		return dialtone.SpeechProviderKeys{}, dialtone.Internal(err)
	}
	return s.Get(ctx, p)
}

// orgSpeechKeys returns orgID's stored speech provider keys by provider.
func orgSpeechKeys(ctx context.Context, store Store, orgID string) (map[dialtone.SpeechProviderName]SpeechProviderSecret, error) {
	keys, err := store.ListSpeechProviderKeys(ctx, orgID)
	if err != nil {
		return nil, err
	}
	m := make(map[dialtone.SpeechProviderName]SpeechProviderSecret, len(keys))
	for _, k := range keys {
		m[k.Provider] = k
	}
	return m, nil
}

// speechSecretKey names an agent entry's key in the sealed map of Agent.SpeechSecrets.
func speechSecretKey(kind string, i int) string { return fmt.Sprintf("%s.%d", kind, i) }

// openSpeechSecrets opens an agent's sealed speech keys; none for "" (or without a sealer).
func openSpeechSecrets(sealer Sealer, sealed string) (map[string]string, error) {
	m := map[string]string{}
	if sealed == "" || sealer == nil {
		return m, nil
	}
	text, err := sealer.Open(sealed)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return map[string]string{}, err
	}
	return m, nil
}

// ConversationSpeech returns the speech settings and opened keys a call of agent a uses: a
// copy of a.Speech in which an openai entry without a base_url takes the organization's, and
// for every entry its own key, else the organization's key of its provider, else "". A key
// that cannot be opened is logged by the caller (the error) and left "".
func ConversationSpeech(ctx context.Context, store Store, sealer Sealer, orgID string, a dialtone.Agent) (*dialtone.Speech, dialtone.SpeechKeys, error) {
	if a.Speech == nil {
		return nil, dialtone.SpeechKeys{}, nil
	}
	own, errOwn := openSpeechSecrets(sealer, a.SpeechSecrets)
	org, err := orgSpeechKeys(ctx, store, orgID)
	if err != nil {
		return a.Speech, dialtone.SpeechKeys{}, err
	}
	sp := &dialtone.Speech{}
	var keys dialtone.SpeechKeys
	var errs []error
	if errOwn != nil {
		errs = append(errs, errOwn)
	}
	resolve := func(kind string, list []dialtone.SpeechProvider) ([]dialtone.SpeechProvider, []string) {
		out, ks := make([]dialtone.SpeechProvider, len(list)), make([]string, len(list))
		for i, e := range list {
			o := org[e.Provider]
			if e.Provider == dialtone.SpeechOpenAI && e.BaseURL == "" {
				e.BaseURL = o.BaseURL
			}
			ks[i] = own[speechSecretKey(kind, i)]
			if ks[i] == "" && o.Secret != "" && sealer != nil {
				k, err := sealer.Open(o.Secret)
				if err != nil {
					errs = append(errs, err)
				}
				ks[i] = k
			}
			out[i] = e
		}
		return out, ks
	}
	sp.STT, keys.STT = resolve("stt", a.Speech.STT)
	sp.TTS, keys.TTS = resolve("tts", a.Speech.TTS)
	if len(errs) > 0 {
		return sp, keys, fmt.Errorf("open speech keys: %w", errs[0])
	}
	return sp, keys, nil
}
