package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
)

// TestHistoryPruneCLI: prune drops the versions before the date, keeps
// every feature's latest, says how many; bad input changes nothing.
func TestHistoryPruneCLI(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sitmap.db")
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	st, err := bunt.Open(db, bunt.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.LoadSeed(ctx, st, assets.FS); err != nil {
		t.Fatal(err)
	}
	f, err := st.Get(ctx, "airfields", "airfield-machulishchy")
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2025, 9, 20, 0, 0, 0, 0, time.UTC)
	moved, err := f.WithGeometry(orb.Point{28, 53.8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Replace(ctx, moved, 0); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, bad := range [][]string{
		{"history", "prune", "--db", db},
		{"history", "prune", "--db", db, "--before", "someday"},
		{"history", "drop", "--db", db},
	} {
		if code, _, errOut := runCLI(t, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a message and a failure", bad, code, errOut)
		}
	}
	code, out, errOut := runCLI(t, "history", "prune", "--db", db, "--before", "2025-09-15")
	if code != 0 || !strings.HasPrefix(out, "pruned 1 versions") {
		t.Fatalf("prune: %d, %q, %q; want the one superseded version pruned", code, out, errOut)
	}
	st, err = bunt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	vs, err := st.Versions(ctx, "airfields", "airfield-machulishchy")
	if err != nil || len(vs) != 1 || vs[0].Change != store.Replaced {
		t.Errorf("after pruning: %+v, %v; want the replace only", vs, err)
	}
	if _, err := st.Versions(ctx, "airfields", "airfield-baranovichi"); err != nil {
		t.Errorf("a feature's only version was pruned: %v", err)
	}
}
