package geo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

func TestDecodeFeature(t *testing.T) {
	in := `{"type":"Feature","id":"airfield-machulishchy",
		"geometry":{"type":"Point","coordinates":[27.5807,53.7744]},
		"properties":{"name":"Machulishchy","icao":"UMMM","big":12345678901234567890,"nested":{"a":[1, 2]}},
		"bbox":[1,2,3,4]}`
	f, err := geo.DecodeFeature([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID() != "airfield-machulishchy" || f.Geometry() != (orb.Point{27.5807, 53.7744}) {
		t.Errorf("id %q geometry %v", f.ID(), f.Geometry())
	}
	if got := f.String("name"); got != "Machulishchy" {
		t.Errorf("name %q", got)
	}
	for k, want := range map[string]string{"big": `12345678901234567890`, "nested": `{"a":[1,2]}`} {
		if got, _ := f.Property(k); string(got) != want {
			t.Errorf("property %s = %s, want %s (values exact, whitespace compacted)", k, got, want)
		}
	}

	// Every geometry type decodes; no id and no properties are allowed.
	for typ, coords := range map[string]string{
		"MultiPoint":      `[[1,2],[3,4]]`,
		"LineString":      `[[1,2],[3,4]]`,
		"MultiLineString": `[[[1,2],[3,4]]]`,
		"Polygon":         `[[[0,0],[1,0],[1,1],[0,0]]]`,
		"MultiPolygon":    `[[[[0,0],[1,0],[1,1],[0,0]]]]`,
	} {
		f, err := geo.DecodeFeature([]byte(`{"type":"Feature","geometry":{"type":"` + typ + `","coordinates":` + coords + `}}`))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if f.Geometry().GeoJSONType() != typ || f.ID() != "" || len(f.PropertyNames()) != 0 {
			t.Errorf("%s: got %s, id %q, properties %v", typ, f.Geometry().GeoJSONType(), f.ID(), f.PropertyNames())
		}
	}
}

func TestDecodeFeatureErrors(t *testing.T) {
	tests := []struct {
		name, in, field string
	}{
		{"not JSON", `{"type":`, ""},
		{"not an object", `[1,2]`, ""},
		{"a FeatureCollection", `{"type":"FeatureCollection","features":[]}`, "type"},
		{"no type", `{"geometry":{"type":"Point","coordinates":[1,2]}}`, "type"},
		{"numeric id", `{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1,2]}}`, "id"},
		{"missing geometry", `{"type":"Feature","properties":{}}`, "geometry"},
		{"null geometry", `{"type":"Feature","geometry":null}`, "geometry"},
		{"geometry not an object", `{"type":"Feature","geometry":"POINT(1 2)"}`, "geometry"},
		{"GeometryCollection", `{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[]}}`, "geometry.type"},
		{"unknown type", `{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]}}`, "geometry.type"},
		{"no coordinates", `{"type":"Feature","geometry":{"type":"Point"}}`, "geometry.coordinates"},
		{"null coordinates", `{"type":"Feature","geometry":{"type":"LineString","coordinates":null}}`, "geometry.coordinates"},
		{"coordinates of the wrong depth", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[1,2],[3,4]]}}`, "geometry.coordinates"},
		{"coordinates not numbers", `{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]}}`, "geometry.coordinates"},
		{"empty Point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[]}}`, "geometry.coordinates"},
		{"Point with one number", `{"type":"Feature","geometry":{"type":"Point","coordinates":[21]}}`, "geometry.coordinates"},
		{"line position with one number", `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3]]}}`, "geometry.coordinates"},
		// orb would drop a height: refused, never stored changed.
		{"Point with a height", `{"type":"Feature","geometry":{"type":"Point","coordinates":[27,53,100]}}`, "geometry.coordinates"},
		{"polygon vertex with a height", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0,5],[1,1],[0,0]]]}}`, "geometry.coordinates"},
		{"invalid UTF-8", "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"name\":\"a\xffb\"}}", ""},
		{"invalid UTF-8 in a property name", "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"n\xc3\":1}}", ""},
		{"lone low surrogate", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"a\udc00"}}`, ""},
		{"lone high surrogate", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"x":["\ud800x"]}}`, ""},
		{"empty position in a polygon", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[],[0,0]]]}}`, "geometry.coordinates"},
		{"properties not an object", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":[1]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := geo.DecodeFeature([]byte(tt.in))
			if err == nil {
				t.Fatalf("DecodeFeature accepted it: %+v", f)
			}
			if !errors.Is(err, geo.ErrInvalid) {
				t.Errorf("%v does not unwrap to ErrInvalid", err)
			}
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("error %v names field %q, want %q", err, fieldOf(err), tt.field)
			}
		})
	}
}

func fieldOf(err error) string {
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	return "(not a ValidationError)"
}

func TestFeatureRoundTrip(t *testing.T) {
	f := validFeature()
	raw, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	g, err := geo.DecodeFeature(raw)
	if err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	raw2, err := g.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(raw2) {
		t.Errorf("encode, decode, encode changed it:\n%s\n%s", raw, raw2)
	}
	if g.ID() != f.ID() || !orb.Equal(g.Geometry(), f.Geometry()) || len(g.PropertyNames()) != len(f.PropertyNames()) {
		t.Errorf("round trip: %+v, want %+v", g, f)
	}
}

func TestFeatureAccessors(t *testing.T) {
	f := with(t, validFeature(), "lanes", ` 4 `, "open", `true`, "countries", `["PL","BY",3]`, "nothing", `null`,
		"mixed", `[{"a":"],\""}, ["x"], "y\"]", null, false, []]`)
	tests := []struct {
		name, value string
		want        bool
	}{
		{"status", "closed", true},
		{"status", "open", false},
		{"lanes", "4", true},
		{"open", "true", true},
		{"countries", "PL", true},
		{"countries", "BY", true},
		{"countries", "3", true},
		{"countries", "LV", false},
		{"mixed", `y"]`, true},
		{"mixed", "false", true},
		{"mixed", "x", false},
		{"mixed", "null", false},
		{"mixed", `],"`, false},
		{"nothing", "null", false},
		{"missing", "", false},
		{"extra", `{"anything":[1,2,3]}`, false},
	}
	for _, tt := range tests {
		if got := f.HasValue(tt.name, tt.value); got != tt.want {
			t.Errorf("HasValue(%s, %s) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
	if got := f.String("lanes"); got != "" {
		t.Errorf("String of a number = %q, want empty", got)
	}
	for q, want := range map[string]bool{"TERESPOL": true, "brest": true, "тэрэс": true, "ТЭРЭСПАЛЬ": true, "warsaw": false} {
		if got := f.MatchesText(q); got != want {
			t.Errorf("MatchesText(%q) = %v, want %v", q, got, want)
		}
	}
}

// A feature is a value: every change makes a new one, the original and
// its encoding stay as they were, and each encoding matches its fields.
func TestFeatureChangesMakeNewValues(t *testing.T) {
	f := validFeature()
	before := f.JSON()
	changed := []*geo.Feature{
		f.WithID("other"),
		f.WithString("name", "changed"),
		with(t, f, "lanes", `[1, 2]`),
		f.Without("description"),
		f.WithCollection("c").WithVersion(7),
	}
	if g, err := f.WithGeometry(orb.Point{1, 2}); err != nil {
		t.Fatal(err)
	} else {
		changed = append(changed, g)
	}
	if f.JSON() != before || f.ID() != "terespol-brest" || f.String("name") != "Terespol – Brest" {
		t.Fatalf("a change altered the original: %s", f.JSON())
	}
	for i, g := range changed {
		again, err := geo.DecodeFeature([]byte(g.JSON()))
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if again.JSON() != g.JSON() {
			t.Errorf("change %d: the encoding does not match the fields:\n%s\n%s", i, g.JSON(), again.JSON())
		}
	}
	if got := changed[0].JSON(); !strings.Contains(got, `"id":"other"`) {
		t.Errorf("WithID: %s", got)
	}
	if got := changed[1].String("name"); got != "changed" {
		t.Errorf("WithString: name %q", got)
	}
	if got, _ := changed[2].Property("lanes"); string(got) != `[1,2]` {
		t.Errorf("WithProperty: lanes %s", got)
	}
	if changed[3].Has("description") {
		t.Errorf("Without kept the property")
	}
	if g := changed[4]; g.Collection() != "c" || g.Version() != 7 || g.JSON() != before {
		t.Errorf("WithCollection/WithVersion: %s v%d", g.Collection(), g.Version())
	}
	if _, err := f.WithProperty("bad", json.RawMessage(`{`)); err == nil {
		t.Errorf("a property that is not JSON was accepted")
	}
}

// TestWithPropertySplices: a property set by splicing its member into the
// encoding gives the feature that building it with that property gives,
// byte for byte, wherever the key falls among the others.
func TestWithPropertySplices(t *testing.T) {
	base := map[string]json.RawMessage{"b": json.RawMessage(`1`), "d": json.RawMessage(`{"x":[1,2]}`), "f\"q": json.RawMessage(`"é"`)}
	// Properties over 64 KiB take the property table's four-byte offsets.
	big := json.RawMessage(`"` + strings.Repeat("x", 40_000) + `"`)
	wide := map[string]json.RawMessage{"b": big, "d": big, "f": json.RawMessage(`1`)}
	nearly := map[string]json.RawMessage{"b": big, "d": json.RawMessage(`"` + strings.Repeat("y", 65_535-40_002-40) + `"`)}
	for _, tc := range []struct {
		name  string
		id    string
		props map[string]json.RawMessage
		key   string
		value string
	}{
		{"into none", "a", nil, "updated", `"2026-12-02T07:00:00Z"`},
		{"before the first", "a", base, "a", `true`},
		{"between", "a", base, "c", `[1, 2]`},
		{"after the last", "a", base, "z", `null`},
		{"replacing the first", "a", base, "b", `{"y": 2}`},
		{"replacing the middle", "a", base, "d", `"shorter"`},
		{"replacing the last", "a", base, "f\"q", `"a longer value than before"`},
		{"a key to escape", "a", base, "<e>", `2`},
		{"an id to escape", "id \"quoted\" <b>", base, "c", `3`},
		{"validity", "a", base, "valid_from", `"2025-09-12"`},
		{"into wide", "a", wide, "c", `2`},
		{"replacing in wide", "a", wide, "d", `"short"`},
		{"after the last, wide", "a", wide, "z", `null`},
		{"growing past 64 KiB", "a", nearly, "c", string(big)},
		{"shrinking below 64 KiB", "a", wide, "b", `0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := geo.NewFeature(tc.id, orb.LineString{{23.5, 53.1}, {23.7, 53.2}}, tc.props)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.WithVersion(3).WithProperty(tc.key, json.RawMessage(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			all := map[string]json.RawMessage{tc.key: json.RawMessage(tc.value)}
			for k, v := range tc.props {
				if k != tc.key {
					all[k] = v
				}
			}
			want, err := geo.NewFeature(tc.id, f.Geometry(), all)
			if err != nil {
				t.Fatal(err)
			}
			if got.JSON() != want.JSON() {
				t.Errorf("encoding\n got %s\nwant %s", got.JSON(), want.JSON())
			}
			if got.ID() != tc.id || got.Version() != 3 || got.Extent() != want.Extent() || got.PropertiesJSON() != want.PropertiesJSON() {
				t.Errorf("id %q v%d extent %v, want %q v3 %v", got.ID(), got.Version(), got.Extent(), tc.id, want.Extent())
			}
			for k, v := range all {
				if g, ok := got.Property(k); !ok || string(g) != string(compactJSON(t, v)) {
					t.Errorf("%s = %.40s, want %.40s", k, g, v)
				}
			}
			wnames := slices.Sorted(maps.Keys(all))
			if names := got.PropertyNames(); strings.Join(names, "|") != strings.Join(wnames, "|") {
				t.Errorf("names %q, want %q", names, wnames)
			}
			for k, v := range f.Properties() {
				if string(v) != string(compactJSON(t, tc.props[k])) {
					t.Errorf("the original's %s changed: %.40s", k, v)
				}
			}
			if f.Has(tc.key) != (tc.props[tc.key] != nil) {
				t.Errorf("the original changed: %s", f.JSON())
			}
		})
	}
}

// TestWithStringQuotesAsJSON: WithString writes the value as encoding/json
// would.
func TestWithStringQuotesAsJSON(t *testing.T) {
	f, err := geo.NewFeature("a", orb.Point{27.58, 53.77}, map[string]json.RawMessage{"name": json.RawMessage(`"x"`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"", "plain", `say "hi" \ <b> & more`, "tab\tnew\nline", "Мачулищы", "bad \xff byte"} {
		raw, _ := json.Marshal(v)
		want, err := f.WithProperty("note", raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.WithString("note", v); got.JSON() != want.JSON() || got.String("note") != want.String("note") {
			t.Errorf("%q: %s, want %s", v, got.JSON(), want.JSON())
		}
	}
}

func compactJSON(t *testing.T, v json.RawMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A rebuild (WithID, Without) copies the geometry's encoding from the
// feature's own: it must find it whatever the id holds.
func TestRebuildKeepsGeometry(t *testing.T) {
	g := orb.Polygon{{{23.5, 53.1}, {23.7, 53.2}, {23.6, 53.3}, {23.5, 53.1}}}
	props := map[string]json.RawMessage{"a": json.RawMessage(`1`), "b": json.RawMessage(`"x"`)}
	for _, id := range []string{"", "plain", `a "quoted" \ id`, "<b>&", "ключ"} {
		f, err := geo.NewFeature(id, g, props)
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]*geo.Feature{
			"WithID":  f.WithID(id + "-2").WithID(id),
			"Without": f.Without("b"),
		} {
			want, _ := geo.NewFeature(id, g, props)
			if name == "Without" {
				want, _ = geo.NewFeature(id, g, map[string]json.RawMessage{"a": props["a"]})
			}
			if got.JSON() != want.JSON() {
				t.Errorf("id %q, %s:\n got %s\nwant %s", id, name, got.JSON(), want.JSON())
			}
		}
	}
}

// Compact's copies are the same features, and changing one leaves its
// neighbours in the shared allocations alone.
func TestCompactKeepsFeatures(t *testing.T) {
	big := json.RawMessage(`"` + strings.Repeat("x", 70_000) + `"`)
	var fs []*geo.Feature
	for i, props := range []map[string]json.RawMessage{
		{"a": json.RawMessage(`1`), "b": json.RawMessage(`[1,{"c":2}]`)},
		nil,
		{"wide": big, "z": json.RawMessage(`true`)},
		{"name": json.RawMessage(`"last"`)},
	} {
		f, err := geo.NewFeature(fmt.Sprint("f-", i), orb.Point{float64(i), 50}, props)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f.WithCollection("c").WithVersion(int64(i+1)))
	}
	got := geo.Compact(fs)
	changed := got[0].WithString("a", "changed")
	for i, f := range got {
		if f == fs[i] || f.JSON() != fs[i].JSON() || f.ID() != fs[i].ID() || f.Version() != fs[i].Version() || f.Collection() != "c" {
			t.Errorf("copy %d: %s v%d, want %s v%d", i, f.JSON(), f.Version(), fs[i].JSON(), fs[i].Version())
		}
		for k, v := range fs[i].Properties() {
			if g, ok := f.Property(k); !ok || string(g) != string(v) {
				t.Errorf("copy %d: %s = %.40s, want %.40s", i, k, g, v)
			}
		}
	}
	if a, _ := got[0].Property("a"); changed.String("a") != "changed" || string(a) != "1" || len(got[1].PropertyNames()) != 0 {
		t.Errorf("after a change: %s, then %s and %v", changed.JSON(), got[0].JSON(), got[1].PropertyNames())
	}
}
