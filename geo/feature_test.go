package geo_test

import (
	"encoding/json"
	"errors"
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
	if f.ID != "airfield-machulishchy" || f.Geometry != (orb.Point{27.5807, 53.7744}) {
		t.Errorf("id %q geometry %v", f.ID, f.Geometry)
	}
	if got := f.String("name"); got != "Machulishchy" {
		t.Errorf("name %q", got)
	}
	for k, want := range map[string]string{"big": `12345678901234567890`, "nested": `{"a":[1,2]}`} {
		if got := string(f.Properties[k]); got != want {
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
		"Point":           `[1,2,100]`, // a height is allowed and dropped
	} {
		f, err := geo.DecodeFeature([]byte(`{"type":"Feature","geometry":{"type":"` + typ + `","coordinates":` + coords + `}}`))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if f.Geometry.GeoJSONType() != typ || f.ID != "" || f.Properties == nil {
			t.Errorf("%s: got %s, id %q, properties %v", typ, f.Geometry.GeoJSONType(), f.ID, f.Properties)
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
	if g.ID != f.ID || !orb.Equal(g.Geometry, f.Geometry) || len(g.Properties) != len(f.Properties) {
		t.Errorf("round trip: %+v, want %+v", g, f)
	}
}

func TestFeatureAccessors(t *testing.T) {
	f := validFeature()
	f.Properties["lanes"] = json.RawMessage(` 4 `)
	f.Properties["open"] = json.RawMessage(`true`)
	f.Properties["countries"] = json.RawMessage(`["PL","BY",3]`)
	f.Properties["nothing"] = json.RawMessage(`null`)
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
	c := f.Clone()
	c.SetString("name", "changed")
	if f.String("name") == "changed" {
		t.Errorf("Clone shares properties with the original")
	}
}
