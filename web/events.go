package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
)

// eventRing is how many recent changes /events can replay on resume.
const eventRing = 1000

// heartbeat keeps idle streams (and proxies in between) alive.
var heartbeat = 15 * time.Second

// feed keeps the recent changes from one Store.Subscribe and wakes the
// open /events streams when a change arrives.
type feed struct {
	mu   sync.Mutex
	ring []store.Change // the last len(ring) changes, oldest first
	size int
	wake chan struct{} // closed and replaced on every change
	done <-chan struct{}
}

func newFeed(ctx context.Context, st store.Store, size int) *feed {
	f := &feed{size: size, wake: make(chan struct{}), done: ctx.Done()}
	if st == nil {
		return f
	}
	ch := st.Subscribe(ctx)
	go func() {
		for c := range ch {
			f.add(c)
		}
	}()
	return f
}

func (f *feed) add(c store.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ring) == f.size {
		copy(f.ring, f.ring[1:])
		f.ring = f.ring[:f.size-1]
	}
	f.ring = append(f.ring, c)
	close(f.wake)
	f.wake = make(chan struct{})
}

// since returns the changes after seq, the last seq known, and a channel
// closed on the next change.
func (f *feed) since(seq int64) ([]store.Change, int64, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Change
	for _, c := range f.ring {
		if c.Seq > seq {
			out = append(out, c)
		}
	}
	last := seq
	if n := len(f.ring); n > 0 && f.ring[n-1].Seq > last {
		last = f.ring[n-1].Seq
	}
	return out, last, f.wake
}

// latest is the seq of the newest change kept, or 0.
func (f *feed) latest() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.ring); n > 0 {
		return f.ring[n-1].Seq
	}
	return 0
}

// handleEvents streams changes as Server-Sent Events: "id: <seq>" and
// "data: <change JSON>", default event type. Last-Event-ID resumes after
// a seq still in the ring. An id beyond the newest change this server
// knows (a store that was replaced, an id made up) would wait forever for
// events that never come, so the stream resumes from now instead, and
// says so in a first "reset" event: the client should reload what it
// shows. The stream ends when the client goes or the server closes.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	last, reset, err := s.resumePoint(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", api.MediaEventStream)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	s.metrics.Streams.Add(1)
	defer s.metrics.Streams.Add(-1)
	rc := http.NewResponseController(w)
	if err := writeEvent(w, rc, append([]byte("retry: 3000\n\n"), reset...)); err != nil {
		return nil
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		changes, seq, wake := s.events.since(last)
		last = seq
		if len(changes) > 0 {
			var buf []byte
			for _, c := range changes {
				data, err := json.Marshal(c)
				if err != nil {
					return nil
				}
				buf = append(buf, "id: "...)
				buf = strconv.AppendInt(buf, c.Seq, 10)
				buf = append(buf, "\ndata: "...)
				buf = append(buf, data...)
				buf = append(buf, "\n\n"...)
			}
			if writeEvent(w, rc, buf) != nil {
				return nil
			}
		}
		select {
		case <-wake:
		case <-tick.C:
			if writeEvent(w, rc, []byte(": heartbeat\n\n")) != nil {
				return nil
			}
		case <-r.Context().Done():
			return nil
		case <-s.events.done:
			return nil
		}
	}
}

// writeEvent writes and flushes; the recorder gives each its deadline.
func writeEvent(w http.ResponseWriter, rc *http.ResponseController, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	return rc.Flush()
}

// resumePoint reads Last-Event-ID (or ?lastEventId): the seq to stream
// after, and the reset event to send first when that id is beyond what
// this server knows.
func (s *Server) resumePoint(r *http.Request) (int64, []byte, error) {
	latest := s.events.latest()
	id := r.Header.Get("Last-Event-ID")
	if id == "" {
		id = r.URL.Query().Get("lastEventId")
	}
	if id == "" {
		return latest, nil, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n < 0 {
		return 0, nil, api.BadRequest("Last-Event-ID", "Last-Event-ID must be the id of an event")
	}
	if n <= latest {
		return n, nil, nil
	}
	data, err := json.Marshal(map[string]any{"lastEventId": n, "resumeFrom": latest,
		"description": fmt.Sprintf("Last-Event-ID %d is beyond the newest change this server knows (%d): "+
			"changes stream from now on; reload the data to be current", n, latest)})
	if err != nil {
		return 0, nil, err
	}
	// The reset carries the id to resume from, so a reconnect does not
	// send the impossible id again.
	ev := strconv.AppendInt([]byte("event: reset\nid: "), latest, 10)
	ev = append(append(ev, "\ndata: "...), data...)
	return latest, append(ev, "\n\n"...), nil
}
