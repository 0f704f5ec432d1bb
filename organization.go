package dialtone

import (
	"context"
	"time"
)

// Organization owns every other resource. Every query is scoped by one.
type Organization struct {
	ID     string `json:"id"`
	Object string `json:"object"` // "organization"
	Name   string `json:"name"`
	// BillingMode is prepaid or postpaid (see BillingMode).
	BillingMode BillingMode `json:"billing_mode"`
	CreatedAt   time.Time   `json:"created_at"`
	// AdminKey is the new organization's first admin key, with its secret; it is set only in the
	// response that creates the organization.
	AdminKey *APIKey `json:"admin_key,omitempty"`
}

// Organization name limits.
const MaxOrganizationNameLen = 100

// OrganizationParams are the fields of a new organization.
type OrganizationParams struct {
	Name Optional[string] `json:"name,omitzero"`
	// BillingMode defaults to prepaid: tenants an operator creates through the API pay in
	// advance, so that an unfunded tenant cannot run up charges. The bootstrap organization and
	// those of `dialtone keys create --new-org` are the operator's own, and postpaid.
	BillingMode Optional[BillingMode] `json:"billing_mode,omitzero"`
}

// OrganizationService manages organizations.
type OrganizationService interface {
	// Get returns the organization p belongs to.
	Get(ctx context.Context, p Principal) (Organization, error)
	// Create makes an organization and its first admin key (returned with its secret). It
	// returns operator_required unless p is an operator, and field errors for bad params.
	Create(ctx context.Context, p Principal, params OrganizationParams) (Organization, error)
}
