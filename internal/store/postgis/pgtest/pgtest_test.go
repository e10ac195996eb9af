package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDSNGivesFreshPostGISDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.DSN(t), pgtest.DSN(t)
	if a == b {
		t.Fatalf("two calls gave the same database %s", a)
	}
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT postgis_lib_version()").Scan(&v); err != nil {
		t.Fatalf("postgis: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("fresh database has %d tables (%v)", n, err)
	}
}

func TestStopStart(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	pgtest.Stop(t)
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a stopped cluster")
	}
	pgtest.Start(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("after Start: %v", err)
	}
	conn.Close(ctx)
}
