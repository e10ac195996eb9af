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
	h.clock.Advance(time.Second)
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
	got := receive(t, ch, len(want))
	// The two changes of the first Put may come in either order.
	if got[0].Collection == other {
		got[0], got[1] = got[1], got[0]
	}
	checkChanges(t, got, want, h.clock)

	// A failed write reports nothing; cancelling ends the stream.
	_, _ = s.Put(ctx, []*geo.Feature{feature(places, "z", orb.Point{1, 1}), feature("no-such-collection", "z", orb.Point{1, 1})}, store.Upsert)
	cancel()
	timeout := time.After(10 * time.Second)
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

// receive reads n changes from ch, or fails after 10 s.
func receive(t *testing.T, ch <-chan store.Change, n int) []store.Change {
	t.Helper()
	var got []store.Change
	timeout := time.After(10 * time.Second)
	for len(got) < n {
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
	return got
}

// checkChanges compares changes with what was written: type, feature and
// version, the time of the write (the clock's, moved on by a second after
// the first write), and a Seq that grows from write to write.
func checkChanges(t *testing.T, got, want []store.Change, clock *Clock) {
	t.Helper()
	first := clock.Now().Add(-time.Second)
	for i, c := range got {
		w := want[i]
		if c.Type != w.Type || c.Collection != w.Collection || c.ID != w.ID || (w.Version != 0 && c.Version != w.Version) {
			t.Errorf("change %d: %+v, want %+v", i, c, w)
		}
		if at := map[bool]time.Time{true: first, false: clock.Now()}[i < 2]; !c.Time.Equal(at) {
			t.Errorf("change %d at %v, want the time of its write %v", i, c.Time, at)
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
}

func testPing(t *testing.T, h harness) {
	s := h.open(t)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
