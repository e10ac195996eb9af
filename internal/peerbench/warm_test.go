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
	baseA, stopA := startServer(b, a)
	defer stopA()
	baseC, stopC := startServer(b, c)
	defer stopC()
	tilePass(b, baseA, a.tile, z9, 16, false)
	half := dur / 2
	halves := map[*server][]wrkResult{}
	for _, s := range []*server{a, c, c, a} {
		base := baseA
		if s == c {
			base = baseC
		}
		r, err := runWrk(base, filepath.Join(dir, "warm"), tilePaths(s.tile, z9), half)
		if err != nil {
			b.Fatalf("%s: %v", s.name, err)
		}
		halves[s] = append(halves[s], r)
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

// startServer starts s, waits until it answers and returns its base URL
// and how to stop it (which takes its peak RSS into s.rss).
func startServer(b *testing.B, s *server) (string, func()) {
	b.Helper()
	addr := freeAddr(b)
	cmd := s.start(b, addr)
	logs := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s: %v", s.name, err)
	}
	kill := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	stop := func() {
		s.rss = max(s.rss, rssKB(cmd.Process.Pid, "VmHWM"))
		kill()
	}
	if err := waitUp(addr+s.ready, 5*time.Minute); err != nil {
		kill()
		b.Fatalf("%s did not start: %v\n%s", s.name, err, logs)
	}
	return "http://" + addr, stop
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
