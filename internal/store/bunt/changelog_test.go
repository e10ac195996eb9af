package bunt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// TestOlderSeqKeysDropped opens a file with the hs: keys that older
// versions kept for the changes feed: open deletes them, and the feed,
// read from the history keys, lists every write as before.
func TestOlderSeqKeysDropped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sitmap.db")
	s := openFile(t, path)
	if _, err := workload.Load(ctx, s, workload.Generate(0.001)); err != nil {
		t.Fatal(err)
	}
	want, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil || len(want) == 0 {
		t.Fatalf("%d changes, %v", len(want), err)
	}
	s.Close()

	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *buntdb.Tx) error {
		for _, c := range want {
			v := fmt.Sprintf("%s %s:%s:%019d", c.Time.UTC().Format(store.TimeKey), c.Collection, c.ID, c.Version)
			if _, _, err := tx.Set(fmt.Sprintf("hs:%019d", c.Seq), v, nil); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = openFile(t, path)
	if n := bunt.CountKeys(t, path, "hs:*"); n != 0 {
		t.Errorf("%d hs: keys left after open", n)
	}
	got, err := s.Changes(ctx, store.ChangesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d changes after open, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || got[i].ID != want[i].ID || got[i].Version != want[i].Version {
			t.Errorf("change %d: %d %s v%d, want %d %s v%d", i, got[i].Seq, got[i].ID, got[i].Version, want[i].Seq, want[i].ID, want[i].Version)
		}
	}
}
