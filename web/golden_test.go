package web_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// volatile matches the values that change from run to run: response and
// write times.
var volatile = regexp.MustCompile(`"(timeStamp|updated)":"[^"]*"`)

// TestGoldenGeoJSON compares encoded GeoJSON responses with testdata/golden
// (`go test ./web -run Golden -update` rewrites them; review the diff).
func TestGoldenGeoJSON(t *testing.T) {
	tests := []struct{ name, target string }{
		{"items-airfields-page", "/collections/airfields/items?limit=2&sortby=name"},
		{"items-crossings-closed-13-sep", "/collections/border-crossings/items?datetime=2025-09-13&country=PL&limit=2"},
		{"feature-terespol", "/collections/border-crossings/items/crossing-terespol-brest-road"},
	}
	ts := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.get(tt.target, "Accept", "application/geo+json")
			if rec.Code != 200 {
				t.Fatalf("GET %s = %d %s", tt.target, rec.Code, rec.Body)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, volatile.ReplaceAll(rec.Body.Bytes(), []byte(`"$1":"…"`)), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", tt.name+".json")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("GET %s differs from %s:\n%s", tt.target, path, pretty.String())
			}
		})
	}
}
