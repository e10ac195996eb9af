package geo_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
)

// The fuzz targets of geo. `make fuzz` runs each for FUZZTIME; plain
// `go test` runs their seeds (below and in testdata/fuzz/<target>/).

var fuzzFeatures = []string{
	`{"type":"Feature","id":"terespol-brest","geometry":{"type":"Point","coordinates":[23.6,52.07]},"properties":{"name":"Terespol – Brest","name_local":"Тэрэспаль","country":"PL","status":"closed","confidence":"confirmed","valid_from":"2025-09-12","timeline":[{"from":"2025-09-12T00:00:00+02:00","status":"closed","note":"Zapad"}],"sources":[{"title":"Reuters","date":"2025-09-11","url":"https://www.reuters.com/x"}],"extra":{"a":[1,2.5e-7,"\u00e9\ud83d\ude00"]}}}`,
	`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[23,52],[24,52],[24,53],[23,52]]]},"properties":{"name":"Area","country":"BY","status":"active","confidence":"suspected","sources":[{"title":"t"}]}}`,
	`{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[[[179.9,1],[-179.9,1.5]],[[0,0],[1e-7,1e-7]]]},"properties":{"name":"Line","country":"PL","status":"x","confidence":"reported","sources":[{"title":"t"}]}}`,
	`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.2]]]]},"properties":{"name":"Holes","country":"LT","status":"s","confidence":"confirmed","sources":[{"title":"t"}]}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[27,53,100]},"properties":{}}`,
}

// anyCollection allows every geometry and status, so that fuzzing reaches
// past the vocabulary checks.
func anyCollection() *geo.Collection {
	c := geo.NewCollection("fuzz")
	return &c
}

// FuzzFeatureRoundTrip: a feature that decodes and validates encodes to
// GeoJSON that decodes and validates again to the same encoding (stored
// as sent, and readable back).
func FuzzFeatureRoundTrip(f *testing.F) {
	for _, s := range fuzzFeatures {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feat, err := geo.DecodeFeature(data)
		if err != nil {
			if !errors.Is(err, geo.ErrInvalid) {
				t.Fatalf("DecodeFeature error %v is not ErrInvalid", err)
			}
			return
		}
		if geo.Validate(feat, anyCollection()) != nil {
			return
		}
		enc := feat.AppendJSON(nil)
		again, err := geo.DecodeFeature(enc)
		if err != nil {
			t.Fatalf("its encoding does not decode: %v\n%s", err, enc)
		}
		if err := geo.Validate(again, anyCollection()); err != nil {
			t.Fatalf("its encoding does not validate: %v\n%s", err, enc)
		}
		if enc2 := again.AppendJSON(nil); !bytes.Equal(enc, enc2) {
			t.Fatalf("encodings differ:\n%s\n%s", enc, enc2)
		}
		checkStoredAndSpliced(t, feat)
	})
}

// checkStoredAndSpliced: what a store reads back (DecodeStored or its
// fallback, then Compact) has every property of the feature, and a
// property spliced in (as stores stamp "updated") leaves the others as
// they were.
func checkStoredAndSpliced(t *testing.T, feat *geo.Feature) {
	t.Helper()
	stored, err := geo.DecodeStored("c", 1, feat.JSON())
	if err != nil {
		// Keys that escapes put out of order in the JSON's text: stores
		// fall back to a full decode, as here.
		if stored, err = geo.DecodeFeature([]byte(feat.JSON())); err != nil {
			t.Fatalf("DecodeFeature of its own encoding: %v\n%s", err, feat.JSON())
		}
	}
	stored = geo.Compact([]*geo.Feature{stored})[0]
	spliced := stored.WithString("updated", "2026-12-02T14:00:00Z")
	for k, v := range feat.Properties() {
		if got, ok := stored.Property(k); !ok || !bytes.Equal(got, v) {
			t.Fatalf("stored %s = %s, want %s", k, got, v)
		}
		if got, ok := spliced.Property(k); k != "updated" && (!ok || !bytes.Equal(got, v)) {
			t.Fatalf("after the splice %s = %s, want %s", k, got, v)
		}
	}
	names := len(feat.PropertyNames())
	if !feat.Has("updated") {
		names++
	}
	if stored.JSON() != feat.JSON() || spliced.String("updated") != "2026-12-02T14:00:00Z" || len(spliced.PropertyNames()) != names {
		t.Fatalf("stored %s\nspliced %s", stored.JSON(), spliced.JSON())
	}
}

// FuzzParseBBox and FuzzParseDatetime: the query parameter parsers
// answer a ValidationError or a value, never panic.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"23,52,24,53", "170,-10,-170,10", "1,2,0,3,4,10", "nan,1,2,3", "1e400,0,0,0", "", ",,,", "-180,-90,180,90"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := geo.ParseBBox(s); err != nil && !errors.Is(err, geo.ErrInvalid) {
			t.Fatalf("ParseBBox(%q): %v is not ErrInvalid", s, err)
		}
	})
}

func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2025-09-12", "2025-09-12T10:00:00Z/..", "../2025-09-16", "2025-09-12/P2D", "2025-09-12/PT36H",
		"2025-09-16/2025-09-12", "2025-09-12T10:00:00+02:00", "P1Y/2025-01-01", "9999-12-31/P9999Y", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := geo.ParseDatetime(s)
		if err != nil {
			if !errors.Is(err, geo.ErrInvalid) {
				t.Fatalf("ParseDatetime(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
			t.Fatalf("ParseDatetime(%q) = %v .. %v: ends before it starts", s, iv.Start, iv.End)
		}
	})
}

// FuzzRender: any valid feature renders into any tile without a panic,
// and what comes out is a vector tile that decodes.
func FuzzRender(f *testing.F) {
	for i, s := range fuzzFeatures {
		f.Add([]byte(s), uint8(i*3), uint32(i), uint32(i))
	}
	f.Add([]byte(fuzzFeatures[0]), uint8(9), uint32(290), uint32(166))
	f.Fuzz(func(t *testing.T, data []byte, z uint8, x, y uint32) {
		feat, err := geo.DecodeFeature(data)
		if err != nil || geo.Validate(feat, anyCollection()) != nil {
			return
		}
		zoom := maptile.Zoom(z % (geo.MaxZoom + 1))
		n := uint32(1) << zoom
		tile := maptile.New(x%n, y%n, zoom)
		layers := []geo.TileLayer{{Name: "fuzz", Features: []*geo.Feature{feat}}}
		b, err := geo.Render(layers, tile, geo.RenderOptions{})
		if err != nil {
			t.Fatalf("Render %v: %v", tile, err)
		}
		if len(b) > 0 {
			if _, err := mvt.Unmarshal(b); err != nil {
				t.Fatalf("Render %v: the tile does not decode: %v", tile, err)
			}
		}
	})
}
