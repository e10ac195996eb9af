package bunt

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// byID orders entries exactly as their ids, whether the ids differ in
// their first 12 bytes or only after them.
func TestByIDIsIDOrder(t *testing.T) {
	ids := []string{"b", "a", "ab", "a0", "abcdefgh1", "abcdefgh0", "abcdefgh", "abcdefg", "abcdefghijkl1", "abcdefghijkl0", "abcdefghijkl", "abcdefghijk", "abcdefghijk\x00", "pt-000010", "pt-000001", "pt-00000", "z", "0"}
	c := newCollection(geo.NewCollection("c"), 0)
	for _, id := range ids {
		f, err := geo.NewFeature(id, orb.Point{1, 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.add(f)
	}
	var es []entry
	c.tree.Scan(func(_, _ [2]float32, e entry) bool {
		es = append(es, e)
		return true
	})
	slices.SortFunc(es, c.byID)
	want := slices.Clone(ids)
	slices.Sort(want)
	for i, e := range es {
		if c.slots[e.slot].ID() != want[i] {
			t.Fatalf("entries in the order %v, want %v", idsOf(c, es), want)
		}
	}
	for k := 1; k <= len(es); k++ {
		got := c.smallest(slices.Clone(es), k)
		if !slices.Equal(idsOf(c, got), want[:k]) {
			t.Errorf("smallest %d: %v, want %v", k, idsOf(c, got), want[:k])
		}
	}
}

// TestSlotsAreReused: a feature dropped frees its slot for the next, and
// the R-tree names each feature by the slot it holds.
func TestSlotsAreReused(t *testing.T) {
	c := newCollection(geo.NewCollection("c"), 0)
	pt := func(id string, x float64) *geo.Feature {
		f, err := geo.NewFeature(id, orb.Point{x, 50}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	c.add(pt("a", 20))
	c.add(pt("b", 21))
	c.add(pt("a", 22)) // replaces a: its slot is freed and taken again
	c.drop("b")
	c.add(pt("c", 23))
	if len(c.slots) != 2 || c.ids.n != 2 || c.get("b") != nil {
		t.Fatalf("%d slots, %d ids", len(c.slots), c.ids.n)
	}
	var es []entry
	c.tree.Scan(func(min, _ [2]float32, e entry) bool {
		if f := c.slots[e.slot]; f == nil || float64(min[0]) > f.Bound().Min[0] {
			t.Errorf("entry %+v names slot %v", e, f)
		}
		es = append(es, e)
		return true
	})
	if got := idsOf(c, es); len(got) != 2 || c.get("a").Bound().Min[0] != 22 || c.get("c") == nil {
		t.Errorf("tree holds %v", got)
	}
}

func idsOf(c *collection, es []entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = c.slots[e.slot].ID()
	}
	return out
}

// The slot index agrees with a map through adds, replacements and drops
// that grow it and shift its runs of cells (many ids share a home cell in
// a table of 16 to 2048 cells).
func TestSlotIndexAgreesWithMap(t *testing.T) {
	c := newCollection(geo.NewCollection("c"), 1)
	want := map[string]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 20_000 {
		id := fmt.Sprintf("f-%d", r.IntN(1500))
		if r.IntN(3) == 0 {
			c.drop(id)
			delete(want, id)
		} else {
			f, err := geo.NewFeature(id, orb.Point{float64(step % 90), 50}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.add(f)
			want[id] = true
		}
		if step%1000 != 999 {
			continue
		}
		if c.ids.n != len(want) {
			t.Fatalf("step %d: %d ids, want %d", step, c.ids.n, len(want))
		}
		for i := range 1500 {
			id := fmt.Sprintf("f-%d", i)
			if f := c.get(id); (f != nil) != want[id] || f != nil && f.ID() != id {
				t.Fatalf("step %d: get(%s) = %v, want present %v", step, id, f, want[id])
			}
		}
	}
}
