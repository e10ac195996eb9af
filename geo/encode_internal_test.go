package geo

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// appendGeometry must write what orb's geojson package writes.
func TestAppendGeometryMatchesOrb(t *testing.T) {
	nums := []float64{0, -0.0, 1, -1, 0.1, 1.5e-7, -3.25e-9, 1e-6, 123456789.123456789, 179.999999999, -90, 1e21, 5e-324, math.MaxFloat64, 27.5807, 53.77440000001}
	var pts []orb.Point
	for i, x := range nums {
		pts = append(pts, orb.Point{x, nums[(i+3)%len(nums)]})
	}
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	geoms := []orb.Geometry{
		orb.MultiPoint(pts),
		orb.LineString(pts),
		orb.MultiLineString{orb.LineString(pts), {{1, 2}, {3, 4}}},
		orb.Polygon{ring, ring},
		orb.MultiPolygon{{ring}, {ring, ring}},
		orb.MultiPoint{},
		orb.LineString{},
		orb.Polygon{},
		orb.MultiPolygon{},
		orb.Collection{orb.Point{1, 2}},
		ring,
	}
	for _, p := range pts {
		geoms = append(geoms, p)
	}
	for _, g := range geoms {
		want, err := geojson.NewGeometry(g).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendGeometry(nil, g)
		if err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		if string(got) != string(want) {
			t.Errorf("%#v:\n got %s\nwant %s", g, got, want)
		}
	}
	if _, err := appendGeometry(nil, orb.Point{math.NaN(), 0}); err == nil {
		t.Errorf("NaN encoded without an error")
	}
}

func TestEncodeKeepsPropertyBytes(t *testing.T) {
	f, err := NewFeature("a<b", orb.Point{1, 2}, map[string]json.RawMessage{
		"z":       json.RawMessage(`12345678901234567890`),
		"html":    json.RawMessage(`"<b>&</b>"`),
		"spaced":  json.RawMessage(` {"b": [1, 2.50]} `),
		"quote\"": json.RawMessage(`true`),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := f.JSON()
	want := `{"type":"Feature","id":"a\u003cb","geometry":{"type":"Point","coordinates":[1,2]},` +
		`"properties":{"html":"<b>&</b>","quote\"":true,"spaced":{"b":[1,2.50]},"z":12345678901234567890}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := NewFeature("b", orb.Point{1, 2}, map[string]json.RawMessage{"bad": json.RawMessage(`{`)}); err == nil {
		t.Errorf("a property that is not JSON was accepted")
	}
}

func TestDecodeString(t *testing.T) {
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"plain"`, "plain", true},
		{` "spaced" `, "spaced", true},
		{`""`, "", true},
		{`"Мачулішчы"`, "Мачулішчы", true},
		{`"a\"b"`, `a"b`, true},
		{`"tab\tnew\nline"`, "tab\tnew\nline", true},
		{`"\u0041"`, "A", true},
		{"\"bad \xff utf-8\"", "bad \ufffd utf-8", true}, // as encoding/json does
		{`42`, "", false},
		{`null`, "", true}, // as encoding/json does
		{`["a"]`, "", false},
		{`"unterminated`, "", false},
		{"\"raw\ttab\"", "", false}, // control characters are not JSON
	}
	for _, tt := range tests {
		got, ok := decodeString(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("decodeString(%s) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}
