package tilecache_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/sitmap/sitmap/internal/tilecache"
)

// blob is a value of n bytes.
type blob []byte

func (b blob) Size() int64 { return int64(len(b)) }

func tile(n int) blob { return make(blob, n) }

func TestCache_EvictsLeastRecentlyUsed(t *testing.T) {
	c := tilecache.New[blob](3 * (1000 + 200))
	c.Put("a", tile(1000))
	c.Put("b", tile(1000))
	c.Put("c", tile(1000))
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("a missing before any eviction")
	}
	c.Put("d", tile(1000))
	if _, ok := c.Get("b"); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted, want kept", k)
		}
	}
	if s := c.Stats(); s.Bytes > s.Max || s.Entries != 3 {
		t.Errorf("stats %+v: over the bound or wrong count", s)
	}
}

func TestCache_Bounds(t *testing.T) {
	c := tilecache.New[blob](10_000)
	c.Put("huge", tile(20_000))
	if _, ok := c.Get("huge"); ok {
		t.Error("a tile larger than the cache was kept")
	}
	for i := 0; i < 100; i++ {
		c.Put(fmt.Sprint(i), tile(900))
		if s := c.Stats(); s.Bytes > s.Max {
			t.Fatalf("after %d puts: %d bytes used, bound %d", i+1, s.Bytes, s.Max)
		}
	}
	c.Put("99", tile(10)) // replacing shrinks the use
	if s := c.Stats(); s.Bytes > s.Max {
		t.Errorf("replace: %d bytes over %d", s.Bytes, s.Max)
	}
	off := tilecache.New[blob](0)
	off.Put("a", tile(1))
	if _, ok := off.Get("a"); ok {
		t.Error("a disabled cache kept a tile")
	}
}

func TestCache_Concurrent(t *testing.T) {
	c := tilecache.New[blob](50_000)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				k := fmt.Sprint((g*7 + i) % 200)
				if _, ok := c.Get(k); !ok {
					c.Put(k, tile(500))
				}
			}
		}(g)
	}
	wg.Wait()
	if s := c.Stats(); s.Bytes > s.Max || s.Hits+s.Misses != 8000 {
		t.Errorf("stats %+v", s)
	}
}

// TestCache_PeekCountsNothing: a second look after a counted miss leaves
// the hit ratio as the requests saw it, and still marks the value used.
func TestCache_PeekCountsNothing(t *testing.T) {
	c := tilecache.New[blob](2 * (1000 + 200))
	if _, ok := c.Peek("a"); ok {
		t.Fatal("Peek found a key never put")
	}
	c.Put("a", tile(1000))
	c.Put("b", tile(1000))
	if _, ok := c.Peek("a"); !ok { // a is now the most recent
		t.Fatal("Peek missed a key just put")
	}
	c.Put("c", tile(1000))
	if _, ok := c.Peek("b"); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	if s := c.Stats(); s.Hits != 0 || s.Misses != 0 {
		t.Errorf("stats %+v after Peeks only, want no hits or misses", s)
	}
}
