package bunt

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// TestAsOfIndexBackfill: a file written before the as_of index (no spans
// in its records, no marker) gets it on open, and as_of answers as before.
func TestAsOfIndexBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sitmap.db")
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(path, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	col := geo.NewCollection("places")
	pt := func(x float64, status string) *geo.Feature {
		f, err := geo.NewFeature("p", orb.Point{x, 50}, map[string]json.RawMessage{"status": json.RawMessage(`"` + status + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		return f.WithCollection("places")
	}
	if _, err := s.Put(ctx, []*geo.Feature{pt(10, "open")}, store.Upsert, col); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Replace(ctx, pt(20, "closed"), 0); err != nil {
		t.Fatal(err)
	}
	query := func(s *Store) []string {
		p, err := s.Query(ctx, store.Query{Collection: "places", AsOf: now.Add(-time.Minute), Filter: geo.Filter{BBox: &geo.BBox{West: 9, South: 49, East: 11, North: 51}}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range p.Features {
			out = append(out, f.ID()+":"+f.String("status"))
		}
		return out
	}
	want := query(s)
	if !slices.Equal(want, []string{"p:open"}) {
		t.Fatalf("as of before the replace, where it was: %v", want)
	}
	s.Close()
	if n := dropSpans(t, path); n != 1 {
		t.Fatalf("%d records with a span, want the one superseded version", n)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := query(s); !slices.Equal(got, want) {
		t.Errorf("after the index was rebuilt: %v, want %v", got, want)
	}
}
