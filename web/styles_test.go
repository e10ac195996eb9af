package web_test

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// styleDoc is the part of a MapLibre style the tests read.
type styleDoc struct {
	Version int    `json:"version"`
	Glyphs  string `json:"glyphs"`
	Sources map[string]struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"sources"`
	Layers []struct {
		ID          string         `json:"id"`
		Type        string         `json:"type"`
		Source      string         `json:"source"`
		SourceLayer string         `json:"source-layer"`
		Layout      map[string]any `json:"layout"`
	} `json:"layers"`
}

func (ts *testServer) style(id string) styleDoc {
	ts.t.Helper()
	rec := ts.get("/styles/" + id)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.mapbox.style+json" {
		ts.t.Fatalf("GET /styles/%s: %d %s: %s", id, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var doc styleDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		ts.t.Fatal(err)
	}
	return doc
}

// TestStyles checks that each style draws layers its tile sets have: every
// source is a TileJSON the server answers, every source-layer one of that
// TileJSON's vector layers, and that TileJSON and /tiles link the style.
func TestStyles(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		id      string
		sources []string
		layers  []string // source-layers that must be drawn
	}{
		{"basemap", []string{"basemap"}, []string{"land", "water", "rivers", "boundaries", "labels"}},
		{"all", []string{"basemap", "sitmap"}, append([]string{"land", "labels"}, seedCollections...)},
	} {
		t.Run(tc.id, func(t *testing.T) {
			doc := ts.style(tc.id)
			if doc.Version != 8 || !strings.HasPrefix(doc.Glyphs, "http://sitmap.test/fonts/{fontstack}/{range}.pbf") {
				t.Errorf("version %d glyphs %q", doc.Version, doc.Glyphs)
			}
			known := map[string]map[string]bool{}
			for _, name := range tc.sources {
				src, ok := doc.Sources[name]
				if !ok || src.Type != "vector" || !strings.HasPrefix(src.URL, "http://sitmap.test/tiles/") {
					t.Fatalf("source %s: %+v", name, src)
				}
				known[name] = map[string]bool{}
				for _, l := range ts.getJSON(path(src.URL))["vector_layers"].([]any) {
					known[name][l.(map[string]any)["id"].(string)] = true
				}
			}
			drawn := map[string]bool{}
			for _, l := range doc.Layers {
				if l.Type == "background" {
					continue
				}
				if !known[l.Source][l.SourceLayer] {
					t.Errorf("layer %s draws %s/%s, which the tile set does not have", l.ID, l.Source, l.SourceLayer)
				}
				drawn[l.SourceLayer] = true
			}
			for _, want := range tc.layers {
				if !drawn[want] {
					t.Errorf("style %s does not draw %s", tc.id, want)
				}
			}
			tj := ts.getJSON("/tiles/" + tc.id + ".json")
			if l := findLink(linksOf(t, tj), "stylesheet", "application/vnd.mapbox.style+json"); l == nil || l["href"] != "http://sitmap.test/styles/"+tc.id {
				t.Errorf("TileJSON of %s does not link its style: %v", tc.id, tj["links"])
			}
		})
	}
	linked := map[string]bool{}
	for _, s := range ts.getJSON("/tiles")["tilesets"].([]any) {
		set := s.(map[string]any)
		if l := findLink(linksOf(t, set), "stylesheet", "application/vnd.mapbox.style+json"); l != nil {
			linked[set["id"].(string)] = l["href"] == "http://sitmap.test/styles/"+set["id"].(string)
		}
	}
	if !linked["all"] || !linked["basemap"] {
		t.Errorf("/tiles links styles for %v, want all and basemap", linked)
	}
	if rec := ts.get("/styles/airfields"); rec.Code != 404 || !strings.Contains(rec.Body.String(), `"code"`) {
		t.Errorf("unknown style: %d %s", rec.Code, rec.Body)
	}
	if n := len(ts.getJSON("/styles")["styles"].([]any)); n != 2 {
		t.Errorf("/styles lists %d styles, want 2", n)
	}
}

// TestTileJSON_GeometryTypes: each vector layer says what it holds, in
// vector_layers and in the tilestats GDAL's MVT driver reads.
func TestTileJSON_GeometryTypes(t *testing.T) {
	ts := newTestServer(t)
	want := map[string]string{"airfields": "point", "border-crossings": "point", "training-grounds": "polygon",
		"airspace-restrictions": "polygon", "military-sites": "unknown",
		"land": "polygon", "water": "polygon", "rivers": "line", "coastline": "line", "boundaries": "line", "labels": "point"}
	stat := map[string]string{"point": "Point", "line": "LineString", "polygon": "Polygon", "unknown": ""}
	for _, set := range []string{"all", "basemap"} {
		doc := ts.getJSON("/tiles/" + set + ".json")
		got := map[string]string{}
		for _, l := range doc["vector_layers"].([]any) {
			m := l.(map[string]any)
			got[m["id"].(string)], _ = m["geometry_type"].(string)
		}
		stats := map[string]string{}
		for _, l := range doc["tilestats"].(map[string]any)["layers"].([]any) {
			m := l.(map[string]any)
			stats[m["layer"].(string)], _ = m["geometry"].(string)
		}
		for id, g := range got {
			if want[id] != g || stats[id] != stat[g] {
				t.Errorf("%s/%s: geometry_type %q tilestats %q, want %q", set, id, g, stats[id], want[id])
			}
		}
		if len(got) < 5 {
			t.Errorf("%s: %d vector layers", set, len(got))
		}
	}
}

// TestStyles_Validator runs the MapLibre style-spec validator from npm
// (pinned in testdata/stylespec) over the served styles.
func TestStyles_Validator(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install nodejs and npm (apt-get install nodejs npm; make deps does this)")
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "stylespec"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@maplibre", "maplibre-gl-style-spec")); err != nil {
		t.Fatalf("the style-spec validator is not installed: run npm --prefix %s ci (make deps does this)", dir)
	}
	ts := newTestServer(t)
	tmp := t.TempDir()
	var files []string
	for _, id := range []string{"all", "basemap"} {
		f := filepath.Join(tmp, id+".json")
		if err := os.WriteFile(f, ts.get("/styles/"+id).Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// A style with a mistake proves the validator is the one answering.
	bad := filepath.Join(tmp, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version":8,"sources":{},"layers":[{"id":"x","type":"line","source":"none"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "validate.mjs")
	if out, err := exec.Command(node, script, bad).CombinedOutput(); err == nil || !strings.Contains(string(out), `source "none" not found`) {
		t.Fatalf("the validator passed a broken style: %v %s", err, out)
	}
	if out, err := exec.Command(node, append([]string{script}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("style-spec validator: %v\n%s", err, out)
	}
}

// TestGlyphs fetches, as MapLibre does from the styles' glyphs template,
// every font the styles' labels name, in the ranges of the place names
// (Latin, Polish, Cyrillic).
func TestGlyphs(t *testing.T) {
	ts := newTestServer(t)
	fonts := map[string]bool{}
	for _, id := range []string{"all", "basemap"} {
		doc := ts.style(id)
		for _, l := range doc.Layers {
			if tf, ok := l.Layout["text-font"].([]any); ok {
				var names []string
				for _, n := range tf {
					names = append(names, n.(string))
				}
				fonts[strings.Join(names, ",")] = true
			}
		}
	}
	if len(fonts) < 2 {
		t.Fatalf("the styles name fonts %v, want a regular and a bold one", fonts)
	}
	tmpl := path(ts.style("basemap").Glyphs)
	for stack := range fonts {
		for _, rng := range []string{"0-255", "256-511", "1024-1279"} {
			u := strings.NewReplacer("{fontstack}", url.PathEscape(stack), "{range}", rng).Replace(tmpl)
			rec := ts.get(u)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-protobuf" || rec.Body.Len() < 1000 {
				t.Errorf("GET %s: %d %s, %d bytes", u, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
			}
		}
	}
	for _, tc := range []struct {
		target string
		code   int
		field  string
	}{
		{"/fonts/DejaVu%20Sans%20Book/0-100.pbf", 400, "range"},
		{"/fonts/DejaVu%20Sans%20Book/1-256.pbf", 400, "range"},
		{"/fonts/DejaVu%20Sans%20Book/65536-65791.pbf", 400, "range"},
		{"/fonts/Comic%20Sans/0-255.pbf", 404, ""},
	} {
		rec := ts.get(tc.target)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.field) {
			t.Errorf("GET %s: %d %s, want %d naming %q", tc.target, rec.Code, rec.Body, tc.code, tc.field)
		}
	}
}
