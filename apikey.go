package dialtone

import (
	"context"
	"time"
)

// Role is what an API key may do.
type Role string

// The roles, from least to most powerful.
const (
	RoleRead  Role = "read"  // read everything except keys
	RoleWrite Role = "write" // also create, change and delete resources
	RoleAdmin Role = "admin" // also manage API keys
)

// Roles lists the roles from least to most powerful.
func Roles() []Role { return []Role{RoleRead, RoleWrite, RoleAdmin} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a key with role r may do what needs role need.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && r.Valid() }

func (r Role) rank() int {
	switch r {
	case RoleRead:
		return 1
	case RoleWrite:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// MaxKeyNameLen limits an API key's name.
const MaxKeyNameLen = 100

// APIKey is a credential of one organization. Its secret is shown once, when the key is created
// or rotated, and stored only as a hash.
type APIKey struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"` // "api_key"
	OrganizationID string     `json:"organization_id"`
	Name           string     `json:"name"`
	Role           Role       `json:"role"`
	Operator       bool       `json:"operator"`
	SecretHint     string     `json:"secret_hint"` // "dts_…" plus the secret's last four characters
	CreatedAt      time.Time  `json:"created_at"`
	RotatedAt      *time.Time `json:"rotated_at"`
	// Secret is set only in the response that creates or rotates the key.
	Secret string `json:"secret,omitempty"`
	// Credential is Secret prefixed with the key id, ready for "Authorization: Bearer …"; set
	// only with Secret.
	Credential string `json:"credential,omitempty"`
}

// SecretHint returns what may be shown of a secret once it is stored: its prefix and last four
// characters.
func SecretHint(secret string) string {
	if len(secret) < 8 {
		return secretPrefix + "…"
	}
	return secretPrefix + "…" + secret[len(secret)-4:]
}

// Principal is who is making a request: the key that authenticated it.
type Principal struct {
	KeyID          string
	OrganizationID string
	Role           Role
	Operator       bool
}

// KeyParams are the fields of a new API key.
type KeyParams struct {
	Name Optional[string] `json:"name,omitzero"`
	Role Optional[Role]   `json:"role,omitzero"` // default RoleWrite
}

// KeyService manages API keys and authenticates requests.
type KeyService interface {
	// Authenticate returns the principal of a credential. It returns invalid_api_key when the
	// key does not exist, is revoked, or the secret does not match.
	Authenticate(ctx context.Context, keyID, secret string) (Principal, error)
	// Create makes a key in p's organization and returns it with its secret.
	Create(ctx context.Context, p Principal, params KeyParams) (APIKey, error)
	// List returns p's organization's live keys, newest first.
	List(ctx context.Context, p Principal, lp ListParams) (List[APIKey], error)
	// Revoke removes a key; it returns key_not_found, or last_admin_key when it is the
	// organization's only admin key.
	Revoke(ctx context.Context, p Principal, id string) error
	// Rotate replaces a key's secret and returns the key with the new one; the old secret stops
	// working at once. It returns key_not_found.
	Rotate(ctx context.Context, p Principal, id string) (APIKey, error)
}
