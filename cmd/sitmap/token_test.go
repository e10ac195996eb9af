package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
)

// TestTokenCLI: add prints the secret once and keeps only its hash; list
// shows names and roles, never a secret; revoke marks it; bad input fails
// with a message and changes nothing.
func TestTokenCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sitmap.db")
	code, secret, errOut := runCLI(t, "token", "add", "marta", "--role", "admin", "--db", db)
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "smt_") || !strings.Contains(errOut, "only this once") {
		t.Fatalf("token add: %d, %q, %q", code, secret, errOut)
	}
	for _, bad := range [][]string{
		{"token", "add", "marta", "--db", db},                 // taken
		{"token", "add", "bad name", "--db", db},              // invalid name
		{"token", "add", "ola", "--role", "root", "--db", db}, // invalid role
		{"token", "revoke", "nobody", "--db", db},             // unknown
		{"token", "add", "--db", db},                          // no name
		{"token", "rotate", "marta", "--db", db},              // unknown subcommand
	} {
		if code, _, errOut := runCLI(t, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a message and a failure", bad, code, errOut)
		}
	}
	if code, _, _ := runCLI(t, "token", "add", "ola", "--db", db); code != 0 {
		t.Fatal("token add ola failed")
	}
	code, list, _ := runCLI(t, "token", "list", "--db", db)
	if code != 0 || !strings.Contains(list, "marta") || !strings.Contains(list, "admin") || !strings.Contains(list, "ola") || strings.Contains(list, secret[4:]) {
		t.Errorf("token list: %d\n%s", code, list)
	}
	if code, out, _ := runCLI(t, "token", "revoke", "marta", "--db", db); code != 0 || !strings.HasPrefix(out, "revoked marta") {
		t.Errorf("token revoke: %d %q", code, out)
	}
	st, err := bunt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.ListTokens(context.Background())
	if err != nil || len(ts) != 2 {
		t.Fatalf("tokens %+v, %v", ts, err)
	}
	if m := ts[0]; m.Name != "marta" || m.Hash != store.HashToken(secret) || m.Revoked.IsZero() || ts[1].Role != store.RoleEditor {
		t.Errorf("stored tokens %+v", ts)
	}
}
