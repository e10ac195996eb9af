package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

// keyValue is a postgres:// URL as the libpq key=value string that names
// the same database.
func keyValue(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{"dbname": strings.TrimPrefix(u.Path, "/")}
	if h := u.Hostname(); h != "" {
		kv["host"] = h
	}
	if p := u.Port(); p != "" {
		kv["port"] = p
	}
	if u.User != nil {
		kv["user"] = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			kv["password"] = pw
		}
	}
	for k, vs := range u.Query() {
		kv[k] = vs[0]
	}
	parts := make([]string, 0, len(kv))
	for k, v := range kv {
		parts = append(parts, k+"='"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)+"'")
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// --store takes what postgis.Open takes: a key=value string as well as a
// URL, for import and for export.
func TestStoreKeyValueDSN(t *testing.T) {
	dsn := keyValue(t, pgtest.DSN(t))
	if strings.Contains(dsn, "://") || !strings.Contains(dsn, "dbname=") {
		t.Fatalf("%q is not a key=value string", dsn)
	}
	file := t.TempDir() + "/in.geojson"
	if err := os.WriteFile(file, []byte(`{"type":"FeatureCollection","features":[`+testFeature+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"import", "--store", dsn, "--collection", "c", file}, strings.NewReader(""), &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("import --store %q: exit %d: %s", dsn, code, stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"export", "--store", dsn, "--collection", "c"}, strings.NewReader(""), &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("export --store %q: exit %d: %s", dsn, code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"durable-1"`) {
		t.Fatalf("export lacks the imported feature: %s", stdout.String())
	}
}
