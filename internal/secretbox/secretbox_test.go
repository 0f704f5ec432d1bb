package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/secretbox"
)

func newBox(t *testing.T, fill byte) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New(bytes.Repeat([]byte{fill}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	b := newBox(t, 1)
	for _, secret := range []string{"", "sk-test-1234", strings.Repeat("é", 1000)} {
		s1, s2 := b.Seal(secret), b.Seal(secret)
		if s1 == s2 || !strings.HasPrefix(s1, "v1:") || (secret != "" && strings.Contains(s1, secret)) {
			t.Fatalf("sealed %q as %q and %q", secret, s1, s2)
		}
		if got, err := b.Open(s1); err != nil || got != secret {
			t.Fatalf("open: %q, %v", got, err)
		}
	}
	sealed := b.Seal("sk-test")
	other := newBox(t, 2)
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	raw[len(raw)-1] ^= 1
	for name, text := range map[string]string{
		"other key": sealed, "altered": "v1:" + base64.StdEncoding.EncodeToString(raw),
		"no prefix": strings.TrimPrefix(sealed, "v1:"), "not base64": "v1:***", "short": "v1:AAAA", "empty": "",
	} {
		box := b
		if name == "other key" {
			box = other
		}
		if _, err := box.Open(text); !errors.Is(err, secretbox.ErrOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestKeys(t *testing.T) {
	if _, err := secretbox.New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		if _, err := secretbox.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	key := bytes.Repeat([]byte{0xfb}, 32)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		if got, err := secretbox.ParseKey(" " + enc.EncodeToString(key) + "\n"); err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey: %v", err)
		}
	}

	dir := filepath.Join(t.TempDir(), "data")
	k1, err := secretbox.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := secretbox.LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(k1, k2) || len(k1) != secretbox.KeySize {
		t.Fatalf("second load: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, secretbox.KeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info.Mode(), err)
	}
	if err := os.WriteFile(filepath.Join(dir, secretbox.KeyFileName), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secretbox.LoadOrCreateKey(dir); err == nil {
		t.Fatal("a damaged key file was replaced or accepted")
	}
}

// FuzzOpen: no input panics Open, and only texts sealed under the key open.
func FuzzOpen(f *testing.F) {
	b, _ := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	f.Add(b.Seal("x"))
	f.Add("v1:")
	f.Add("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := b.Open(s)
		if err != nil {
			if !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("Open(%q): %v", s, err)
			}
			return
		}
		if plain != "x" { // the only text this key sealed among the seeds
			t.Fatalf("Open(%q) = %q: forged", s, plain)
		}
	})
}
