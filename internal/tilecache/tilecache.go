package tilecache

import (
	"container/list"
	"sync"
)

// Tile is one cached tile: the encoded bytes, optionally their gzip form,
// and the strong ETags of each. Callers must not change it.
type Tile struct {
	Data     []byte
	Gzip     []byte
	ETag     string
	GzipETag string
	// Extra is the caller's, kept with the tile (prepared response
	// headers, say); it is not counted against the bound.
	Extra any
}

// size is what an entry costs against the bound: its bytes plus the key
// and a fixed overhead for the list element and map slot.
func (t *Tile) size(key string) int64 {
	return int64(len(t.Data)+len(t.Gzip)+len(t.ETag)+len(t.GzipETag)+len(key)) + 128
}

type entry struct {
	key  string
	tile *Tile
}

// Cache is an LRU bounded in bytes, safe for concurrent use. The zero value
// is not usable; call New.
type Cache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	ll    *list.List // front = most recently used
	items map[string]*list.Element

	hits, misses int64
}

// New makes a cache holding at most maxBytes; maxBytes ≤ 0 disables it
// (every Get misses, Put keeps nothing).
func New(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns the tile under key and marks it recently used.
func (c *Cache) Get(key string) (*Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	c.ll.MoveToFront(el)
	return el.Value.(*entry).tile, true
}

// Put stores a tile, evicting the least recently used until it fits. A
// tile larger than the whole cache is not kept.
func (c *Cache) Put(key string, t *Tile) {
	sz := t.size(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if sz > c.max {
		return
	}
	if el, ok := c.items[key]; ok {
		c.used -= el.Value.(*entry).tile.size(key)
		el.Value.(*entry).tile = t
		c.used += sz
		c.ll.MoveToFront(el)
	} else {
		c.items[key] = c.ll.PushFront(&entry{key: key, tile: t})
		c.used += sz
	}
	for c.used > c.max {
		el := c.ll.Back()
		e := el.Value.(*entry)
		c.ll.Remove(el)
		delete(c.items, e.key)
		c.used -= e.tile.size(e.key)
	}
}

// Stats reports the entries, the bytes they cost, and hits and misses so far.
type Stats struct {
	Entries      int
	Bytes, Max   int64
	Hits, Misses int64
}

// Stats returns the current figures.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: len(c.items), Bytes: c.used, Max: c.max, Hits: c.hits, Misses: c.misses}
}
