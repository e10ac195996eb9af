package tilecache

import (
	"container/list"
	"sync"
)

// Sized is a value that knows what it costs the cache in bytes.
type Sized interface{ Size() int64 }

// overhead is what an entry costs beyond its value and key: the list
// element and the map slot.
const overhead = 64

func cost[V Sized](key string, v V) int64 { return v.Size() + int64(len(key)) + overhead }

type entry[V Sized] struct {
	key   string
	value V
}

// Cache is an LRU bounded in bytes, safe for concurrent use. The zero value
// is not usable; call New.
type Cache[V Sized] struct {
	mu    sync.Mutex
	max   int64
	used  int64
	ll    *list.List // front = most recently used
	items map[string]*list.Element

	hits, misses int64
}

// New makes a cache holding at most maxBytes; maxBytes ≤ 0 disables it
// (every Get misses, Put keeps nothing).
func New[V Sized](maxBytes int64) *Cache[V] {
	return &Cache[V]{max: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns the value under key and marks it recently used.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	return c.found(el, ok)
}

// GetBytes is Get for a key held in bytes, which a lookup does not copy:
// a caller can make its key on the stack and pay for a string only when it
// puts a new value.
func (c *Cache[V]) GetBytes(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[string(key)]
	return c.found(el, ok)
}

// Peek is Get without counting the lookup: a second look for a key a
// counted Get has just missed.
func (c *Cache[V]) Peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*entry[V]).value, true
	}
	var zero V
	return zero, false
}

// found counts a lookup and marks a hit recently used; c.mu is held.
func (c *Cache[V]) found(el *list.Element, ok bool) (V, bool) {
	if !ok {
		c.misses++
		var zero V
		return zero, false
	}
	c.hits++
	c.ll.MoveToFront(el)
	return el.Value.(*entry[V]).value, true
}

func (c *Cache[V]) Put(key string, v V) {
	sz := cost(key, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if sz > c.max {
		return
	}
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[V])
		c.used -= cost(key, e.value)
		e.value = v
		c.used += sz
		c.ll.MoveToFront(el)
	} else {
		c.items[key] = c.ll.PushFront(&entry[V]{key: key, value: v})
		c.used += sz
	}
	for c.used > c.max {
		el := c.ll.Back()
		e := el.Value.(*entry[V])
		c.ll.Remove(el)
		delete(c.items, e.key)
		c.used -= cost(e.key, e.value)
	}
}

// Stats reports the entries, the bytes they cost, and hits and misses so far.
type Stats struct {
	Entries      int
	Bytes, Max   int64
	Hits, Misses int64
}

// Stats returns the current figures.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: len(c.items), Bytes: c.used, Max: c.max, Hits: c.hits, Misses: c.misses}
}
