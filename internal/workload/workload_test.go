package workload_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/workload"
)

func TestGenerateIsValidAndDeterministic(t *testing.T) {
	fs := workload.Generate(0.01)
	if got, want := len(fs), 2000+200+20; got != want {
		t.Fatalf("Generate(0.01) made %d features, want %d", got, want)
	}
	cols := map[string]*geo.Collection{}
	for _, c := range workload.Collections() {
		cols[c.ID] = &c
	}
	counts := map[string]int{}
	ids := map[string]bool{}
	for _, f := range fs {
		c := cols[f.Collection()]
		if c == nil {
			t.Fatalf("%s: unknown collection %q", f.ID(), f.Collection())
		}
		if err := geo.Validate(f, c); err != nil {
			t.Fatalf("%s: %v", f.ID(), err)
		}
		if ids[f.ID()] {
			t.Fatalf("duplicate id %s", f.ID())
		}
		ids[f.ID()] = true
		counts[f.Collection()]++
		if !workload.Bound.Contains(f.Bound().Min) || !workload.Bound.Contains(f.Geometry().Bound().Max) {
			t.Fatalf("%s: %v is outside %v", f.ID(), f.Bound(), workload.Bound)
		}
		switch g := f.Geometry().(type) {
		case orb.Polygon:
			if n := len(g[0]) - 1; n < 5 || n > 12 {
				t.Errorf("%s: %d vertices, want 5–12", f.ID(), n)
			}
			b := g.Bound()
			if h := (b.Max[1] - b.Min[1]) * 111.32; h > 5 {
				t.Errorf("%s: %.1f km across, want at most 5", f.ID(), h)
			}
		}
	}
	if counts["points"] != 2000 || counts["polygons"] != 200 || counts["lines"] != 20 {
		t.Errorf("counts %v", counts)
	}

	again := workload.Generate(0.01)
	for i := range fs {
		a, _ := fs[i].MarshalJSON()
		b, _ := again[i].MarshalJSON()
		if !bytes.Equal(a, b) {
			t.Fatalf("feature %d differs between runs:\n%s\n%s", i, a, b)
		}
	}
}

func TestWriteGeoJSON(t *testing.T) {
	fs := workload.Generate(0.001)
	var buf bytes.Buffer
	if err := workload.WriteGeoJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != len(fs) {
		t.Fatalf("type %q with %d features, want FeatureCollection with %d", fc.Type, len(fc.Features), len(fs))
	}
	for i, raw := range fc.Features {
		f, err := geo.DecodeFeature(raw)
		if err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		if f.ID() != fs[i].ID() || f.String("collection") != fs[i].Collection() {
			t.Errorf("feature %d: id %q collection %q, want %q %q", i, f.ID(), f.String("collection"), fs[i].ID(), fs[i].Collection())
		}
		if fs[i].Has("collection") {
			t.Errorf("WriteGeoJSON changed the input feature %s", fs[i].ID())
		}
	}
}
