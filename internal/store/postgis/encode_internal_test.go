package postgis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/sitmap/sitmap/geo"
)

// TestPairHash: the hash of a free-text term, made without the term, is
// the term's (termHash, which migration 0014 computes in SQL).
func TestPairHash(t *testing.T) {
	for _, tt := range []struct{ k, v string }{
		{"name", "Town 252 road pt-000000"},
		{"name", ""},
		{"name_local", "Мінск – вуліца"},
		{"description", strings.Repeat("x", 190)},
		{"description", strings.Repeat("x", 200)}, // too long: hashed as a whole
		{"name", "a\x1fb"},
		{"name", "a\x1eb"},
		{"name", "nul\x00"},
		{"name", "bad \xff utf-8"},
		{"name", "surrogate \xed\xa0\x80"},
		{"name", "replacement \uFFFD is text"},
	} {
		var buf [termMax + 1]byte
		if got, want := pairHash(buf[:0], tt.k, tt.v), termHash(term(tt.k, tt.v)); got != want {
			t.Errorf("pairHash(%q, %q) = %d, want %d", tt.k, tt.v, got, want)
		}
	}
}

// TestTermPlain: a term holds its name and value as they are exactly when
// they are short, valid UTF-8 and free of the bytes that separate terms.
func TestTermPlain(t *testing.T) {
	for _, tt := range []struct {
		k, v  string
		plain bool
	}{
		{"status", "open", true},
		{"name", "Мінск", true},
		{"name", "replacement \uFFFD", true},
		{"name", strings.Repeat("x", 196), true},
		{"name", strings.Repeat("x", 197), false},
		{"na\x1fme", "v", false},
		{"name", "a\x1eb", false},
		{"name", "\x00", false},
		{"name", "\xff", false},
		{"name", "\xed\xa0\x80", false},
	} {
		got := term(tt.k, tt.v)
		if plain := got == tt.k+"\x1f"+tt.v; plain != tt.plain {
			t.Errorf("term(%q, %q) = %q: plain %v, want %v", tt.k, tt.v, got, plain, tt.plain)
		}
		if !tt.plain && !strings.HasPrefix(got, "#") {
			t.Errorf("term(%q, %q) = %q, want a hash", tt.k, tt.v, got)
		}
	}
}

// TestSpatialOrders: the order of packed keys is the order of comparing
// collections, then spatial keys, then positions.
func TestSpatialOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var fs []*geo.Feature
	for i := range 5000 {
		c := []string{"b", "a", "c-long-name"}[rng.IntN(3)]
		p := orb.Point{float64(rng.IntN(50)) - 25, float64(rng.IntN(50)) - 25} // repeated keys too
		f, err := geo.NewFeature(fmt.Sprintf("f%d", i), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f.WithCollection(c))
	}
	ranks := map[string]uint64{"a": 0, "b": 1, "c-long-name": 2}
	packed, compared := packedOrder(fs, ranks), comparedOrder(fs, ranks)
	if !slices.Equal(packed, compared) {
		t.Fatalf("packed and compared orders differ")
	}
	if got := spatialPermutation(fs); !slices.Equal(got, packed) {
		t.Errorf("spatialPermutation differs from packedOrder")
	}
	for i := 1; i < len(packed); i++ {
		a, b := fs[packed[i-1]], fs[packed[i]]
		ka, kb := spatialKey(a.Bound().Center()), spatialKey(b.Bound().Center())
		if a.Collection() > b.Collection() || a.Collection() == b.Collection() && (ka > kb || ka == kb && packed[i-1] > packed[i]) {
			t.Fatalf("out of order at %d: %s %d #%d before %s %d #%d", i, a.Collection(), ka, packed[i-1], b.Collection(), kb, packed[i])
		}
	}
}

// TestAppendGeometry: a bulk load's geometries, written in place, are
// the EWKB ewkb.Marshal makes, for every type.
func TestAppendGeometry(t *testing.T) {
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	for _, g := range []orb.Geometry{
		orb.Point{24.1, 54.2},
		orb.LineString{{1, 2}, {3, 4}},
		orb.Polygon{ring, {{0.1, 0.1}, {0.2, 0.1}, {0.2, 0.2}, {0.1, 0.1}}},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}, {9, 9}}},
		orb.MultiPolygon{{ring}, {ring, ring}},
		orb.MultiPolygon{},
		orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}},
		orb.MultiLineString{{{1, 2}, {3, 4}}, nil},
		orb.MultiPolygon{{ring}, nil},
	} {
		want, err := ewkb.Marshal(g, 4326)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendGeometry([]byte("prefix"), g)
		if err != nil {
			t.Fatal(err)
		}
		if n := binary.BigEndian.Uint32(got[6:]); !bytes.Equal(got[10:], want) || n != uint32(len(want)) || string(got[:6]) != "prefix" {
			t.Errorf("%T %v: %x (length %d)\nwant %x", g, g, got, n, want)
		}
	}
}
