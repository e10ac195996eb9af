package middleware

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// conn is what the requests of one connection share: when it last gave
// up its processor (Turns), and the write deadline last set on it
// (Recorder), and the socket that can send a header and a body in one
// write. HTTP/2 serves a connection's streams on goroutines of their
// own, concurrently: hence the atomics.
type conn struct {
	lastTurn atomic.Int64    // Unix nanoseconds
	lastEnd  atomic.Int64    // when its last request was served, Unix nanoseconds
	writeDue atomic.Int64    // since epoch; 0: none set
	out      *coalescingConn // nil unless accepted by Listener
}

// epoch is the origin of conn.writeDue: a deadline kept as a duration
// since it keeps the monotonic clock, so a step of the wall clock cannot
// make a stale deadline look fresh.
var epoch = time.Now()

type connKey struct{}

// ConnContext is an http.Server's ConnContext: it gives each connection
// the state its requests share.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	out, _ := c.(*coalescingConn)
	return context.WithValue(ctx, connKey{}, &conn{out: out})
}

// connOf is the connection state of a request's context; nil for a
// connection that ConnContext did not see.
func connOf(ctx context.Context) *conn {
	c, _ := ctx.Value(connKey{}).(*conn)
	return c
}
