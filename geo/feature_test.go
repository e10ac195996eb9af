package geo_test

import (
	"encoding/json"
	"errors"
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
