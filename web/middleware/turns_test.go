package middleware_test

import (
	"context"
	"testing"
	"time"

	"github.com/sitmap/sitmap/web/middleware"
)

func TestTurns(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	type done struct {
		conn       int // which connection the request came on; -1: none seen by ConnContext
		start, end int // µs from t0
	}
	cases := []struct {
		name  string
		every time.Duration
		dones []done
		want  []bool // whether each Done yielded
	}{
		{"first request yields", 500 * time.Microsecond, []done{{0, 0, 10}}, []bool{true}},
		{"back to back until the turn is up", 500 * time.Microsecond,
			[]done{{0, 0, 100}, {0, 100, 300}, {0, 300, 499}, {0, 499, 600}, {0, 600, 1000}, {0, 1000, 1100}},
			[]bool{true, false, false, true, false, true}},
		{"a wait for the next request is a turn", 500 * time.Microsecond,
			[]done{{0, 0, 100}, {0, 150, 300}, {0, 300, 650}, {0, 650, 700}, {0, 700, 1100}, {0, 2000, 2400}, {0, 2400, 2600}},
			[]bool{true, false, true, false, false, false, true}},
		{"a gap shorter than a wait is none", 500 * time.Microsecond,
			[]done{{0, 0, 100}, {0, 140, 300}, {0, 330, 600}},
			[]bool{true, false, true}},
		{"connections keep their own turns", 500 * time.Microsecond,
			[]done{{0, 0, 0}, {1, 0, 100}, {0, 0, 200}, {1, 100, 300}, {0, 200, 600}, {1, 300, 650}},
			[]bool{true, true, false, false, true, true}},
		{"a request without a connection's context never yields", 500 * time.Microsecond,
			[]done{{-1, 0, 0}, {-1, 0, 5000}}, []bool{false, false}},
		{"no turns", 0, []done{{0, 0, 0}, {0, 0, 5000}}, []bool{false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := middleware.NewTurns(c.every)
			yielded := 0
			tr.Yield = func() { yielded++ }
			conns := []context.Context{middleware.ConnContext(context.Background(), nil), middleware.ConnContext(context.Background(), nil)}
			for i, d := range c.dones {
				ctx := context.Background()
				if d.conn >= 0 {
					ctx = conns[d.conn]
				}
				before := yielded
				tr.Done(ctx, at(d.start), at(d.end))
				if got := yielded > before; got != c.want[i] {
					t.Errorf("request %d (conn %d, %d–%d µs): yielded %v, want %v", i, d.conn, d.start, d.end, got, c.want[i])
				}
			}
		})
	}
}
