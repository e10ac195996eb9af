package middleware

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestListenerOneWritePerLargeAnswer: through Listener, an answer whose
// body would cost net/http two writes leaves in one, every answer
// arrives byte for byte, and keep-alive connections carry on. The
// writes counted are calls on the socket (a writev is one).
func TestListenerOneWritePerLargeAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan *coalescingConn, 1)
	var body []byte
	chunked := false
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := NewRecorder(w, r, "id", Deadlines{Read: time.Minute, Write: time.Minute})
			rec.AnswerID()
			if !chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
			_, _ = rec.Write(body)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			conns <- c.(*coalescingConn)
			return ConnContext(ctx, c)
		},
	}
	go func() { _ = hs.Serve(Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func() []byte {
		t.Helper()
		resp, err := client.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	body = []byte("warm")
	get()
	c := <-conns
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		size      int
		chunked   bool
		maxWrites int
	}{
		{0, false, 1}, {1, false, 1}, {3000, false, 1}, {4095, false, 2}, {4096, false, 2}, {8192, false, 2},
		{coalesceMin, false, 1}, {33048, false, 1}, {100_000, false, 1}, {1 << 20, false, 1},
		{33048, true, 2}, {1 << 20, true, 2},
	}
	for _, tc := range cases {
		body, chunked = make([]byte, tc.size), tc.chunked
		for i := range body {
			body[i] = byte(rng.IntN(256))
		}
		for round := 0; round < 3; round++ {
			before := c.writes.Load()
			if got := get(); !bytes.Equal(got, body) {
				t.Fatalf("%d bytes (chunked %v): got %d bytes, not the body", tc.size, tc.chunked, len(got))
			}
			if n := int(c.writes.Load() - before); n > tc.maxWrites {
				t.Errorf("%d bytes (chunked %v), round %d: %d writes, want at most %d", tc.size, tc.chunked, round, n, tc.maxWrites)
			}
		}
	}
	select {
	case <-conns:
		t.Error("a second connection: keep-alive broke")
	default:
	}
}
