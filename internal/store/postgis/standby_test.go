package postgis_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/store/storetest"
)

// onStandby opens a database on the primary and returns its DSN and the
// same database's on the streaming standby, once the standby has it.
func onStandby(t *testing.T) (primary, standby string) {
	t.Helper()
	toStandby := pgtest.Standby(t)
	primary = pgtest.DSN(t)
	standby = toStandby(primary)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, standby)
		if err == nil {
			conn.Close(ctx)
			return primary, standby
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby never got the database: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The whole store contract holds for a Store that reads from a standby:
// every read in it follows a write it must see.
func TestStandbyContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now store.Clock) store.Store {
		primary, standby := onStandby(t)
		return open(t, primary, postgis.WithClock(now), postgis.WithReadStores(standby), postgis.WithReadWait(5*time.Second))
	})
}

// A client that writes through one replica and reads through another,
// which reads from the standby, sees its write every time, and the reads
// are the standby's.
func TestStandbyReadYourWrites(t *testing.T) {
	primary, standby := onStandby(t)
	writer := open(t, primary)
	reader := open(t, primary, postgis.WithReadStores(standby), postgis.WithReadWait(5*time.Second))
	if err := writer.PutCollection(ctx, geo.Collection{ID: "c", Title: "C"}); err != nil {
		t.Fatal(err)
	}
	changes := reader.Subscribe(ctx)
	const n = 40
	for i := range n {
		f := feature("c", fmt.Sprintf("f%02d", i), orb.Point{float64(i) / 10, 1}, "name", fmt.Sprintf("%q", fmt.Sprint("v", i)))
		stored, err := writer.Put(ctx, []*geo.Feature{f}, store.Upsert)
		if err != nil {
			t.Fatal(err)
		}
		f = stored[0]
		got, err := reader.Get(ctx, "c", f.ID())
		if err != nil {
			t.Fatalf("write %d: read through the standby replica: %v", i, err)
		}
		if got.Version() != f.Version() || got.String("name") != fmt.Sprint("v", i) {
			t.Fatalf("write %d: read version %d name %q, want %d %q", i, got.Version(), got.String("name"), f.Version(), fmt.Sprint("v", i))
		}
		v, err := reader.Version(ctx, "c")
		if err != nil || v != f.Version() {
			t.Fatalf("write %d: collection version %d (%v), want %d: an ETag would go back", i, v, err, f.Version())
		}
		p, err := reader.Query(ctx, store.Query{Collection: "c", Limit: 100})
		if err != nil || p.Matched != i+1 {
			t.Fatalf("write %d: matched %d (%v), want %d", i, p.Matched, err, i+1)
		}
	}
	onStandby, onPrimary := reader.ReadStats()
	if onStandby != 3*n || onPrimary != 0 {
		t.Errorf("reads: %d on the standby, %d on the primary; want all %d on the standby", onStandby, onPrimary, 3*n)
	}
	// Writes through the standby replica go to the primary, and its
	// subscribers hear of the other replica's writes (LISTEN on the primary).
	if _, err := reader.Put(ctx, []*geo.Feature{feature("c", "mine", orb.Point{2, 2})}, store.Upsert); err != nil {
		t.Fatalf("write through the standby replica: %v", err)
	}
	if _, err := writer.Get(ctx, "c", "mine"); err != nil {
		t.Fatalf("the primary replica does not see it: %v", err)
	}
	seen := 0
	timeout := time.After(10 * time.Second)
	for seen < n+1 {
		select {
		case <-changes:
			seen++
		case <-timeout:
			t.Fatalf("the standby replica heard of %d changes, want %d", seen, n+1)
		}
	}
}

// A read store that is not a standby is refused: writes there would not
// reach the primary's readers.
func TestReadStoreMustBeStandby(t *testing.T) {
	dsn := pgtest.DSN(t)
	_, err := postgis.Open(ctx, dsn, postgis.WithReadStores(pgtest.DSN(t)))
	if err == nil || !strings.Contains(err.Error(), "not a hot standby") {
		t.Fatalf("Open with a primary as read store: %v, want an error naming it", err)
	}
}

// When the standby cannot answer, reads go to the primary.
func TestStandbyUnreachableFallsBack(t *testing.T) {
	primary, standby := onStandby(t)
	s := open(t, primary, postgis.WithReadStores(standby), postgis.WithReadWait(50*time.Millisecond))
	if err := s.PutCollection(ctx, geo.Collection{ID: "c", Title: "C"}); err != nil {
		t.Fatal(err)
	}
	// Cut the store's connections to the standby: the reads that find
	// theirs closed retry on the primary rather than fail.
	conn := connect(t, standby)
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sitmap' AND pid <> pg_backend_pid()"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Collection(ctx, "c"); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("read %d after the standby dropped its connections: %v", i, err)
		}
	}
}

// BenchmarkStandbyRead: reads through a standby with 16 in flight and no
// writes: how many go to the standby, and the read rate.
func BenchmarkStandbyRead(b *testing.B) {
	toStandby := pgtest.Standby(b)
	dsn := pgtest.DSN(b)
	s := open(b, dsn)
	if err := s.PutCollection(ctx, geo.Collection{ID: "c", Title: "C"}); err != nil {
		b.Fatal(err)
	}
	var r *postgis.Store
	for deadline := time.Now().Add(30 * time.Second); ; {
		var err error
		if r, err = postgis.Open(ctx, dsn, postgis.WithReadStores(toStandby(dsn))); err == nil {
			b.Cleanup(func() { r.Close() })
			break
		}
		if time.Now().After(deadline) {
			b.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Collection(ctx, "c"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	st, pr := r.ReadStats()
	b.ReportMetric(float64(st), "on-standby")
	b.ReportMetric(float64(pr), "on-primary")
}
