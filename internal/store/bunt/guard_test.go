package bunt_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

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
