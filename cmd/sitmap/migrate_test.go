package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
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

// TestSeedOnceAcrossReplicas: replicas starting together on an empty
// database load the seed exactly once.
func TestSeedOnceAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const replicas = 3
	results := make(chan bool, replicas)
	errs := make(chan error, replicas)
	start := make(chan struct{})
	for range replicas {
		st, err := postgis.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		go func() {
			<-start
			seeded, err := dataset.SeedOnce(ctx, st, assets.FS)
			results <- seeded
			errs <- err
		}()
	}
	close(start)
	n := 0
	for range replicas {
		if <-results {
			n++
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 {
		t.Errorf("%d replicas loaded the seed, want exactly 1", n)
	}
}
