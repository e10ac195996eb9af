package geo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// A stored encoding, or the stored properties beside the geometry, comes
// back as the same feature, byte for byte, for properties that trip naive
// scanners.
func TestStoredFeatureRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		g     orb.Geometry
		props map[string]json.RawMessage
	}{
		{"none", orb.Point{1, 2}, nil},
		{"valid times", orb.Point{1, 2}, map[string]json.RawMessage{
			"valid_from": json.RawMessage(`"2024-01-02T03:04:05.123456789Z"`), "valid_to": json.RawMessage(`"2025"`)}},
		{"scalars", orb.Point{27.5, 53.9}, map[string]json.RawMessage{
			"big": json.RawMessage(`12345678901234567890`), "f": json.RawMessage(`1.50`), "t": json.RawMessage(`true`), "n": json.RawMessage(`null`)}},
		{"tricky strings", orb.LineString{{1, 2}, {3, 4}}, map[string]json.RawMessage{
			"name": json.RawMessage(`"a,\"b\":{c}[d]\\"`), "a\"key,": json.RawMessage(`"<b>&"`), "ünï": json.RawMessage(`"ключ"`)}},
		{"nested", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, map[string]json.RawMessage{
			"sources": json.RawMessage(`[{"title":"x,}]","url":null},[1,[2,{"a":"}"}]]]`), "z": json.RawMessage(`{}`), "e": json.RawMessage(`[]`)}},
		{"collection", orb.Collection{orb.Point{-0.5, 1e-7}, orb.MultiLineString{{{1, 2}, {3, 4.000000000000001}}}}, nil},
		{"over 64 KiB", orb.Point{1, 2}, map[string]json.RawMessage{
			"a": json.RawMessage(`"` + strings.Repeat("é", 15_000) + `"`), "b": json.RawMessage(`"` + strings.Repeat("x", 20_000) + `"`),
			"c": json.RawMessage(`[` + strings.Repeat(`"y",`, 6_000) + `1]`), "d": json.RawMessage(`"last"`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := NewFeature("f-1", c.g, c.props)
			if err != nil {
				t.Fatal(err)
			}
			f = f.WithCollection("c").WithVersion(7)
			for _, stored := range []func() (*Feature, error){
				func() (*Feature, error) { return StoredFeature("c", "f-1", 7, c.g, f.JSON()) },
				func() (*Feature, error) { return StoredProperties("c", "f-1", 7, c.g, f.PropertiesJSON()) },
			} {
				got, err := stored()
				if err != nil {
					t.Fatal(err)
				}
				checkStored(t, got, f, c.props)
			}
		})
	}
}

func checkStored(t *testing.T, got, f *Feature, props map[string]json.RawMessage) {
	t.Helper()
	if got.JSON() != f.JSON() || got.Version() != 7 || got.Collection() != "c" || got.Extent() != f.Extent() || got.Bound() != f.Bound() {
		t.Fatalf("got %s (v%d %s), want %s", got.JSON(), got.Version(), got.Collection(), f.JSON())
	}
	for k, v := range props {
		if raw, ok := got.Property(k); !ok || string(raw) != string(v) {
			t.Errorf("property %q: %s %v, want %s", k, raw, ok, v)
		}
	}
	if len(got.PropertyNames()) != len(props) {
		t.Errorf("names %v, want %d", got.PropertyNames(), len(props))
	}
}

// A damaged encoding is an error, not a feature with wrong fields.
func TestStoredFeatureRejectsDamage(t *testing.T) {
	f, err := NewFeature("f-1", orb.Point{1, 2}, map[string]json.RawMessage{"a": json.RawMessage(`"x"`)})
	if err != nil {
		t.Fatal(err)
	}
	enc := f.JSON()
	for _, bad := range []string{"", enc[:len(enc)-2], `{"type":"Feature","id":"other"` + enc[len(`{"type":"Feature","id":"f-1"`):],
		enc[:len(enc)-8] + `"x"}}`, `{"type":"Feature","id":"f-1","geometry":{"type":"Point","coordinates":[1,2]}}`} {
		if _, err := StoredFeature("c", "f-1", 1, orb.Point{1, 2}, bad); err == nil {
			t.Errorf("StoredFeature(%q) succeeded", bad)
		}
	}
}
