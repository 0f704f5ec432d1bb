package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// VoicesService lists the voices agents can use (/v1/voices).
type VoicesService struct{ c *Client }

// List returns every voice, or only those of language (a BCP 47 tag such as "en-US") when it
// is not empty; each language's default voice comes first. An unsupported language gives
// invalid_language. The list is never paginated.
func (s *VoicesService) List(ctx context.Context, language string) (*dialtone.List[dialtone.Voice], error) {
	q := url.Values{}
	if language != "" {
		q.Set("language", language)
	}
	return send[dialtone.List[dialtone.Voice]](ctx, s.c, request{method: http.MethodGet, path: "/v1/voices", query: q})
}
