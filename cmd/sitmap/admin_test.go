package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// postAs posts a feature with a token and returns the status.
func postAs(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/collections/airfields/items", strings.NewReader(testFeature))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAdminCLIAgainstServer: with the server running (its store file is
// locked), token add|list|revoke and history prune work through --url
// with an admin's token; an editor's token is refused with 403, and a
// token revoked this way stops writing at once.
func TestAdminCLIAgainstServer(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "sitmap.db")
	addr := freeAddr(t)
	startServe(t, bin, db, addr)
	url := "http://" + addr
	if code, _, errOut := runCLI(t, "token", "list", "--db", db); code == 0 {
		t.Errorf("token list on the server's file: exit 0, %q; want the file lock to refuse it", errOut)
	}
	code, secret, errOut := runCLI(t, "token", "add", "marta", "--url", url, "--token", "secret")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "smt_") {
		t.Fatalf("token add --url: %d %q %q", code, secret, errOut)
	}
	if code, list, _ := runCLI(t, "token", "list", "--url", url, "--token", "secret"); code != 0 || !strings.Contains(list, "marta") ||
		!strings.Contains(list, "editor") || strings.Contains(list, secret[4:]) {
		t.Errorf("token list --url: %d\n%s", code, list)
	}
	if got := postAs(t, addr, secret); got != 201 {
		t.Errorf("marta's write: %d, want 201", got)
	}
	for _, args := range [][]string{
		{"history", "prune", "--before", "2000-01-01"},
		{"token", "add", "other"},
		{"token", "list"},
		{"token", "revoke", "marta"},
	} {
		code, _, errOut := runCLI(t, append(args, "--url", url, "--token", secret)...)
		if code == 0 || !strings.Contains(errOut, "HTTP 403") || !strings.Contains(errOut, "only admins") {
			t.Errorf("%v as an editor: %d %q, want a 403 refusal", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "token", "list", "--url", url, "--token", "wrong"); code == 0 || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("token list with a wrong token: %d %q, want 401", code, errOut)
	}
	before := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	if code, out, errOut := runCLI(t, "history", "prune", "--before", before, "--url", url, "--token", "secret"); code != 0 || !strings.HasPrefix(out, "pruned 0 versions") {
		t.Errorf("history prune --url: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "token", "revoke", "marta", "--url", url, "--token", "secret"); code != 0 || !strings.HasPrefix(out, "revoked marta") {
		t.Fatalf("token revoke --url: %d %q %q", code, out, errOut)
	}
	if got := postAs(t, addr, secret); got != 401 {
		t.Errorf("a revoked token's write: %d, want 401", got)
	}
}
