package bunt

import (
	"context"
	"sync"

	"github.com/sitmap/sitmap/internal/store"
)

// hub fans committed changes out to subscribers without ever blocking a
// writer: a subscriber whose buffer is full misses the change.
type hub struct {
	mu   sync.Mutex
	subs map[chan store.Change]struct{}
}

func (h *hub) subscribe(ctx context.Context) <-chan store.Change {
	ch := make(chan store.Change, 256)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan store.Change]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
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

func (h *hub) publish(changes []store.Change) {
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

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}
