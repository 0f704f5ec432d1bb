package dialtone

import (
	"crypto/rand"
	"strings"
)

// ID prefixes, one per resource type.
const (
	PrefixOrganization = "org"
	PrefixKey          = "key"
	PrefixAgent        = "agt"
	PrefixRequest      = "req"
)

const (
	idAlphabet   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	idRandomLen  = 22 // 62^22 ≈ 2^131
	secretPrefix = "dts_"
	secretLen    = 43 // 62^43 ≈ 2^256
)

// NewID returns prefix + "_" + 22 random base62 characters (about 131 bits from crypto/rand).
func NewID(prefix string) string {
	return prefix + "_" + randomBase62(idRandomLen)
}

// NewKeySecret returns a fresh API key secret: "dts_" followed by 43 random base62 characters
// (about 256 bits), so that secret scanners can recognise it.
func NewKeySecret() string {
	return secretPrefix + randomBase62(secretLen)
}

// LooksLikeKeySecret reports whether s has the shape of a key secret. It does not check that the
// secret belongs to any key.
func LooksLikeKeySecret(s string) bool {
	rest, ok := strings.CutPrefix(s, secretPrefix)
	return ok && len(rest) == secretLen && isBase62(rest)
}

// HasPrefix reports whether id has the shape prefix + "_" + base62 characters.
func HasPrefix(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"_")
	return ok && rest != "" && len(rest) <= 64 && isBase62(rest)
}

func randomBase62(n int) string {
	// Rejection sampling keeps every character equally likely: 248 = 4*62.
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+).
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, idAlphabet[b%62])
			}
		}
	}
	return string(out)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
