package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/store"
)

// as sends a request with a bearer token and a JSON body.
func (ts *testServer) as(secret, method, target, body string) *testResponse {
	ts.t.Helper()
	rec := ts.do(method, target, strings.NewReader(body), "Authorization", "Bearer "+secret, "Content-Type", "application/json")
	return &testResponse{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// TestAdminRoles: an editor's token writes features but gets 403 on every
// admin action; --token and a named admin token may do them all; unknown
// tokens get 401.
func TestAdminRoles(t *testing.T) {
	ts := newTestServer(t)
	editor := addToken(t, ts.st, "marta", store.RoleEditor)
	admin := addToken(t, ts.st, "olga", store.RoleAdmin)
	if !within(time.Second, func() bool {
		return ts.asEditor(editor, http.MethodPost, "/collections/border-crossings/items", newCrossing) == 201
	}) {
		t.Fatal("the editor cannot write features")
	}
	actions := []struct{ method, target, body string }{
		{http.MethodPost, "/history/prune?before=2000-01-01", ""},
		{http.MethodGet, "/tokens", ""},
		{http.MethodPost, "/tokens", `{"name":"new-one","role":"editor"}`},
		{http.MethodDelete, "/tokens/marta", ""},
	}
	for _, a := range actions {
		res := ts.as(editor, a.method, a.target, a.body)
		if res.Code != http.StatusForbidden {
			t.Errorf("%s %s as an editor: %d, want 403", a.method, a.target, res.Code)
			continue
		}
		checkError(t, res.Body, "Authorization")
		if res := ts.as("smt_unknown", a.method, a.target, a.body); res.Code != http.StatusUnauthorized {
			t.Errorf("%s %s with an unknown token: %d, want 401", a.method, a.target, res.Code)
		}
	}
	for _, secret := range []string{ts.token, admin} {
		if res := ts.as(secret, http.MethodPost, "/history/prune?before=2000-01-01", ""); res.Code != 200 || decode(t, res.Body)["pruned"] != 0.0 {
			t.Errorf("prune as an admin: %d %s", res.Code, res.Body)
		}
		if res := ts.as(secret, http.MethodGet, "/tokens", ""); res.Code != 200 {
			t.Errorf("list as an admin: %d %s", res.Code, res.Body)
		}
	}
}

// TestAdminTokens: tokens made over HTTP are shown once, never listed,
// write at once; revoked over HTTP they get 401 at once; bad input is a
// 400 naming the field and changes nothing.
func TestAdminTokens(t *testing.T) {
	ts := newTestServer(t)
	res := ts.as(ts.token, http.MethodPost, "/tokens", `{"name":"kasia","role":"editor"}`)
	if res.Code != 201 {
		t.Fatalf("create: %d %s", res.Code, res.Body)
	}
	var made struct{ Name, Role, Token string }
	if err := json.Unmarshal(res.Body, &made); err != nil || made.Name != "kasia" || made.Role != "editor" || !strings.HasPrefix(made.Token, "smt_") {
		t.Fatalf("create answered %s", res.Body)
	}
	if code := ts.asEditor(made.Token, http.MethodPost, "/collections/border-crossings/items", newCrossing); code != 201 {
		t.Errorf("a token made over HTTP writes: %d, want 201 at once", code)
	}
	list := ts.as(ts.token, http.MethodGet, "/tokens", "")
	if list.Code != 200 || !strings.Contains(string(list.Body), `"kasia"`) || strings.Contains(string(list.Body), made.Token) ||
		strings.Contains(string(list.Body), store.HashToken(made.Token)) || strings.Contains(string(list.Body), "hash") {
		t.Errorf("the list shows a token or its hash, or lacks kasia: %s", list.Body)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"name":"a b"}`, "name"}, {`{"name":"ok","role":"root"}`, "role"}, {`{"name":"ok","secret":"x"}`, "body"}, {`[1]`, "body"},
	} {
		res := ts.as(ts.token, http.MethodPost, "/tokens", bad.body)
		if res.Code != 400 {
			t.Errorf("create %s: %d, want 400", bad.body, res.Code)
			continue
		}
		checkError(t, res.Body, bad.field)
	}
	if res := ts.as(ts.token, http.MethodPost, "/tokens", `{"name":"kasia"}`); res.Code != 409 {
		t.Errorf("a second kasia: %d, want 409", res.Code)
	}
	if res := ts.as(ts.token, http.MethodPost, "/history/prune", ""); res.Code != 400 {
		t.Errorf("prune without before: %d, want 400", res.Code)
	} else {
		checkError(t, res.Body, "before")
	}
	if res := ts.as(ts.token, http.MethodDelete, "/tokens/kasia", ""); res.Code != 204 {
		t.Fatalf("revoke: %d %s", res.Code, res.Body)
	}
	if code := ts.asEditor(made.Token, http.MethodPost, "/collections/border-crossings/items", newCrossing); code != 401 {
		t.Errorf("a token revoked over HTTP: %d, want 401 at once", code)
	}
	if res := ts.as(ts.token, http.MethodDelete, "/tokens/kasia", ""); res.Code != 404 {
		t.Errorf("revoking twice: %d, want 404", res.Code)
	}
	if toks, err := ts.st.ListTokens(t.Context()); err != nil || len(toks) != 1 {
		t.Errorf("tokens after the bad requests: %+v, %v; want kasia only", toks, err)
	}
}

// TestAdminPrune: pruning over HTTP drops the superseded versions.
func TestAdminPrune(t *testing.T) {
	ts := newTestServer(t)
	f := ts.getJSON(terespolRail)
	delete(f, "links")
	body, _ := json.Marshal(f)
	if res := ts.write(http.MethodPut, terespolRail, string(body)); res.Code != 200 {
		t.Fatalf("PUT: %d %s", res.Code, res.Body)
	}
	res := ts.as(ts.token, http.MethodPost, "/history/prune?before="+time.Now().Add(time.Minute).UTC().Format(time.RFC3339), "")
	if res.Code != 200 || decode(t, res.Body)["pruned"] != 1.0 {
		t.Fatalf("prune: %d %s, want 1 pruned", res.Code, res.Body)
	}
	if vs := ts.getJSON(terespolRail + "/versions")["features"].([]any); len(vs) != 1 {
		t.Errorf("%d versions after pruning, want the latest only", len(vs))
	}
}
