package middleware

import (
	"context"
	"runtime"
	"time"
)

// Turns makes each keep-alive connection give up its processor between
// requests at least once per Every of serving back to back, so that it
// cannot hold it until the Go runtime preempts it (10 ms and more).
//
// net/http serves a connection's requests one after another on one
// goroutine. Under load the next request is often there when the last
// answer has been written, so the goroutine reads it without blocking
// and never enters the scheduler, while the requests readied on the
// same processor by the network poller wait in its run queue behind
// it. Measured with wrk -t2 -c16 on two cores (`/items`, 222,000
// features): the runtime's scheduling latency had a p99 of 14.7 ms and
// a p99.9 of 25–29 ms, and wrk's p99 was 27–28 ms; with a turn once a
// connection has served for half a millisecond, 3.7–4.2 and 6.3–7.3
// ms, and wrk's p99 10.4–10.8 ms, at the same rate.
type Turns struct {
	Every time.Duration
	Yield func() // runtime.Gosched; tests count the calls
}

// NewTurns gives connections a turn every d (none when d <= 0).
func NewTurns(d time.Duration) *Turns { return &Turns{Every: d, Yield: runtime.Gosched} }

// waited is the gap between a connection's requests that means its
// goroutine found no request waiting and parked in the network poller,
// which gave up the processor: reading a request that was already there
// takes a few microseconds.
const waited = 50 * time.Microsecond

// Done is called when a request that began at start has been served, at
// end: it yields the processor if the request's connection has served
// back to back, without a wait or a yield, for Every. A connection of
// cheap requests (cached tiles) waits between them, and pays no yield,
// and no read(2) by net/http's background read that a yield in the
// handler lets run. Requests on a connection that ConnContext did not
// see never yield.
func (t *Turns) Done(ctx context.Context, start, end time.Time) {
	if t.Every <= 0 {
		return
	}
	c := connOf(ctx)
	if c == nil {
		return
	}
	s, n := start.UnixNano(), end.UnixNano()
	if last := c.lastEnd.Load(); last != 0 && time.Duration(s-last) >= waited {
		c.lastTurn.Store(s)
	}
	c.lastEnd.Store(n)
	if last := c.lastTurn.Load(); last != 0 && time.Duration(n-last) < t.Every {
		return
	}
	c.lastTurn.Store(n)
	t.Yield()
}
