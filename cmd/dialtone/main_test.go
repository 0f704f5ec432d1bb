package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/apitest"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// run executes the binary's command tree in process and returns its stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

var credentialLine = regexp.MustCompile(`(?m)^  (key_[0-9A-Za-z]+:dts_[0-9A-Za-z]+)$`)
var listenLine = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// testSecretKey is a --secret-key for servers under test (base64 of 32 bytes).
const testSecretKey = "dGVzdC1zZWNyZXQta2V5LWZvci1kaWFsdG9uZS10ZXM="

// storageFlags returns the flags of a fresh database of each dialect.
func storageFlags(t *testing.T) map[string][]string {
	return map[string][]string{
		"sqlite":   {"--data-dir", t.TempDir()},
		"postgres": {"--database-url", sqltest.PostgresURL(t), "--data-dir", t.TempDir()}, // recordings go there
	}
}

func TestServePrintsAWorkingCredentialAndStopsGracefully(t *testing.T) {
	for dialect, storage := range storageFlags(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cmd := newRootCommand()
			var out apitest.LogBuffer
			cmd.SetOut(&out)
			cmd.SetErr(&bytes.Buffer{})
			cmd.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0", "--secret-key", testSecretKey}, storage...))
			done := make(chan error, 1)
			go func() { done <- cmd.ExecuteContext(ctx) }()

			var cred, base string
			for cred == "" {
				select {
				case err := <-done:
					t.Fatalf("serve exited: %v\n%s", err, out.String())
				case <-time.After(10 * time.Millisecond):
				}
				if m := credentialLine.FindStringSubmatch(out.String()); m != nil {
					cred, base = m[1], listenLine.FindStringSubmatch(out.String())[1]
				}
			}
			if !strings.Contains(out.String(), "curl -H 'Authorization: Bearer "+cred+"' "+base+"/v1/organization") {
				t.Fatalf("no curl example:\n%s", out.String())
			}
			req, _ := http.NewRequest("GET", base+"/v1/organization", nil)
			req.Header.Set("Authorization", "Bearer "+cred)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("printed credential gave %d", res.StatusCode)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("shutdown: %v", err)
			}
		})
	}
}

func TestKeysCommands(t *testing.T) {
	for dialect, storage := range storageFlags(t) {
		t.Run(dialect, func(t *testing.T) {
			out, err := run(t, append([]string{"keys", "create", "--new-org", "Acme", "--name", "ops", "--operator"}, storage...)...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			cred := lines[len(lines)-1]
			if !regexp.MustCompile(`^key_[0-9A-Za-z]+:dts_[0-9A-Za-z]{43}$`).MatchString(cred) {
				t.Fatalf("last line is not a credential: %q", out)
			}
			keyID, _, _ := strings.Cut(cred, ":")
			orgID := regexp.MustCompile(`org_[0-9A-Za-z]+`).FindString(out)

			out, err = run(t, append([]string{"keys", "create", "--org", orgID, "--role", "read"}, storage...)...)
			if err != nil {
				t.Fatal(err)
			}
			lines = strings.Split(strings.TrimSpace(out), "\n")
			readID, _, _ := strings.Cut(lines[len(lines)-1], ":")

			list, err := run(t, append([]string{"keys", "list"}, storage...)...)
			if err != nil || !strings.Contains(list, keyID) || !strings.Contains(list, readID) || strings.Contains(list, cred[len(keyID)+1:]) {
				t.Fatalf("list (%v):\n%s", err, list)
			}
			if _, err := run(t, append([]string{"keys", "revoke", keyID}, storage...)...); err == nil || !strings.Contains(err.Error(), "last admin key") {
				t.Fatalf("revoking the last admin key: %v", err)
			}
			if _, err := run(t, append([]string{"keys", "revoke", readID}, storage...)...); err != nil {
				t.Fatal(err)
			}
			if list, _ := run(t, append([]string{"keys", "list"}, storage...)...); strings.Contains(list, readID) {
				t.Fatalf("revoked key listed:\n%s", list)
			}
			for _, bad := range [][]string{
				{"keys", "create", "--role", "owner", "--new-org", "x"},
				{"keys", "create", "--org", "org_x", "--new-org", "x"},
				{"keys", "create", "--org", "org_missing"},
				{"keys", "revoke", "key_missing"},
			} {
				if _, err := run(t, append(bad, storage...)...); err == nil {
					t.Errorf("%v succeeded", bad)
				}
			}
		})
	}
}

func TestMigrateAndVersion(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		if out, err := run(t, "migrate", "--data-dir", dir); err != nil || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: %v %s", err, out)
		}
	}
	if out, err := run(t, "version"); err != nil || !strings.HasPrefix(out, "dialtone ") {
		t.Fatalf("version: %v %q", err, out)
	}
	if _, err := run(t, "serve", "--addr", "nonsense", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "--addr") {
		t.Fatalf("bad --addr: %v", err)
	}
	if _, err := run(t, "migrate", "--database-url", "mysql://x"); err == nil {
		t.Fatal("mysql URL accepted")
	}
}
