package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// KeysService manages the API keys of the credential's organization (/v1/keys). Every
// method needs a key of role admin.
type KeysService struct{ c *Client }

// Create creates a key (role write unless params sets another). The answer is the only one
// that carries the key's Secret and Credential: store them, they cannot be read again.
func (s *KeysService) Create(ctx context.Context, params dialtone.KeyParams, opts ...RequestOption) (*dialtone.APIKey, error) {
	return send[dialtone.APIKey](ctx, s.c, request{method: http.MethodPost, path: "/v1/keys", body: params, opts: opts})
}

// List returns one page of the organization's live keys, newest first, without secrets; p
// may be nil and must not set Name.
func (s *KeysService) List(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.APIKey], error) {
	return send[dialtone.List[dialtone.APIKey]](ctx, s.c, request{method: http.MethodGet, path: "/v1/keys", query: p.query()})
}

// All iterates over every live key, as AgentsService.All does over agents.
func (s *KeysService) All(ctx context.Context, p *ListParams) iter.Seq2[dialtone.APIKey, error] {
	return all(ctx, p, s.List, func(k dialtone.APIKey) string { return k.ID })
}

// Revoke revokes the key with the given id: it stops working at once. It returns
// key_not_found, or last_admin_key for the organization's only admin key.
func (s *KeysService) Revoke(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "key", id, request{method: http.MethodDelete, path: "/v1/keys/{id}"})
}

// Rotate gives the key a new secret, returned (with its Credential) in this answer only; the
// old secret stops working at once, and using it gives invalid_api_key. It returns
// key_not_found for an unknown key.
func (s *KeysService) Rotate(ctx context.Context, id string, opts ...RequestOption) (*dialtone.APIKey, error) {
	return sendID[dialtone.APIKey](ctx, s.c, "key", id, request{method: http.MethodPost, path: "/v1/keys/{id}/rotate", opts: opts})
}
