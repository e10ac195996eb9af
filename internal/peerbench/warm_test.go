package peerbench

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"
)

// warmPair measures the warm z9 row of sitmap embedded and of the static
// ceiling in one stretch, the row whose goal is a ratio of the two: both
// servers up (the embedded one's cache filled by a cold pass), then wrk
// on each in turn, A B B A, each half as long as a run. This machine's
// speed drifts by up to a third in the minutes a round takes, and run
// minutes apart the ratio measured the drift as much as the servers; in
// turns a drift falls on both alike. Each cell is the rate over its
// server's two halves, with the larger of their p50s and of their p99s.
func warmPair(b *testing.B, a, c *server, dir string, z9 []maptile.Tile, dur time.Duration) {
	b.Helper()
	pa := startServer(b, a)
	defer pa.stop()
	pc := startServer(b, c)
	defer pc.stop()
	tilePass(b, pa.base, a.tile, z9, 16, false)
	halves := map[*server][]wrkResult{}
	for _, p := range []*process{pa, pc, pc, pa} {
		r, err := runWrk(p.base, filepath.Join(dir, "warm"), tilePaths(p.s.tile, z9), dur/2)
		if err != nil {
			b.Fatalf("%s: %v", p.s.name, err)
		}
		halves[p.s] = append(halves[p.s], r)
	}
	for _, s := range []*server{a, c} {
		s.res["z9warm"] = append(s.res["z9warm"], combine(halves[s]).String())
	}
}

// combine is the result of runs of equal length taken as one: their mean
// rate, the larger p50 and p99 (percentiles do not add up, and the larger
// is the one a user met), and the sum of their non-2xx answers.
func combine(rs []wrkResult) wrkResult {
	var out wrkResult
	for _, r := range rs {
		out.rate += r.rate / float64(len(rs))
		if r.p50.d > out.p50.d {
			out.p50 = r.p50
		}
		if r.p99.d > out.p99.d {
			out.p99 = r.p99
		}
		out.non2xx += r.non2xx
	}
	return out
}

func TestCombine(t *testing.T) {
	var rs []wrkResult
	for _, out := range []string{
		"    50%  336.00us\n    99%    6.67ms\nRequests/sec:  30000.00\n",
		"    50%  1.20ms\n    99%    5.10ms\nNon-2xx or 3xx responses: 3\nRequests/sec:  20000.00\n",
	} {
		r, err := parseWrk([]byte(out))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	want := "25000 req/s, p50 1.20 ms, p99 6.67 ms (3 non-2xx)"
	if got := combine(rs).String(); got != want {
		t.Errorf("combine = %q, want %q", got, want)
	}
}
