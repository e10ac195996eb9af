package dataset_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
	"github.com/sitmap/sitmap/internal/dataset"
)

var (
	countriesOnce sync.Once
	countries     *countryMap
	countriesErr  error
)

// seedCountries loads the embedded basemap once per test binary.
func seedCountries(t *testing.T) *countryMap {
	t.Helper()
	countriesOnce.Do(func() {
		f, err := assets.FS.Open("basemap/basemap.geojson.gz")
		if err != nil {
			countriesErr = err
			return
		}
		defer f.Close()
		bm, err := basemap.LoadGzip(f)
		if err != nil {
			countriesErr = err
			return
		}
		countries = newCountryMap(bm)
	})
	if countriesErr != nil {
		t.Fatalf("basemap: %v", countriesErr)
	}
	return countries
}

// seedFeatures decodes every feature of the embedded seed, by collection.
func seedFeatures(t *testing.T) map[string][]*geo.Feature {
	t.Helper()
	cols, err := dataset.SeedCollections(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*geo.Feature{}
	for _, c := range cols {
		raw, err := fs.ReadFile(assets.FS, path.Join(dataset.SeedDir, c.ID+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		for i, fr := range fc.Features {
			f, err := geo.DecodeFeature(fr)
			if err != nil {
				t.Fatalf("%s feature %d: %v", c.ID, i, err)
			}
			out[c.ID] = append(out[c.ID], f)
		}
	}
	return out
}

// TestSeedIsAuditable runs the seed rules over every feature: each source
// linked and dated, "confirmed" backed by two publishers, each position
// referenced and inside its country, crossings at their border, a sane
// uncertainty on every point, every status change sourced.
func TestSeedIsAuditable(t *testing.T) {
	cm := seedCountries(t)
	n := 0
	for collection, fs := range seedFeatures(t) {
		for _, f := range fs {
			n++
			for _, p := range checkSeedFeature(cm, collection, f) {
				t.Error(p)
			}
		}
	}
	if n == 0 {
		t.Fatal("the seed has no features")
	}
}

// TestSeedRulesCatch breaks one rule at a time on a feature that passes
// them all, and wants the failure to name the feature and the rule.
func TestSeedRulesCatch(t *testing.T) {
	cm := seedCountries(t)
	const good = `{"type":"Feature","id":"crossing-test","geometry":{"type":"Point","coordinates":[25.7036,54.5398]},
	"properties":{"name":"Test","country":"LT","countries":["LT","BY"],"status":"open","confidence":"confirmed",
	"uncertainty_m":500,
	"timeline":[{"from":"2025-10-29T00:00:00+02:00","to":null,"status":"closed","source":"https://a.example/1"}],
	"sources":[
	  {"title":"A","publisher":"Publisher A","date":"2025-10-29","url":"https://a.example/1"},
	  {"title":"B","publisher":"Publisher B","date":"2025-10-30","url":"https://b.example/2","role":"claim+position"}]}}`
	if probs := checkSeedFeature(cm, "border-crossings", decode(t, good)); len(probs) > 0 {
		t.Fatalf("the good feature fails: %v", probs)
	}
	tests := []struct{ rule, collection, old, new string }{
		{"source-url-and-date", "border-crossings", `,"url":"https://b.example/2"`, ``},
		{"source-url-and-date", "border-crossings", `"date":"2025-10-30",`, ``},
		{"source-url-and-date", "border-crossings", `"url":"https://a.example/1"}`, `"url":"ftp://a.example/1"}`},
		{"source-url-and-date", "border-crossings", `"publisher":"Publisher A"`, `"publisher":"compiler's knowledge"`},
		{"source-url-and-date", "border-crossings", `"date":"2025-10-30"`, `"date":"2999-01-01"`},
		{"source-url-and-date", "border-crossings", `"role":"claim+position"`, `"role":"both"`},
		{"confirmed-two-publishers", "border-crossings", `"Publisher B"`, `"Publisher A"`},
		{"confirmed-two-publishers", "border-crossings", `"Publisher B"`, `"Publisher A (via another site)"`},
		{"confirmed-two-publishers", "border-crossings", `"role":"claim+position"`, `"role":"position"`},
		{"position-reference", "border-crossings", `"role":"claim+position"`, `"role":"claim"`},
		{"uncertainty", "border-crossings", `"uncertainty_m":500,`, ``},
		{"uncertainty", "border-crossings", `"uncertainty_m":500`, `"uncertainty_m":5`},
		{"uncertainty", "border-crossings", `"uncertainty_m":500`, `"uncertainty_m":400000`},
		{"inside-country", "border-crossings", `[25.7036,54.5398]`, `[25.7400,54.5398]`},
		{"inside-country", "military-sites", `"country":"LT"`, `"country":"PL"`},
		{"crossing-at-border", "border-crossings", `[25.7036,54.5398]`, `[25.6000,54.5398]`},
		{"crossing-at-border", "border-crossings", `"countries":["LT","BY"]`, `"countries":["LT","PL"]`},
		{"timeline-sourced", "border-crossings", `,"source":"https://a.example/1"`, ``},
		{"timeline-sourced", "border-crossings", `"source":"https://a.example/1"`, `"source":"https://c.example/3"`},
	}
	for _, tc := range tests {
		t.Run(tc.rule+"/"+tc.new, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("the good feature has no %q", tc.old)
			}
			f := decode(t, strings.Replace(good, tc.old, tc.new, 1))
			want := "crossing-test: " + tc.rule + ": "
			probs := checkSeedFeature(cm, tc.collection, f)
			for _, p := range probs {
				if strings.HasPrefix(p, want) {
					return
				}
			}
			t.Fatalf("problems %q; want one starting %q", probs, want)
		})
	}
}

func decode(t *testing.T, s string) *geo.Feature {
	t.Helper()
	f, err := geo.DecodeFeature([]byte(s))
	if err != nil {
		t.Fatalf("DecodeFeature: %v", err)
	}
	return f
}
