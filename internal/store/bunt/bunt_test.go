package bunt_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/storetest"
	"github.com/sitmap/sitmap/internal/workload"
)

// openFile opens a bunt store in a file of its own and closes it when the
// test ends.
func openFile(t *testing.T, path string, opts ...bunt.Option) *bunt.Store {
	t.Helper()
	s, err := bunt.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now store.Clock) store.Store {
		return openFile(t, filepath.Join(t.TempDir(), "sitmap.db"), bunt.WithClock(now))
	})
}

func TestContractReopen(t *testing.T) {
	path := func(t *testing.T) string { return filepath.Join(t.TempDir(), "sitmap.db") }
	paths := map[*testing.T]string{}
	storetest.RunReopen(t, func(t *testing.T, now store.Clock) store.Store {
		paths[t] = path(t)
		return openFile(t, paths[t], bunt.WithClock(now))
	}, func(t *testing.T, s store.Store) store.Store {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return openFile(t, paths[t])
	})
}

func TestContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now store.Clock) store.Store {
		return openFile(t, ":memory:", bunt.WithClock(now))
	})
}

// TestReopen checks that everything survives Close and Open: features,
// their versions, collection versions and extents, and the change sequence.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sitmap.db")
	s, err := bunt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := workload.Load(ctx, s, workload.Generate(0.005))
	if err != nil {
		t.Fatal(err)
	}
	// Some history: a replace and a delete.
	changed, err := fs[3].WithGeometry(orb.Point{20, 52})
	if err != nil {
		t.Fatal(err)
	}
	if changed, err = s.Replace(ctx, changed, fs[3].Version()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, fs[4].Collection(), fs[4].ID(), 0); err != nil {
		t.Fatal(err)
	}
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := s.Subscribe(sub)
	if _, err := s.Put(ctx, []*geo.Feature{fs[5]}, store.Upsert); err != nil {
		t.Fatal(err)
	}
	lastSeq := (<-ch).Seq

	type snap struct {
		cols  []geo.Collection
		feats map[string][]byte
		vers  map[string]int64
	}
	take := func(s *bunt.Store) snap {
		t.Helper()
		cols, err := s.Collections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sn := snap{cols: cols, feats: map[string][]byte{}, vers: map[string]int64{}}
		for _, c := range cols {
			p, err := s.Query(ctx, store.Query{Collection: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Features {
				raw, err := f.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				sn.feats[c.ID+"/"+f.ID()] = raw
				sn.vers[c.ID+"/"+f.ID()] = f.Version()
			}
		}
		return sn
	}
	before := take(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openFile(t, path)
	after := take(s)
	if len(after.cols) != len(before.cols) {
		t.Fatalf("%d collections after reopening, %d before", len(after.cols), len(before.cols))
	}
	for i, c := range before.cols {
		a := after.cols[i]
		if a.ID != c.ID || a.Title != c.Title || a.Count != c.Count || a.Version != c.Version ||
			a.Bound != c.Bound || !a.Time.Start.Equal(c.Time.Start) || !a.Time.End.Equal(c.Time.End) ||
			!slices.Equal(a.Statuses, c.Statuses) {
			t.Errorf("collection after reopening:\n%+v\nbefore:\n%+v", a, c)
		}
	}
	if len(after.feats) != len(before.feats) {
		t.Errorf("%d features after reopening, %d before", len(after.feats), len(before.feats))
	}
	for k, raw := range before.feats {
		if string(after.feats[k]) != string(raw) || after.vers[k] != before.vers[k] {
			t.Errorf("%s after reopening (version %d):\n%s\nbefore (version %d):\n%s", k, after.vers[k], after.feats[k], before.vers[k], raw)
		}
	}

	// The spatial index is back: a bbox query finds the replaced feature.
	p, err := s.Query(ctx, store.Query{Collection: changed.Collection(), Filter: geo.Filter{BBox: &geo.BBox{West: 19.99, South: 51.99, East: 20.01, North: 52.01}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(idsOf(p.Features), changed.ID()) {
		t.Errorf("bbox query after reopening misses %s: %v", changed.ID(), idsOf(p.Features))
	}

	// Versions and Seq carry on from where they were.
	v, err := s.Version(ctx, changed.Collection())
	if err != nil {
		t.Fatal(err)
	}
	ch = s.Subscribe(sub)
	if _, err := s.Replace(ctx, changed, before.vers[changed.Collection()+"/"+changed.ID()]); err != nil {
		t.Fatalf("Replace with the version from before reopening: %v", err)
	}
	if c := <-ch; c.Seq <= lastSeq {
		t.Errorf("Seq %d after reopening, was already %d", c.Seq, lastSeq)
	}
	if v2, _ := s.Version(ctx, changed.Collection()); v2 <= v {
		t.Errorf("collection version %d after a write, was %d", v2, v)
	}
	if _, err := s.Get(ctx, fs[4].Collection(), fs[4].ID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted feature is back after reopening: %v", err)
	}
}

func idsOf(fs []*geo.Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID()
	}
	return out
}

func TestMemoryKeepsNothing(t *testing.T) {
	ctx := context.Background()
	s, err := bunt.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openFile(t, ":memory:")
	if cs, err := s.Collections(ctx); err != nil || len(cs) != 0 {
		t.Errorf("a new :memory: store has %d collections (%v)", len(cs), err)
	}
}

func TestPutCollectionRejectsBadID(t *testing.T) {
	s := openFile(t, ":memory:")
	for _, id := range []string{"", "Upper", "has space", "a/b"} {
		if err := s.PutCollection(context.Background(), geo.Collection{ID: id}); !errors.Is(err, geo.ErrInvalid) {
			t.Errorf("PutCollection(%q): %v, want ErrInvalid", id, err)
		}
	}
}
