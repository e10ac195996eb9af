package bunt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// A crash in the middle of a large write leaves part of it in the file;
// Open cuts that part off, so the store holds what it acknowledged and
// nothing of the write it did not.
func TestOpenCutsAnUnfinishedLargeWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fs := workload.Generate(0.002)

	// A file with a complete fenced write, to take the bytes of one from.
	donor := filepath.Join(dir, "donor.db")
	s, err := bunt.Open(donor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Load(ctx, s, fs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := os.ReadFile(donor)
	if err != nil {
		t.Fatal(err)
	}
	set := []byte("*3\r\n$3\r\nset\r\n$14\r\nsitmap:pending\r\n$1\r\n1\r\n")
	del := []byte("*2\r\n$3\r\ndel\r\n$14\r\nsitmap:pending\r\n")
	i, j := bytes.LastIndex(raw, set), bytes.LastIndex(raw, del)
	if i < 0 || j < i {
		t.Fatalf("a Put of %d features was not fenced (set at %d, del at %d)", len(fs), i, j)
	}

	// The store as acknowledged: the collections, and one small write.
	path := filepath.Join(dir, "crashed.db")
	s, err = bunt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Load(ctx, s, fs[:1]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)

	// Then a crash half way through a large write: the marker and half of
	// the write's bytes reached the file.
	body := raw[i+len(set) : j]
	crashed := append(append(append([]byte{}, before...), set...), body[:len(body)/2]...)
	if err := os.WriteFile(path, crashed, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = bunt.Open(path)
	if err != nil {
		t.Fatalf("open after the crash: %v", err)
	}
	defer s.Close()
	if !s.Repaired {
		t.Error("Open did not say it cut off the unfinished write")
	}
	n := 0
	for _, c := range workload.Collections() {
		p, err := s.Query(ctx, store.Query{Collection: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		n += p.Matched
	}
	if n != 1 {
		t.Errorf("%d features after the crash, want the 1 acknowledged", n)
	}
	// And the repaired store takes writes and keeps them.
	if _, err := workload.Load(ctx, s, fs); err != nil {
		t.Fatal(err)
	}
}

// A large write is committed in chunks: one that fails after a chunk was
// committed leaves nothing of itself, in memory or in the file, and the
// store takes the next write; one that succeeds, even for a client that
// went away, is whole after a reopen.
func TestLargeWriteInChunks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sitmap.db")
	s := openFile(t, path)
	if _, err := s.Put(ctx, []*geo.Feature{point(t, "keep", "k", 1, 1)}, store.CreateOnly, geo.NewCollection("keep")); err != nil {
		t.Fatal(err)
	}
	big := make([]*geo.Feature, 20000) // two chunks and more
	for i := range big {
		big[i] = point(t, "big", fmt.Sprintf("b%d", i), 20+float64(i%100)/100, 50+float64(i/100)/100)
	}
	errDisk := errors.New("disk full")
	calls := 0
	bunt.FailChunks(s, func() error {
		if calls++; calls > 1 {
			return errDisk
		}
		return nil
	})
	_, err := s.Put(ctx, big, store.CreateOnly, geo.NewCollection("big"))
	if !errors.Is(err, errDisk) || calls < 2 {
		t.Fatalf("Put failing after a chunk: %v (%d chunks), want %v", err, calls, errDisk)
	}
	bunt.FailChunks(s, nil)
	check := func(s store.Store, want []string, features int) {
		t.Helper()
		cols, err := s.Collections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cols {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("collections %v, want %v", ids, want)
		}
		changes, err := s.Changes(ctx, store.ChangesQuery{})
		if err != nil || len(changes) != features {
			t.Errorf("%d changes (%v), want %d", len(changes), err, features)
		}
	}
	check(s, []string{"keep"}, 1)
	s.Close()
	s = openFile(t, path)
	check(s, []string{"keep"}, 1)

	// A client that went away does not stop it: its context is done
	// before the write starts.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(gone, big, store.CreateOnly, geo.NewCollection("big")); err != nil {
		t.Fatal(err)
	}
	check(s, []string{"big", "keep"}, 1+len(big))
	s.Close()
	s = openFile(t, path)
	check(s, []string{"big", "keep"}, 1+len(big))
	if f, err := s.Get(ctx, "big", "b19999"); err != nil || f.ID() != "b19999" {
		t.Errorf("the last feature after a reopen: %v, %v", f, err)
	}

	// Replacing them all keeps every superseded version, across chunks.
	if _, err := s.Put(ctx, big, store.Upsert); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openFile(t, path)
	check(s, []string{"big", "keep"}, 1+2*len(big))
	for _, id := range []string{"b0", "b12345", "b19999"} {
		vs, err := s.Versions(ctx, "big", id)
		if err != nil || len(vs) != 2 || vs[0].Change != store.Replaced || vs[1].Change != store.Created || vs[1].Feature == nil {
			t.Errorf("versions of %s after a reopen: %+v, %v", id, vs, err)
		}
	}
}

func point(t *testing.T, cid, id string, x, y float64) *geo.Feature {
	t.Helper()
	f, err := geo.NewFeature(id, orb.Point{x, y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.WithCollection(cid)
}
