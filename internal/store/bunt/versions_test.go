package bunt_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/workload"
)

// TestCollectionVersions: the cheap list of versions says what Collections
// says, in the same order, and follows writes and new collections.
func TestCollectionVersions(t *testing.T) {
	ctx := context.Background()
	s := openFile(t, ":memory:")
	fs, err := workload.Load(ctx, s, workload.Generate(0.002))
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) []store.CollectionVersion {
		t.Helper()
		cols, err := s.Collections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CollectionVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(cols) {
			t.Fatalf("%s: %d versions for %d collections", when, len(got), len(cols))
		}
		for i, c := range cols {
			if got[i] != (store.CollectionVersion{ID: c.ID, Version: c.Version}) {
				t.Errorf("%s: versions[%d] = %+v, Collections has %s@%d", when, i, got[i], c.ID, c.Version)
			}
		}
		return got
	}
	before := check("loaded")
	moved, err := fs[0].WithGeometry(orb.Point{20, 52})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Replace(ctx, moved, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCollection(ctx, geo.Collection{ID: "aaa-first", Title: "First"}); err != nil {
		t.Fatal(err)
	}
	after := check("after a replace and a new collection")
	if len(after) != len(before)+1 || after[0].ID != "aaa-first" {
		t.Errorf("versions %+v after a new collection, before %+v", after, before)
	}
	for _, v := range after {
		if v.ID == fs[0].Collection() {
			for _, b := range before {
				if b.ID == v.ID && b.Version == v.Version {
					t.Errorf("%s still at version %d after a replace", v.ID, v.Version)
				}
			}
		}
	}
}
