package geo_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

func testCollection() *geo.Collection {
	return &geo.Collection{ID: "border-crossings", Title: "Border crossings", Statuses: []string{"open", "closed", "restricted"}}
}

// validFeature passes Validate; each case breaks one rule of it.
func validFeature() *geo.Feature {
	return newFeature("terespol-brest", orb.Point{23.6, 52.07}, map[string]json.RawMessage{
		"name":        json.RawMessage(`"Terespol – Brest"`),
		"name_local":  json.RawMessage(`"Тэрэспаль"`),
		"country":     json.RawMessage(`"PL"`),
		"status":      json.RawMessage(`"closed"`),
		"confidence":  json.RawMessage(`"confirmed"`),
		"valid_from":  json.RawMessage(`"2025-09-12"`),
		"valid_to":    json.RawMessage(`"2025-09-25T00:00:00+02:00"`),
		"timeline":    json.RawMessage(`[{"from":"2025-09-12T00:00:00+02:00","to":"2025-09-25","status":"closed","note":"closed for Zapad"}]`),
		"sources":     json.RawMessage(`[{"title":"Poland closes the border","publisher":"Reuters","date":"2025-09-11","url":"https://www.reuters.com/x"}]`),
		"description": json.RawMessage(`"Road crossing"`),
		"extra":       json.RawMessage(`{"anything":[1,2,3]}`),
	})
}

func newFeature(id string, g orb.Geometry, props map[string]json.RawMessage) *geo.Feature {
	f, err := geo.NewFeature(id, g, props)
	if err != nil {
		panic(err)
	}
	return f
}

// with sets properties, given as name, raw JSON, name, raw JSON, ...
func with(t *testing.T, f *geo.Feature, kv ...string) *geo.Feature {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		var err error
		if f, err = f.WithProperty(kv[i], json.RawMessage(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func ring(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{20 + math.Cos(a), 50 + math.Sin(a)})
	}
	return append(r, r[0])
}

func TestValidateAcceptsTheValidFeature(t *testing.T) {
	if err := geo.Validate(validFeature(), testCollection()); err != nil {
		t.Fatalf("Validate(validFeature()) = %v", err)
	}
	// Every geometry type, and an empty id (the store assigns one).
	for _, g := range []orb.Geometry{
		orb.MultiPoint{{1, 2}},
		orb.LineString{{1, 2}, {3, 4}},
		orb.MultiLineString{{{1, 2}, {3, 4}}},
		orb.Polygon{ring(3)},
		orb.Polygon{ring(8), ring(4)},
		orb.MultiPolygon{{ring(5)}},
		orb.Point{-180, -90},
		orb.Point{180, 90},
	} {
		f, err := validFeature().WithID("").WithGeometry(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := geo.Validate(f, testCollection()); err != nil {
			t.Errorf("Validate(%s) = %v", g.GeoJSONType(), err)
		}
	}
	// Optional properties may be absent or null.
	f := with(t, validFeature().Without("name_local", "valid_from", "valid_to", "description"), "timeline", `null`)
	if err := geo.Validate(f, testCollection()); err != nil {
		t.Errorf("Validate without optional properties = %v", err)
	}
}

func TestValidateRules(t *testing.T) {
	long := make(orb.LineString, geo.MaxVertices+1)
	for i := range long {
		long[i] = orb.Point{float64(i%360) - 180, 0}
	}
	tests := []struct {
		name  string
		field string // the field the error must name
		edit  func(f *geo.Feature, c *geo.Collection) (*geo.Feature, error)
	}{
		// id
		{"id with upper case", "id", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithID("Terespol"), nil }},
		{"id with a slash", "id", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithID("a/b"), nil }},
		{"id with a space", "id", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithID("a b"), nil }},
		{"id of 129 characters", "id", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithID(strings.Repeat("a", 129)), nil
		}},

		// geometry
		{"missing geometry", "geometry", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(nil) }},
		{"type the collection does not allow", "geometry.type", func(f *geo.Feature, c *geo.Collection) (*geo.Feature, error) {
			c.Geometry = []string{"Polygon", "MultiPolygon"}
			return f, nil
		}},
		{"longitude over 180", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{180.0001, 0})
		}},
		{"longitude under -180", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{-181, 0})
		}},
		{"latitude over 90", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{0, 90.5})
		}},
		{"latitude under -90", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{0, -91})
		}},
		{"NaN longitude", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{math.NaN(), 0})
		}},
		{"infinite latitude", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Point{0, math.Inf(1)})
		}},
		{"bad position deep in a polygon", "geometry.coordinates[1][2]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			hole := ring(4)
			hole[2] = orb.Point{200, 50}
			return f.WithGeometry(orb.Polygon{ring(6), hole})
		}},
		{"bad position deep in a MultiPolygon", "geometry.coordinates[1][0][2]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			bad := ring(4)
			bad[2] = orb.Point{20, 95}
			return f.WithGeometry(orb.MultiPolygon{{ring(4)}, {bad}})
		}},
		{"bad position in a MultiLineString", "geometry.coordinates[1][1]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiLineString{{{1, 2}, {3, 4}}, {{1, 2}, {-181, 0}}})
		}},
		{"bad position in a MultiPoint", "geometry.coordinates[1]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiPoint{{1, 2}, {1, -91}, {200, 0}})
		}},
		{"bad position in a LineString", "geometry.coordinates[2]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.LineString{{1, 2}, {3, 4}, {3, 91}})
		}},
		{"more than 1,000,000 vertices", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(long) }},
		{"empty MultiPoint", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(orb.MultiPoint{}) }},
		{"empty LineString", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(orb.LineString{}) }},
		{"LineString of one position", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.LineString{{1, 2}})
		}},
		{"empty MultiLineString", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiLineString{})
		}},
		{"MultiLineString with a short line", "geometry.coordinates[1]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiLineString{{{1, 2}, {3, 4}}, {{1, 2}}})
		}},
		{"empty Polygon", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(orb.Polygon{}) }},
		{"ring of 3 positions", "geometry.coordinates[0]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Polygon{{{0, 0}, {1, 0}, {0, 0}}})
		}},
		{"empty ring", "geometry.coordinates[0]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.WithGeometry(orb.Polygon{{}}) }},
		{"unclosed ring", "geometry.coordinates[0]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}})
		}},
		{"unclosed hole", "geometry.coordinates[1]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.Polygon{ring(6), {{20, 50}, {20.1, 50}, {20.1, 50.1}, {20, 50.1}}})
		}},
		{"empty MultiPolygon", "geometry.coordinates", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiPolygon{})
		}},
		{"MultiPolygon with an unclosed ring", "geometry.coordinates[1][0]", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.WithGeometry(orb.MultiPolygon{{ring(4)}, {{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}})
		}},

		// name
		{"missing name", "properties.name", del("name")},
		{"null name", "properties.name", set("name", `null`)},
		{"blank name", "properties.name", set("name", `"   "`)},
		{"name not a string", "properties.name", set("name", `42`)},
		{"name_local not a string", "properties.name_local", set("name_local", `["a"]`)},
		{"description not a string", "properties.description", set("description", `{"html":"<b>"}`)},

		// country
		{"missing country", "properties.country", del("country")},
		{"lower-case country", "properties.country", set("country", `"pl"`)},
		{"unassigned country", "properties.country", set("country", `"XX"`)},
		{"alpha-3 country", "properties.country", set("country", `"POL"`)},
		{"country not a string", "properties.country", set("country", `616`)},

		// status
		{"missing status", "properties.status", del("status")},
		{"status outside the vocabulary", "properties.status", set("status", `"active"`)},
		{"status in the wrong case", "properties.status", set("status", `"Closed"`)},

		// confidence
		{"missing confidence", "properties.confidence", del("confidence")},
		{"unknown confidence", "properties.confidence", set("confidence", `"certain"`)},

		// sources
		{"missing sources", "properties.sources", del("sources")},
		{"null sources", "properties.sources", set("sources", `null`)},
		{"empty sources", "properties.sources", set("sources", `[]`)},
		{"sources not a list", "properties.sources", set("sources", `{"title":"x"}`)},
		{"a source not an object", "properties.sources", set("sources", `[{"title":"a"},"b"]`)},
		{"a source title not a string", "properties.sources", set("sources", `[{"title":"a"},{"title":5}]`)},
		{"a title in another case not a string", "properties.sources", set("sources", `[{"TITLE":5}]`)},
		{"a null source", "properties.sources[1].title", set("sources", `[{"title":"a"},null]`)},
		{"a title set to null again", "properties.sources[0].title", set("sources", `[{"title":"a","title":null}]`)},
		{"a bad url after a blank title", "properties.sources", set("sources", `[{"title":" "},{"title":"a","url":false}]`)},
		{"untitled source", "properties.sources[0].title", set("sources", `[{"publisher":"Reuters"}]`)},
		{"blank title in the second source", "properties.sources[1].title", set("sources", `[{"title":"a"},{"title":" "}]`)},
		{"source date not RFC 3339", "properties.sources[0].date", set("sources", `[{"title":"a","date":"11.09.2025"}]`)},
		{"source url not http", "properties.sources[0].url", set("sources", `[{"title":"a","url":"ftp://example.org/x"}]`)},
		{"source url without host", "properties.sources[0].url", set("sources", `[{"title":"a","url":"https://"}]`)},
		{"source url not a URL", "properties.sources[0].url", set("sources", `[{"title":"a","url":"example.org/x"}]`)},
		{"source url javascript", "properties.sources[0].url", set("sources", `[{"title":"a","url":"javascript:alert(1)"}]`)},

		// valid_from, valid_to
		{"valid_from not a date", "properties.valid_from", set("valid_from", `"12/09/2025"`)},
		{"valid_from not a string", "properties.valid_from", set("valid_from", `20250912`)},
		{"valid_to not a date", "properties.valid_to", set("valid_to", `"2025-13-01"`)},
		{"valid_to before valid_from", "properties.valid_to", set("valid_to", `"2025-09-11"`)},
		{"valid_to not a date without valid_from", "properties.valid_to", func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
			return f.Without("valid_from").WithProperty("valid_to", json.RawMessage(`"soon"`))
		}},

		// timeline
		{"timeline not a list", "properties.timeline", set("timeline", `"closed"`)},
		{"timeline entry not an object", "properties.timeline", set("timeline", `[{"from":"2025-09-01","status":"open"},3]`)},
		{"timeline from not a string", "properties.timeline", set("timeline", `[{"from":20250901,"status":"open"}]`)},
		{"null timeline entry", "properties.timeline[0].from", set("timeline", `[null]`)},
		{"timeline entry without from", "properties.timeline[0].from", set("timeline", `[{"status":"closed"}]`)},
		{"timeline from not a date", "properties.timeline[0].from", set("timeline", `[{"from":"Sept 12","status":"closed"}]`)},
		{"timeline to not a date", "properties.timeline[1].to", set("timeline", `[{"from":"2025-09-01","status":"open"},{"from":"2025-09-12","to":"later","status":"closed"}]`)},
		{"timeline to before from", "properties.timeline[0].to", set("timeline", `[{"from":"2025-09-12","to":"2025-09-11","status":"closed"}]`)},
		{"timeline entry without status", "properties.timeline[0].status", set("timeline", `[{"from":"2025-09-12"}]`)},
		{"timeline status outside the vocabulary", "properties.timeline[0].status", set("timeline", `[{"from":"2025-09-12","status":"shut"}]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testCollection()
			// A feature cannot even hold some mistakes (NaN coordinates):
			// making it fails, naming the field as Validate would.
			f, err := tt.edit(validFeature(), c)
			if err == nil {
				err = geo.Validate(f, c)
			}
			if err == nil {
				t.Fatalf("Validate accepted it; want an error naming %s", tt.field)
			}
			if !errors.Is(err, geo.ErrInvalid) {
				t.Errorf("error %v does not unwrap to ErrInvalid", err)
			}
			var ve *geo.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("error names field %q, want %q (%v)", ve.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name %s", err, tt.field)
			}
		})
	}
}

func set(name, raw string) func(*geo.Feature, *geo.Collection) (*geo.Feature, error) {
	return func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) {
		return f.WithProperty(name, json.RawMessage(raw))
	}
}

func del(name string) func(*geo.Feature, *geo.Collection) (*geo.Feature, error) {
	return func(f *geo.Feature, _ *geo.Collection) (*geo.Feature, error) { return f.Without(name), nil }
}

// TestValidateListsAsDecoded: sources and timelines are read in place,
// and accept what encoding/json's decoding into structs accepts: names
// in any case, escapes, null members, the last of a repeated name.
func TestValidateListsAsDecoded(t *testing.T) {
	for _, tt := range []struct{ name, value string }{
		{"sources", `[{"Title":"a","URL":"https://example.org/x"}]`},
		{"sources", `[{"title":"\u0041 report","date":"2025-09-11T10:00:00Z","url":null,"extra":[1,{"title":5}]}]`},
		{"sources", `[{"title":null,"title":"a"},{"title":"b","publisher":null}]`},
		{"timeline", `[]`},
		{"timeline", `[{"From":"2025-09-01","STATUS":"open","note":null},{"from":"2025-09-12","to":"2025-09-25","status":"closed"}]`},
	} {
		f := with(t, validFeature(), tt.name, tt.value)
		if err := geo.Validate(f, testCollection()); err != nil {
			t.Errorf("%s %s: %v", tt.name, tt.value, err)
		}
	}
}

func TestValidateAnyStatusWithoutVocabulary(t *testing.T) {
	c := geo.NewCollection("my-layer")
	f := with(t, validFeature(), "status", `"whatever"`, "timeline", `[{"from":"2025-01-01","status":"anything"}]`)
	if err := geo.Validate(f, &c); err != nil {
		t.Errorf("a collection without a vocabulary rejected a status: %v", err)
	}
	f = with(t, f, "timeline", `[{"from":"2025-01-01","status":""}]`)
	if err := geo.Validate(f, &c); err == nil {
		t.Errorf("an empty timeline status was accepted")
	}
}

func TestValidateAllNamesTheFeature(t *testing.T) {
	c := testCollection()
	good := validFeature().WithID("good")
	bad := validFeature().WithID("bad").Without("sources")
	badNoID := validFeature().WithID("").Without("name")
	byCol := func(*geo.Feature) *geo.Collection { return c }

	if err := geo.ValidateAll([]*geo.Feature{good, good}, byCol); err != nil {
		t.Fatalf("ValidateAll(valid) = %v", err)
	}
	err := geo.ValidateAll([]*geo.Feature{good, good, bad, badNoID}, byCol)
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || ve.Feature != "#2 (bad)" || ve.Field != "properties.sources" {
		t.Errorf("ValidateAll = %v; want feature #2 (bad), field properties.sources", err)
	}
	if err != nil && !strings.Contains(err.Error(), "#2 (bad)") {
		t.Errorf("message %q does not name the feature", err)
	}
	err = geo.ValidateAll([]*geo.Feature{good, badNoID}, byCol)
	if !errors.As(err, &ve) || ve.Feature != "#1" || ve.Field != "properties.name" {
		t.Errorf("ValidateAll = %v; want feature #1, field properties.name", err)
	}
}

func TestIsCountry(t *testing.T) {
	for code, want := range map[string]bool{
		"PL": true, "BY": true, "LT": true, "LV": true, "RU": true, "UA": true, "ZW": true, "AD": true,
		"pl": false, "XX": false, "": false, "P": false, "POL": false, "D ": false, " A": false, "DA": false,
	} {
		if got := geo.IsCountry(code); got != want {
			t.Errorf("IsCountry(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"airfield-machulishchy": true, "a": true, "0-9": true, strings.Repeat("x", 128): true,
		"": false, strings.Repeat("x", 129): false, "A": false, "a_b": false, "a.b": false, "ä": false,
	} {
		if got := geo.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
