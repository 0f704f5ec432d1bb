// Package secretbox encrypts the secrets Dialtone keeps for its users (carrier tokens, provider
// API keys) with AES-256-GCM, so a copy of the database alone reveals none of them (DESIGN §6).
//
// A sealed secret is text: "v1:" followed by the standard base64 of a random 12-byte nonce and
// the GCM ciphertext with its tag. The version prefix leaves room for key rotation.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key: 32 bytes, for AES-256.
const KeySize = 32

// KeyFileName is the name of the key file LoadOrCreateKey keeps in the data directory.
const KeyFileName = "secret.key"

const prefix = "v1:"

// ErrOpen is returned by Open for a sealed text that is malformed, or that was sealed under
// another key or altered since.
var ErrOpen = errors.New("secretbox: cannot open sealed secret (wrong key or damaged)")

// Box seals and opens secrets under one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for key, which must be KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext under a fresh random nonce and returns the sealed text. Sealing the
// same plaintext twice gives different texts.
func (b *Box) Seal(plaintext string) string {
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce) // crypto/rand.Read never fails (it panics if the system has no randomness)
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return prefix + base64.StdEncoding.EncodeToString(sealed)
}

// Open decrypts a text Seal returned, or returns ErrOpen.
func (b *Box) Open(sealed string) (string, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return "", ErrOpen
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// ParseKey decodes a key given as standard or URL-safe base64 (with or without padding), as in
// DIALTONE_SECRET_KEY.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("secret key is %d bytes once decoded; want %d (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)", len(key), KeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("secret key is not base64; generate one with `openssl rand -base64 32`")
}

// LoadOrCreateKey returns the key in dir/secret.key, creating the file with a new random key
// (mode 0600) when it does not exist. A file that exists but does not hold a valid key is an
// error: replacing it would make every sealed secret unreadable.
func LoadOrCreateKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, KeyFileName)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process created it meanwhile: use theirs
		return LoadOrCreateKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}
