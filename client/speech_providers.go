package client

import (
	"context"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// SpeechProvidersService reads and sets the organization's speech provider keys
// (/v1/speech-providers): the keys of Deepgram, OpenAI and ElevenLabs that every agent entry
// without a key of its own uses. Keys are never returned. Reading needs a key of role read;
// setting, a key of role write.
type SpeechProvidersService struct{ c *Client }

// Get returns which keys are set; a provider without one is nil.
func (s *SpeechProvidersService) Get(ctx context.Context) (*dialtone.SpeechProviderKeys, error) {
	return send[dialtone.SpeechProviderKeys](ctx, s.c, request{method: http.MethodGet, path: "/v1/speech-providers"})
}

// Put sets the keys of the providers params hold, removes those set to dialtone.Null, leaves
// the others, and returns which keys are now set. Invalid params give a 400 validation error
// whose Fields lists every invalid entry (field_required for a missing api_key, invalid_value
// for a base_url on another provider than openai); nothing changes then.
func (s *SpeechProvidersService) Put(ctx context.Context, params dialtone.SpeechProviderKeysParams) (*dialtone.SpeechProviderKeys, error) {
	return send[dialtone.SpeechProviderKeys](ctx, s.c, request{method: http.MethodPut, path: "/v1/speech-providers", body: params})
}
