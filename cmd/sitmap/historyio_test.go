package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

// writeLife gives a seeded store a history: the seed on 1 Sep, a move
// by ana (replace) on 15 Sep, a patch by ben on 16 Sep, a deletion by ana
// on 17 Sep.
func writeLife(t *testing.T, st store.Store, clock *time.Time) {
	t.Helper()
	ctx := context.Background()
	*clock = time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
	if err := dataset.LoadSeed(ctx, st, assets.FS); err != nil {
		t.Fatal(err)
	}
	f, err := st.Get(ctx, "airfields", "airfield-machulishchy")
	if err != nil {
		t.Fatal(err)
	}
	*clock = time.Date(2025, 9, 15, 10, 0, 0, 0, time.UTC)
	moved, _ := f.WithGeometry(orb.Point{28, 53.8})
	if _, err := st.Replace(store.WithEditor(ctx, "ana"), moved, 0); err != nil {
		t.Fatal(err)
	}
	*clock = time.Date(2025, 9, 16, 10, 0, 0, 0, time.UTC)
	if _, err := st.Patch(store.WithEditor(ctx, "ben"), moved.WithString("status", "inactive"), 0); err != nil {
		t.Fatal(err)
	}
	*clock = time.Date(2025, 9, 17, 10, 0, 0, 0, time.UTC)
	if err := st.Delete(store.WithEditor(ctx, "ana"), "border-crossings", "crossing-terespol-brest-rail", 0); err != nil {
		t.Fatal(err)
	}
}

// history is every feature's versions, as /versions lists them, one
// line each, and the store's current features (its plain export).
func history(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := dataset.WalkHistory(ctx, st, "", func(v store.Version) error {
		vs, err := st.Versions(ctx, v.Collection, v.ID)
		if err != nil || vs[len(vs)-1].Seq != v.Seq { // each feature once, at its first version
			return err
		}
		for _, v := range vs {
			f := v.StoredAt()
			b.WriteString(v.Collection + "/" + v.ID + " " + string(v.Change) + " by " + v.Editor + " at " + v.Time.Format(time.RFC3339Nano) + ": ")
			if f != nil {
				b.WriteString(f.JSON())
			}
			b.WriteString("\n")
		}
		return nil
	}, func(*geo.Feature) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Export(ctx, st, &b, "", nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// backend is one store for the history tests: flags for the CLI, and a
// way to open it in the test with a clock.
type backend struct {
	name  string
	flags []string
	open  func(t *testing.T, clock *time.Time) store.Store
}

func newBackend(t *testing.T, name string) backend {
	t.Helper()
	if name == "postgis" {
		dsn := pgtest.DSN(t)
		return backend{name, []string{"--store", dsn}, func(t *testing.T, clock *time.Time) store.Store {
			st, err := postgis.Open(context.Background(), dsn, postgis.WithClock(func() time.Time { return *clock }))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}}
	}
	db := filepath.Join(t.TempDir(), "sitmap.db")
	return backend{name, []string{"--db", db}, func(t *testing.T, clock *time.Time) store.Store {
		st, err := bunt.Open(db, bunt.WithClock(func() time.Time { return *clock }))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

// historyOf opens b, reads its history and closes it again (the CLI
// needs the embedded store's file).
func historyOf(t *testing.T, b backend) string {
	t.Helper()
	var clock time.Time
	st := b.open(t, &clock)
	defer st.Close()
	return history(t, st)
}

// TestExportImportHistory: export --history of either backend, imported
// into an empty store of either, gives the same versions (as /versions
// lists them) and the same features; an import into a store that is not
// empty is refused and changes nothing.
func TestExportImportHistory(t *testing.T) {
	for _, tc := range [][2]string{{"bunt", "bunt"}, {"bunt", "postgis"}, {"postgis", "bunt"}, {"postgis", "postgis"}} {
		t.Run(tc[0]+"-to-"+tc[1], func(t *testing.T) {
			src, dst := newBackend(t, tc[0]), newBackend(t, tc[1])
			var clock time.Time
			st := src.open(t, &clock)
			writeLife(t, st, &clock)
			want := history(t, st)
			st.Close()
			file := filepath.Join(t.TempDir(), "history.geojson")
			if code, _, errOut := runCLI(t, append([]string{"export", "--history", "--out", file}, src.flags...)...); code != 0 {
				t.Fatalf("export --history: %d %s", code, errOut)
			}
			raw, _ := os.ReadFile(file)
			for _, s := range []string{`"sitmap:history":{"collection":"airfields"`, `"change":"patched"`, `"editor":"ben"`, `"change":"deleted"`} {
				if !strings.Contains(string(raw), s) {
					t.Errorf("the export lacks %s", s)
				}
			}
			if code, out, errOut := runCLI(t, append([]string{"import"}, append(dst.flags, file)...)...); code != 0 || !strings.Contains(out, "airfields\t") {
				t.Fatalf("import of the history: %d %q %s", code, out, errOut)
			}
			if got := historyOf(t, dst); got != want {
				t.Errorf("after the import:\n%s\nwant:\n%s", got, want)
			}
			if code, _, errOut := runCLI(t, "import", "--url", "http://127.0.0.1:1", "--token", "x", file); code == 0 || !strings.Contains(errOut, "not through a running server") {
				t.Errorf("import --url of a history: %d %q, want a refusal", code, errOut)
			}
			code, _, errOut := runCLI(t, append([]string{"import"}, append(dst.flags, file)...)...)
			if code == 0 || !strings.Contains(errOut, "not empty") {
				t.Errorf("an import into a store with features: %d %q, want a refusal", code, errOut)
			}
			if got := historyOf(t, dst); got != want {
				t.Error("a refused import changed the store")
			}
		})
	}
}

// TestMigrateHistory: migrate carries every version into PostGIS and
// back into an embedded store; a target that is not empty is refused.
func TestMigrateHistory(t *testing.T) {
	from, pg, back := newBackend(t, "bunt"), newBackend(t, "postgis"), newBackend(t, "bunt")
	var clock time.Time
	st := from.open(t, &clock)
	writeLife(t, st, &clock)
	want := history(t, st)
	st.Close()
	steps := []struct {
		from, to backend
	}{{from, pg}, {pg, back}}
	for _, s := range steps {
		code, out, errOut := runCLI(t, "migrate", "--from", s.from.flags[1], "--to", s.to.flags[1])
		if code != 0 || !strings.HasPrefix(out, "copied ") {
			t.Fatalf("migrate %s to %s: %d %q %q", s.from.name, s.to.name, code, out, errOut)
		}
		if got := historyOf(t, s.to); got != want {
			t.Errorf("after migrating into %s:\n%s\nwant:\n%s", s.to.name, got, want)
		}
	}
	if code, _, errOut := runCLI(t, "migrate", "--from", from.flags[1], "--to", pg.flags[1]); code == 0 || !strings.Contains(errOut, "not empty") {
		t.Errorf("migrate into a store with features: %d %q, want a refusal", code, errOut)
	}
}
