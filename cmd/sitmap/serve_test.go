package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesUnusableSettings: a token no request can present, or a
// timeout of zero, stops serve before it opens the store or listens.
func TestServeRefusesUnusableSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string // SITMAP_TOKEN
		want string
	}{
		{"blank SITMAP_TOKEN", nil, "   ", "blank"},
		{"empty --token", []string{"--token", ""}, "", "blank"},
		{"whitespace --token", []string{"--token", " \t"}, "", "blank"},
		{"token with a trailing space", []string{"--token", "secret "}, "", "whitespace"},
		{"zero write timeout", []string{"--write-timeout", "0s"}, "", "--write-timeout"},
		{"negative read timeout", []string{"--read-timeout", "-1s"}, "", "--read-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "sitmap.db")
			args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)
			var stderr bytes.Buffer
			getenv := func(k string) string {
				if k == "SITMAP_TOKEN" {
					return tt.env
				}
				return ""
			}
			code := run(context.Background(), args, strings.NewReader(""), &bytes.Buffer{}, &stderr, getenv)
			if code == 0 || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q: want a failure that mentions %q", code, stderr.String(), tt.want)
			}
			if _, err := os.Stat(db); err == nil {
				t.Errorf("serve created the store %s before refusing", db)
			}
		})
	}
}
