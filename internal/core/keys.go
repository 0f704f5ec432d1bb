package core

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone"
)

// Keys manages API keys. Secrets are random 256-bit values, so a plain SHA-256 is a sound hash:
// there is nothing for a slow password hash to protect against, and authentication stays cheap.
type Keys struct {
	store Store
	now   func() time.Time
}

var _ dialtone.KeyService = (*Keys)(nil)

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func invalidKey() error { return dialtone.NewError(dialtone.CodeInvalidAPIKey, "") }

// Authenticate returns the principal of keyID and secret, or invalid_api_key when the key is
// unknown, revoked, or the secret does not match.
func (k *Keys) Authenticate(ctx context.Context, keyID, secret string) (dialtone.Principal, error) {
	if !dialtone.HasPrefix(keyID, dialtone.PrefixKey) || !dialtone.LooksLikeKeySecret(secret) {
		return dialtone.Principal{}, invalidKey()
	}
	rec, err := k.store.GetKey(ctx, keyID)
	if errors.Is(err, ErrNotFound) {
		return dialtone.Principal{}, invalidKey()
	}
	if err != nil {
		return dialtone.Principal{}, dialtone.Internal(err)
	}
	if subtle.ConstantTimeCompare(rec.SecretHash, hashSecret(secret)) != 1 {
		return dialtone.Principal{}, invalidKey()
	}
	return dialtone.Principal{KeyID: rec.ID, OrganizationID: rec.OrganizationID, Role: rec.Role, Operator: rec.Operator}, nil
}

// NewKey returns a fresh key record of orgID with its secret set in the public part. It stores
// nothing.
func (k *Keys) NewKey(orgID, name string, role dialtone.Role, operator bool) KeyRecord {
	secret := dialtone.NewKeySecret()
	id := dialtone.NewID(dialtone.PrefixKey)
	return KeyRecord{
		APIKey: dialtone.APIKey{
			ID: id, Object: "api_key", OrganizationID: orgID, Name: name, Role: role,
			Operator: operator, SecretHint: dialtone.SecretHint(secret), CreatedAt: k.now(),
			Secret: secret, Credential: id + ":" + secret,
		},
		SecretHash: hashSecret(secret),
	}
}

// Create makes a key in p's organization (admin only) and returns it with its secret; the role
// defaults to write. Keys made through the API are never operator keys.
func (k *Keys) Create(ctx context.Context, p dialtone.Principal, params dialtone.KeyParams) (dialtone.APIKey, error) {
	if err := Authorize(p, dialtone.RoleAdmin); err != nil {
		return dialtone.APIKey{}, err
	}
	if err := ValidateKeyParams(params).Err(); err != nil {
		return dialtone.APIKey{}, err
	}
	role := dialtone.RoleWrite
	if params.Role.HasValue() {
		role = params.Role.Value
	}
	rec := k.NewKey(p.OrganizationID, params.Name.Value, role, false)
	if err := k.store.InsertKey(ctx, rec); err != nil {
		return dialtone.APIKey{}, dialtone.Internal(err)
	}
	return rec.APIKey, nil
}

// ValidateKeyParams returns every invalid field of params.
func ValidateKeyParams(params dialtone.KeyParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if params.Name.HasValue() && utf8.RuneCountInString(params.Name.Value) > dialtone.MaxKeyNameLen {
		fe.Addf("name", dialtone.CodeValueTooLong, "name must be at most %d characters.", dialtone.MaxKeyNameLen)
	}
	if params.Role.HasValue() && !params.Role.Value.Valid() {
		fe.Addf("role", dialtone.CodeInvalidValue, "role must be one of read, write, admin; got %q.", params.Role.Value)
	}
	return fe
}

// List returns p's organization's live keys, newest first (admin only).
func (k *Keys) List(ctx context.Context, p dialtone.Principal, lp dialtone.ListParams) (dialtone.List[dialtone.APIKey], error) {
	if err := Authorize(p, dialtone.RoleAdmin); err != nil {
		return dialtone.List[dialtone.APIKey]{}, err
	}
	keys, more, err := k.store.ListKeys(ctx, p.OrganizationID, lp)
	if err != nil {
		return dialtone.List[dialtone.APIKey]{}, storeError(err, dialtone.CodeKeyNotFound)
	}
	return dialtone.NewList(keys, more), nil
}

// Revoke revokes a key of p's organization (admin only); the key stops working on the next
// request. It returns key_not_found, or last_admin_key for the organization's only admin key.
func (k *Keys) Revoke(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleAdmin); err != nil {
		return err
	}
	return storeError(k.store.RevokeKey(ctx, p.OrganizationID, id, k.now()), dialtone.CodeKeyNotFound)
}

// Rotate gives a key of p's organization a new secret (admin only) and returns the key with it;
// the old secret stops working at once. It returns key_not_found.
func (k *Keys) Rotate(ctx context.Context, p dialtone.Principal, id string) (dialtone.APIKey, error) {
	if err := Authorize(p, dialtone.RoleAdmin); err != nil {
		return dialtone.APIKey{}, err
	}
	secret := dialtone.NewKeySecret()
	key, err := k.store.RotateKey(ctx, p.OrganizationID, id, hashSecret(secret), dialtone.SecretHint(secret), k.now())
	if err != nil {
		return dialtone.APIKey{}, storeError(err, dialtone.CodeKeyNotFound)
	}
	key.Secret, key.Credential = secret, key.ID+":"+secret
	return key, nil
}

// storeError turns the store's sentinel errors into catalogued errors: ErrNotFound into
// notFound, ErrBadCursor into invalid_cursor, ErrLastAdmin into last_admin_key; anything else
// into internal_error. A nil err stays nil.
func storeError(err error, notFound dialtone.Code) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return dialtone.NewError(notFound, "")
	case errors.Is(err, ErrBadCursor):
		return dialtone.NewError(dialtone.CodeInvalidCursor, "")
	case errors.Is(err, ErrLastAdmin):
		return dialtone.NewError(dialtone.CodeLastAdminKey, "")
	}
	var de *dialtone.Error
	if errors.As(err, &de) {
		return de
	}
	return dialtone.Internal(err)
}
