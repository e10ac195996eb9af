package middleware

import (
	"net"
	"sync/atomic"
)

// Listener wraps ln so that an answer's headers and a large body leave
// in one write(2) instead of two. net/http writes the headers into its
// 4 KiB connection buffer; a body that does not fit then costs a write
// of the full buffer and a second of the rest, and on loopback each
// write costs about as much as the bytes (a cached 33 KB tile spent a
// quarter of its CPU in the first write). The Recorder holds the first
// write of a large body back and sends it with the second as one
// writev, as nginx sends a header and a body.
func Listener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return &coalescingConn{TCPConn: tc}, nil
	}
	return c, err
}

// coalescingConn is a TCP connection that can hold one write back and
// send it with the next. Only the goroutine serving the connection
// writes to it (HTTP/1), and only it holds and releases.
type coalescingConn struct {
	*net.TCPConn
	holding bool
	held    []byte
	vec     [2][]byte    // the held bytes and the next write
	bufs    net.Buffers  // over vec: a field, so that a writev allocates nothing
	writes  atomic.Int64 // calls that reached the socket, for tests
}

// maxHeld is the most held back: net/http's connection buffer.
const maxHeld = 4 << 10

// coalesceMin is the body that surely costs net/http two writes: what
// is left once the buffer is full still does not fit in it.
const coalesceMin = 2*maxHeld + 1

func (c *coalescingConn) Write(p []byte) (int, error) {
	switch {
	case len(c.held) > 0:
		return c.writeHeld(p)
	case c.holding && len(p) <= maxHeld:
		if c.held == nil {
			c.held = make([]byte, 0, maxHeld)
		}
		c.held = append(c.held, p...)
		return len(p), nil
	}
	c.writes.Add(1)
	return c.TCPConn.Write(p)
}

// writeHeld sends what was held and p in one writev, and reports the
// bytes of p sent.
func (c *coalescingConn) writeHeld(p []byte) (int, error) {
	held := len(c.held)
	c.writes.Add(1)
	c.vec = [2][]byte{c.held, p}
	c.bufs = c.vec[:]
	n, err := c.bufs.WriteTo(c.TCPConn)
	c.vec, c.held = [2][]byte{}, c.held[:0]
	return max(0, int(n)-held), err
}

func (c *coalescingConn) hold() { c.holding = true }

// release stops holding and sends what is still held.
func (c *coalescingConn) release() error {
	c.holding = false
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.writeHeld(nil)
	return err
}
