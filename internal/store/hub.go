package store

import (
	"context"
	"sync"
)

// Hub fans committed changes out to subscribers without ever blocking a
// writer: a subscriber whose buffer is full misses the change. Backends
// embed one to implement Subscribe.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan Change]struct{}
	closed bool
}

// Subscribe returns a channel of changes published from now on; it is
// closed when ctx ends or the hub closes.
func (h *Hub) Subscribe(ctx context.Context) <-chan Change {
	ch := make(chan Change, 256)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch
	}
	if h.subs == nil {
		h.subs = map[chan Change]struct{}{}
	}
	h.subs[ch] = struct{}{}
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
		h.mu.Unlock()
	}()
	return ch
}

// Publish hands changes to every subscriber that has room for them.
func (h *Hub) Publish(changes []Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, c := range changes {
			select {
			case ch <- c:
			default:
			}
		}
	}
}

// Close ends every subscription, now and to come.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}
