package storetest

// The contract's the change feed and Ping.

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

func testSubscribe(t *testing.T, h harness) {
	s := setup(t, h.open)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := s.Subscribe(sctx)

	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}), feature(other, "o", orb.Point{1, 1}))
	vCreated := mustGet(t, s, places, "a").Version()
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{2, 2}), 0); err != nil {
		t.Fatal(err)
	}
	vReplaced := mustGet(t, s, places, "a").Version()
	if err := s.Delete(ctx, places, "a", 0); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Upsert, feature(other, "o", orb.Point{2, 2}))

	want := []store.Change{
		{Type: store.Created, Collection: places, ID: "a", Version: vCreated},
		{Type: store.Created, Collection: other, ID: "o"},
		{Type: store.Replaced, Collection: places, ID: "a", Version: vReplaced},
		{Type: store.Deleted, Collection: places, ID: "a"},
		{Type: store.Replaced, Collection: other, ID: "o"},
	}
	var got []store.Change
	timeout := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case c, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d changes: %+v", len(got), got)
			}
			got = append(got, c)
		case <-timeout:
			t.Fatalf("timed out after %d changes: %+v", len(got), got)
		}
	}
	// The two changes of the first Put may come in either order.
	if got[0].Collection == other {
		got[0], got[1] = got[1], got[0]
	}
	for i, c := range got {
		w := want[i]
		if c.Type != w.Type || c.Collection != w.Collection || c.ID != w.ID || (w.Version != 0 && c.Version != w.Version) {
			t.Errorf("change %d: %+v, want %+v", i, c, w)
		}
		if c.Time.IsZero() {
			t.Errorf("change %d has no time", i)
		}
	}
	seqs := make([]int64, len(got))
	for i, c := range got {
		seqs[i] = c.Seq
	}
	slices.Sort(seqs)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("Seq does not increase: %v", seqs)
		}
	}
	for i := 2; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("changes of later writes have a smaller Seq: %+v", got)
		}
	}

	// A failed write reports nothing; cancelling ends the stream.
	_, _ = s.Put(ctx, []*geo.Feature{feature(places, "z", orb.Point{1, 1}), feature("no-such-collection", "z", orb.Point{1, 1})}, store.Upsert)
	cancel()
	timeout = time.After(10 * time.Second)
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return
			}
			t.Errorf("change after a failed write or cancel: %+v", c)
		case <-timeout:
			t.Fatal("the channel is still open 10 s after its context ended")
		}
	}
}

func testPing(t *testing.T, h harness) {
	s := h.open(t)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
