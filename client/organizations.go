package client

import (
	"context"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// OrganizationsService reads the credential's organization and, for operator keys, creates
// organizations.
type OrganizationsService struct{ c *Client }

// Get returns the organization the credential belongs to.
func (s *OrganizationsService) Get(ctx context.Context) (*dialtone.Organization, error) {
	return send[dialtone.Organization](ctx, s.c, request{method: http.MethodGet, path: "/v1/organization"})
}

// Create creates an organization and its first admin key, returned with its secret in
// AdminKey (in this answer only). Only operator keys may: others get operator_required.
func (s *OrganizationsService) Create(ctx context.Context, params dialtone.OrganizationParams, opts ...RequestOption) (*dialtone.Organization, error) {
	return send[dialtone.Organization](ctx, s.c, request{method: http.MethodPost, path: "/v1/organizations", body: params, opts: opts})
}
