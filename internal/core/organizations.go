package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// Organizations manages organizations.
type Organizations struct {
	store Store
	keys  *Keys
	now   func() time.Time
}

var _ dialtone.OrganizationService = (*Organizations)(nil)

// Get returns the organization of p.
func (o *Organizations) Get(ctx context.Context, p dialtone.Principal) (dialtone.Organization, error) {
	org, err := o.store.GetOrganization(ctx, p.OrganizationID)
	if err != nil {
		// A live key always has its organization; anything else is our fault.
		return dialtone.Organization{}, dialtone.Internal(err)
	}
	return org, nil
}

// Create makes an organization with a first admin key, returned with its secret in AdminKey.
// Only operators may: others get operator_required.
func (o *Organizations) Create(ctx context.Context, p dialtone.Principal, params dialtone.OrganizationParams) (dialtone.Organization, error) {
	if !p.Operator {
		return dialtone.Organization{}, dialtone.NewError(dialtone.CodeOperatorRequired, "")
	}
	if err := ValidateOrganizationParams(params).Err(); err != nil {
		return dialtone.Organization{}, err
	}
	org, key := o.New(params.Name.Value, "admin", dialtone.RoleAdmin, false)
	// Tenants an operator creates through the API pay in advance unless the operator says
	// otherwise, so an unfunded tenant cannot run up charges.
	org.BillingMode = or(params.BillingMode, dialtone.BillingPrepaid)
	if err := o.store.CreateOrganization(ctx, org, key); err != nil {
		return dialtone.Organization{}, dialtone.Internal(err)
	}
	org.AdminKey = &key.APIKey
	return org, nil
}

// ValidateOrganizationParams returns every invalid field of params.
func ValidateOrganizationParams(params dialtone.OrganizationParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	validateName(&fe, "name", params.Name, dialtone.MaxOrganizationNameLen)
	if params.BillingMode.HasValue() && !params.BillingMode.Value.Valid() {
		fe.Addf("billing_mode", dialtone.CodeInvalidValue, "billing_mode must be prepaid or postpaid; got %q.", params.BillingMode.Value)
	}
	return fe
}

// validateName checks a required name: present, not blank, at most max characters.
func validateName(fe *dialtone.FieldErrors, field string, name dialtone.Optional[string], max int) {
	switch {
	case !name.HasValue():
		fe.Addf(field, dialtone.CodeFieldRequired, "%s is required.", field)
	case strings.TrimSpace(name.Value) == "":
		fe.Addf(field, dialtone.CodeValueTooShort, "%s must not be empty.", field)
	case utf8.RuneCountInString(name.Value) > max:
		fe.Addf(field, dialtone.CodeValueTooLong, "%s must be at most %d characters.", field, max)
	}
}

// New returns an organization and its first key without storing them. The organization is
// postpaid: the bootstrap organization and those of `dialtone keys create --new-org` belong to
// the operator, who does not prepay.
func (o *Organizations) New(name, keyName string, role dialtone.Role, operator bool) (dialtone.Organization, KeyRecord) {
	org := dialtone.Organization{ID: dialtone.NewID(dialtone.PrefixOrganization), Object: "organization", Name: name, BillingMode: dialtone.BillingPostpaid, CreatedAt: o.now()}
	return org, o.keys.NewKey(org.ID, keyName, role, operator)
}

// Bootstrap creates the first organization and its admin key when the database is empty, and
// returns the key with its secret; ok is false when the database was already set up.
func (o *Organizations) Bootstrap(ctx context.Context) (key dialtone.APIKey, ok bool, err error) {
	org, rec := o.New("Default organization", "bootstrap admin key", dialtone.RoleAdmin, false)
	ok, err = o.store.Bootstrap(ctx, org, rec)
	if err != nil || !ok {
		return dialtone.APIKey{}, false, err
	}
	return rec.APIKey, true, nil
}
