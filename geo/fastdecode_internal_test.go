package geo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fast path gives exactly what the general path gives, or declines.
func TestDecodeFastAgreesWithDecodeSlow(t *testing.T) {
	inputs := []string{
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[27.5,53.9]},"properties":{"name":"A","n":1.50,"x":{"b": [1, 2]},"s":"é \"q\" \u00e9"}}`,
		` { "properties" : null , "geometry" : { "coordinates" : [ [ 1 , 2 ] , [3,4] ] , "type" : "LineString" } , "type" : "Feature" , "bbox":[1,2,3,4]} `,
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]],[[5.1,5.1],[5.2,5.1],[5.2,5.2],[5.1,5.1]]]]},"properties":{}}`,
		`{"type":"Feature","id":"m","geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]},"properties":{"k":[]}}`,
		`{"type":"Feature","id":"p","geometry":{"type":"MultiPoint","coordinates":[[1e-7,-2.5E3]]},"properties":{"a":1,"a":2}}`,
		`{"type":"Feature","id":"h","geometry":{"type":"Point","coordinates":[1,2,300]},"properties":{}}`,
		`{"type":"Feature","id":"e","geometry":{"type":"Point","coordinates":[]},"properties":{}}`,
		`{"type":"Feature","id":"n","geometry":null,"properties":{}}`,
		`{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1,2]}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":[1]}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[01,2]}}`,
		`{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[]}}`,
		`{"type":"FeatureCollection","features":[]}`,
		`{"type":"Feature","id":"u","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"q\u0041":"\ud83d\ude00"}}`,
	}
	files, _ := filepath.Glob("testdata/*.geojson")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(raw)), `{"type":"Feature",`) {
			inputs = append(inputs, string(raw))
		}
	}
	for _, in := range inputs {
		slow, slowErr := decodeSlow([]byte(in))
		fast, ok := decodeFast([]byte(in))
		if !ok {
			continue
		}
		if slowErr != nil {
			t.Errorf("fast path took what the general path refuses (%v):\n%s", slowErr, in)
			continue
		}
		if fast.JSON() != slow.JSON() || fast.ID() != slow.ID() {
			t.Errorf("fast and general paths differ on\n%s\nfast %s\nslow %s", in, fast.JSON(), slow.JSON())
		}
	}
	if _, ok := decodeFast([]byte(inputs[0])); !ok {
		t.Errorf("the fast path declined a plain feature")
	}
}

// DecodeStored reads back every encoding build makes exactly as the
// general path does, and refuses one build would not have made.
func TestDecodeStoredAgreesWithDecodeFeature(t *testing.T) {
	inputs := []string{
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[27.5,53.9]},"properties":{"name":"A","n":1.50,"x":{"b": [1, 2]},"s":"é \"q\" \u00e9"}}`,
		`{"type":"Feature","id":"t","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"valid_from":"2025-09-12T00:00:00Z","valid_to":"2025-09-16","status":"active"}}`,
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]},"properties":{}}`,
		`{"type":"Feature","id":"m","geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]},"properties":{"k":[]}}`,
		`{"type":"Feature","id":"u","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"q\u0041":"\ud83d\ude00"}}`,
	}
	for _, in := range inputs {
		want, err := DecodeFeature([]byte(in))
		if err != nil {
			t.Fatalf("%v: %s", err, in)
		}
		want = want.WithCollection("c").WithVersion(3)
		got, err := DecodeStored("c", 3, want.JSON())
		if err != nil {
			t.Errorf("%v: %s", err, want.JSON())
			continue
		}
		if got.JSON() != want.JSON() || got.ID() != want.ID() || got.Collection() != "c" || got.Version() != 3 ||
			got.Bound() != want.Bound() || got.Extent() != want.Extent() ||
			strings.Join(got.PropertyNames(), ",") != strings.Join(want.PropertyNames(), ",") {
			t.Errorf("DecodeStored differs from DecodeFeature on\n%s", want.JSON())
		}
		for _, name := range want.PropertyNames() {
			g, _ := got.Property(name)
			w, _ := want.Property(name)
			if string(g) != string(w) {
				t.Errorf("%s: property %s is %s, want %s", want.ID(), name, g, w)
			}
		}
	}
	for _, in := range []string{
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"b":1,"a":2}}`,
		`{ "type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`,
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"a": 1}}`,
		`{"type":"Feature","id":"a","geometry":null,"properties":{}}`,
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]}}`,
	} {
		if _, err := DecodeStored("c", 1, in); err == nil {
			t.Errorf("DecodeStored took an encoding build would not make:\n%s", in)
		}
	}
}

func TestArrayLen(t *testing.T) {
	for _, tc := range []struct {
		raw string
		n   int
		ok  bool
	}{
		{`[]`, 0, true}, {`[1]`, 1, true}, {`[1,"a,]",{"b":[2,3]},[],null]`, 5, true},
		{`{"a":1}`, 0, false}, {`"[1]"`, 0, false}, {`[1,2`, 0, false}, {``, 0, false},
	} {
		if n, ok := arrayLen(tc.raw); n != tc.n || ok != tc.ok {
			t.Errorf("arrayLen(%s) = %d, %v; want %d, %v", tc.raw, n, ok, tc.n, tc.ok)
		}
	}
}

// compactValid drops what json.Compact drops, and nothing inside strings.
func TestCompactValid(t *testing.T) {
	for _, in := range []string{
		`1`, `"a b"`, `[]`, `[ 1 , 2 ]`, "{\n\t\"a\" : [1,\r\n2] }",
		`{"s": "a \" b", "t": "\\", "u" : " \\\" "}`,
		`[{"title": "Report", "url": "https://example.org/a b"}, {"x": null}]`,
	} {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := compactValid(in); got != buf.String() {
			t.Errorf("%s: %s, want %s", in, got, buf.String())
		}
	}
}
