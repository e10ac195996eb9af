package cql2_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/cql2"
)

// unsupported are the standard's examples that need classes sitmap does
// not declare; both forms of each must fail with a parse error.
var unsupported = map[string]string{
	"clause6_01": "functions", "clause6_02b": "functions", "clause6_02c": "arithmetic",
	"clause7_15": "array-functions", "clause7_18": "functions", "clause7_19": "arithmetic",
	"example68": "functions", "example69": "functions",
	"example72": "arithmetic", "example73": "arithmetic", "example74": "arithmetic", "example75": "arithmetic",
	"example76": "arithmetic", "example77": "arithmetic", "example78": "arithmetic", "example85": "arithmetic",
	"example79": "array-functions", "example80": "array-functions", "example81": "array-functions", "example82": "array-functions",
}

// TestStandardExamples: the text and JSON forms of every example of the
// standard parse to the same tree (golden: the canonical text of one is
// that of the other).
func TestStandardExamples(t *testing.T) {
	texts, err := filepath.Glob("testdata/examples/*.txt")
	if err != nil || len(texts) < 100 {
		t.Fatalf("examples: %d files, %v", len(texts), err)
	}
	for _, path := range texts {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			te, terr := cql2.ParseText(string(text))
			je, jerr := cql2.ParseJSON(js)
			if class, ok := unsupported[name]; ok {
				if !errors.Is(terr, cql2.ErrInvalid) || !errors.Is(jerr, cql2.ErrInvalid) {
					t.Fatalf("%s needs %s: want parse errors, got text %v, json %v", name, class, terr, jerr)
				}
				return
			}
			if terr != nil || jerr != nil {
				t.Fatalf("text: %v\njson: %v", terr, jerr)
			}
			if te.String() != je.String() {
				t.Errorf("trees differ:\ntext %s\njson %s", te, je)
			}
			// The canonical text parses back to the same tree.
			back, err := cql2.ParseText(te.String())
			if err != nil || back.String() != te.String() {
				t.Errorf("canonical form %s does not parse back: %v, %v", te, back, err)
			}
		})
	}
}
