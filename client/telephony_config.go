package client

import (
	"context"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// TelephonyConfigService reads and replaces the organization's telephony config
// (/v1/telephony-config): the destinations its calls may reach. Reading needs a key of role
// read; replacing, a key of role write.
type TelephonyConfigService struct{ c *Client }

// Get returns the telephony config; an organization that never set one gets
// dialtone.DefaultTelephonyConfig, with a nil UpdatedAt.
func (s *TelephonyConfigService) Get(ctx context.Context) (*dialtone.TelephonyConfig, error) {
	return send[dialtone.TelephonyConfig](ctx, s.c, request{method: http.MethodGet, path: "/v1/telephony-config"})
}

// Put replaces the telephony config (PUT) and returns it: it becomes exactly params, every
// field left unset (or dialtone.Null) taking its default, so an empty params restores the
// defaults. Invalid params give a 400 validation error whose Fields lists every invalid entry,
// e.g. invalid_country (param allowed_countries[1]), invalid_value for a malformed or repeated
// prefix, too_many_items for an over-long list; nothing changes then. Calls placed afterwards
// to a refused destination get destination_not_allowed.
func (s *TelephonyConfigService) Put(ctx context.Context, params dialtone.TelephonyConfigParams) (*dialtone.TelephonyConfig, error) {
	return send[dialtone.TelephonyConfig](ctx, s.c, request{method: http.MethodPut, path: "/v1/telephony-config", body: params})
}
