package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMigrateToPostGIS copies a seeded embedded store into PostGIS and
// checks that both export the same features.
func TestMigrateToPostGIS(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seed.db")
	st, err := bunt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.LoadSeed(context.Background(), st, assets.FS); err != nil {
		t.Fatal(err)
	}
	st.Close()
	dsn := pgtest.DSN(t)

	code, out, errOut := runCLI(t, "migrate", "--from", db, "--to", dsn)
	if code != 0 || !strings.HasPrefix(out, "copied ") {
		t.Fatalf("migrate = %d, %q, %q", code, out, errOut)
	}
	_, fromBunt, _ := runCLI(t, "export", "--db", db)
	_, fromPG, errOut := runCLI(t, "export", "--store", dsn)
	if fromPG == "" || fromPG != fromBunt {
		t.Fatalf("PostGIS export differs from the embedded store's (stderr %q)", errOut)
	}
	if code, _, errOut := runCLI(t, "migrate", "--from", db); code == 0 || !strings.Contains(errOut, "--to") {
		t.Errorf("migrate without --to = %d, %q", code, errOut)
	}
}
