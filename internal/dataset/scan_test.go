package dataset_test

import (
	"strings"
	"testing"

	"github.com/sitmap/sitmap/internal/dataset"
)

// TestDecodeCuts: the scanner cuts features where they end whatever
// their strings hold, whatever the white space, and across the reads
// (a feature bigger than the scanner's buffer); what is not JSON fails
// and names where.
func TestDecodeCuts(t *testing.T) {
	f := func(id, name string) string {
		return `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":` + name + `}}`
	}
	long := `"` + strings.Repeat(`x\"}]{[,`, 400000) + `"` // 3.2 MB, over the buffer
	tests := []struct {
		name  string
		input string
		want  []string // the names decoded; nil: an error holding err
		err   string
	}{
		{"brackets in strings", `{"type":"FeatureCollection","features":[` + f("a", `"}]\\"`) + "," + f("b", `"{[\""`) + `]}`, []string{`}]\`, `{["`}, ""},
		{"white space", " \n\t{ \"features\" :\r\n[ " + f("a", `"a"`) + " ,\n" + f("b", `"b"`) + " ] , \"type\" : \"FeatureCollection\" }\n", []string{"a", "b"}, ""},
		{"numbers and literals", `{"type":"FeatureCollection","bbox":[1,2,3,4],"x":null,"n":-1.5e3,"features":[` + f("a", `12`) + `]}`, []string{""}, ""},
		{"empty", `{"type":"FeatureCollection","features":[]}`, []string{}, ""},
		{"longer than the buffer", `{"type":"FeatureCollection","features":[` + f("a", long) + "," + f("b", `"b"`) + `]}`, []string{strings.Repeat(`x"}]{[,`, 400000), "b"}, ""},
		{"ndjson without a last newline", f("a", `"a"`) + "\n" + f("b", `"b"`), []string{"a", "b"}, ""},
		{"truncated", `{"type":"FeatureCollection","features":[` + f("a", `"a"`) + `,{"type":"Feat`, nil, "after feature #1"},
		{"no comma", `{"type":"FeatureCollection","features":[` + f("a", `"a"`) + f("b", `"b"`) + `]}`, nil, "after feature #1"},
		{"a trailing comma", `{"type":"FeatureCollection","features":[` + f("a", `"a"`) + `,]}`, nil, "after feature #1"},
		{"not JSON inside a feature", `{"type":"FeatureCollection","features":[{"type":"Feature" "id":1}]}`, nil, "feature #0"},
		{"not an object", `[1,2]`, nil, "after feature #0: not a GeoJSON object"},
		{"garbage after", f("a", `"a"`) + ` x`, nil, "after feature #1: not a GeoJSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := dataset.Decode(strings.NewReader(tt.input))
			if tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Decode = %d features, %v; want an error naming %q", len(fs), err, tt.err)
				}
				return
			}
			if err != nil || len(fs) != len(tt.want) {
				t.Fatalf("Decode = %d features, %v; want %d", len(fs), err, len(tt.want))
			}
			for i, f := range fs {
				if got := f.String("name"); got != tt.want[i] {
					t.Errorf("feature %d: name %.40q, want %.40q", i, got, tt.want[i])
				}
			}
		})
	}
}
