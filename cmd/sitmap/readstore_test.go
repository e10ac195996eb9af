package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

// --read-store mistakes fail before anything is served or written, with
// a message that names the flag.
func TestReadStoreFlag(t *testing.T) {
	primary := pgtest.DSN(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"without --store", []string{"export", "--read-store", "postgres://127.0.0.1:1/x"}, "--read-store needs --store"},
		{"unreachable", []string{"export", "--store", primary, "--read-store", "postgres://127.0.0.1:1/x?connect_timeout=2"}, "read store"},
		{"a primary", []string{"export", "--store", primary, "--read-store", pgtest.DSN(t)}, "not a hot standby"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
			if code == 0 || !strings.Contains(stderr.String(), c.want) {
				t.Fatalf("exit %d, stderr %q; want non-zero and %q", code, stderr.String(), c.want)
			}
		})
	}
}

// Through a standby, export sees what import wrote a moment before.
func TestReadStoreExport(t *testing.T) {
	toStandby := pgtest.Standby(t)
	primary := pgtest.DSN(t)
	dir := t.TempDir()
	file := dir + "/in.geojson"
	if err := os.WriteFile(file, []byte(`{"type":"FeatureCollection","features":[`+testFeature+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"import", "--store", primary, "--collection", "c", file}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
		t.Fatalf("import: %d %s", code, stderr.String())
	}
	// The standby gets the new database a moment after the primary.
	for try := 0; ; try++ {
		stdout.Reset()
		stderr.Reset()
		code := run(context.Background(), []string{"export", "--store", primary, "--read-store", toStandby(primary), "--collection", "c"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
		if code == 0 {
			break
		}
		if try == 50 || !strings.Contains(stderr.String(), "does not exist") {
			t.Fatalf("export: %d %s", code, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), `"durable-1"`) {
		t.Fatalf("export through the standby lacks the feature: %s", stdout.String())
	}
}
