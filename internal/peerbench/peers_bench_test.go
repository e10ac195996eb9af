package peerbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/workload"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// server is one contestant: how to start it and the URLs of each workload.
type server struct {
	name  string
	start func(b *testing.B, addr string) *exec.Cmd
	items func(bb [4]float64) string  // "" when it has no such query
	tile  func(t maptile.Tile) string // "" when it serves no tiles
	note  string                      // why a row is empty
	ready string                      // a path that answers once it serves
	res   map[string][]string         // workload → one figure per round
	rss   int64                       // kB, the largest over rounds

	// pairedWarm: warmPair measures its warm z9 row, not runServer.
	pairedWarm bool
}

// BenchmarkPeers runs every workload on every server, 3 rounds each.
func BenchmarkPeers(b *testing.B) {
	if os.Getenv("PEERS_BIN") == "" {
		b.Skip("the peer comparison runs with make bench-peers (it sets PEERS_BIN), not make bench")
	}
	for _, tool := range []string{"wrk", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s is not installed (apt-get install wrk gdal-bin)", tool)
		}
	}
	rounds, dur := runLength()
	dir := b.TempDir()
	bins := buildOurs(b, dir)
	peers := os.Getenv("PEERS_BIN")
	data := filepath.Join(dir, "workload.geojson")
	writeWorkload(b, data)
	paths := itemsBoxes(512)
	z9, z6 := z9Tiles(500), z6Tiles()

	pgDSN, peerDSN := pgtest.DSN(b), pgtest.DSN(b)
	imports, sizes := loadAll(b, bins["sitmap"], dir, data, pgDSN, peerDSN), map[string]string{}

	servers := contestants(bins["sitmap"], dir, pgDSN, peerDSN, peers)
	oldDSN := ""
	if old := os.Getenv("PEERS_BASELINE"); old != "" {
		var base *server
		base, oldDSN = baseline(b, old, data, imports)
		servers = append(servers, base)
	}
	ceiling := &server{name: "static ceiling", items: sitmapItems, tile: sitmapTile}
	if only := os.Getenv("PEERS_ONLY"); only != "" { // a quicker run of some rows
		for _, s := range servers[1:] {
			if !strings.Contains(","+only+",", ","+s.name+",") {
				s.start, s.note = nil, "not run (PEERS_ONLY)"
			}
		}
	}
	median := medianTile(b, servers[0], z9, dir)
	ceiling.start = func(b *testing.B, addr string) *exec.Cmd {
		return exec.Command(bins["ceiling"], "--addr", addr, "--tile", median)
	}
	embedded := servers[1]
	embedded.pairedWarm = embedded.start != nil
	ceiling.pairedWarm = embedded.pairedWarm
	for round := 0; round < rounds; round++ {
		for _, s := range servers {
			runServer(b, s, dir, paths, z9, z6, dur)
		}
		runServer(b, ceiling, dir, paths, z9, z6, dur)
		if embedded.pairedWarm {
			warmPair(b, embedded, ceiling, dir, z9, dur)
		}
	}
	pair := twoReplicas(b, bins["sitmap"], pgDSN, dir, paths, sitmapItems, rounds, dur)
	servers[0].res["pair"] = pair
	if s := servers[4]; s.start != nil && s.res["items"] != nil {
		imports["tile38-server"] = s.res["import"][0]
	}
	sizes["sitmap on PostGIS"] = tableSize(b, pgDSN, "features")
	sizes["pg_featureserv / pg_tileserv"] = tableSize(b, peerDSN, "workload")
	if oldDSN != "" {
		sizes["sitmap on PostGIS, baseline"] = tableSize(b, oldDSN, "features")
	}
	if fi, err := os.Stat(filepath.Join(dir, "w.db")); err == nil {
		sizes["sitmap embedded"] = fmt.Sprintf("%d MB (file)", fi.Size()>>20)
	}
	printTable(append(servers, ceiling), imports, sizes, rounds, dur)
}

// baseline is another sitmap binary (say, main's) on its own database of
// the same cluster, loaded with the workload: before and after in one run.
func baseline(b *testing.B, bin, data string, imports map[string]string) (*server, string) {
	b.Helper()
	dsn := pgtest.DSN(b)
	imports["sitmap on PostGIS, baseline"] = timed(b, bin, "import", "--store", dsn, data)
	return &server{name: "sitmap on PostGIS, baseline", ready: "/healthz", items: sitmapItems, tile: sitmapTile,
		start: func(b *testing.B, addr string) *exec.Cmd {
			return exec.Command(bin, "serve", "--addr", addr, "--store", dsn)
		}}, dsn
}

// loadAll imports the workload into sitmap (both backends) and with
// ogr2ogr for the PostgreSQL peers, and returns how long each took.
func loadAll(b *testing.B, sitmap, dir, data, pgDSN, peerDSN string) map[string]string {
	b.Helper()
	imports := map[string]string{}
	imports["sitmap on PostGIS"] = timed(b, sitmap, "import", "--store", pgDSN, data)
	imports["sitmap embedded"] = timed(b, sitmap, "import", "--db", filepath.Join(dir, "w.db"), data)
	imports["pg_featureserv / pg_tileserv"] = timed(b, "ogr2ogr", "-f", "PostgreSQL", "PG:"+libpq(peerDSN), data,
		"-nln", "workload", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "--config", "PG_USE_COPY", "YES")
	peerTables(b, peerDSN)
	return imports
}

// runLength is 3 rounds of 20 s, or PEERS_ROUNDS of PEERS_DURATION.
func runLength() (int, time.Duration) {
	rounds, dur := 3, 20*time.Second
	if d, err := time.ParseDuration(os.Getenv("PEERS_DURATION")); err == nil {
		dur = d
	}
	if n, err := strconv.Atoi(os.Getenv("PEERS_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	return rounds, dur
}

// sitmapItems and sitmapTile are sitmap's requests of the workloads.
func sitmapItems(bb [4]float64) string {
	return fmt.Sprintf("/collections/points/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", bb[0], bb[1], bb[2], bb[3])
}

func sitmapTile(t maptile.Tile) string {
	return fmt.Sprintf("/tiles/points/%d/%d/%d.mvt", t.Z, t.X, t.Y)
}

// contestants are sitmap on both backends and the peers (those built in
// the folder peers), in the table's order.
func contestants(sitmap, dir, pgDSN, peerDSN, peers string) []*server {
	ours := func(args ...string) func(b *testing.B, addr string) *exec.Cmd {
		return func(b *testing.B, addr string) *exec.Cmd {
			return exec.Command(sitmap, append([]string{"serve", "--addr", addr}, args...)...)
		}
	}
	servers := []*server{
		{name: "sitmap on PostGIS", start: ours("--store", pgDSN), items: sitmapItems, tile: sitmapTile},
		{name: "sitmap embedded", start: ours("--db", filepath.Join(dir, "w.db")), items: sitmapItems, tile: sitmapTile},
		peer(peers, "pg_featureserv", func(bin, addr string) *exec.Cmd {
			host, port, _ := net.SplitHostPort(addr)
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "DATABASE_URL="+peerDSN, "PGFS_SERVER_HTTPHOST="+host, "PGFS_SERVER_HTTPPORT="+port)
			return cmd
		}, func(bb [4]float64) string {
			return fmt.Sprintf("/collections/public.points/items.json?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", bb[0], bb[1], bb[2], bb[3])
		}, nil),
		peer(peers, "pg_tileserv", func(bin, addr string) *exec.Cmd {
			host, port, _ := net.SplitHostPort(addr)
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "DATABASE_URL="+peerDSN, "TS_HTTPHOST="+host, "TS_HTTPPORT="+port)
			return cmd
		}, nil, func(t maptile.Tile) string { return fmt.Sprintf("/public.points/%d/%d/%d.pbf", t.Z, t.X, t.Y) }),
		peer(peers, "tile38-server", func(bin, addr string) *exec.Cmd {
			host, port, _ := net.SplitHostPort(addr)
			return exec.Command(bin, "-h", host, "-p", port, "-d", filepath.Join(dir, "tile38"), "-q")
		}, func(bb [4]float64) string {
			return fmt.Sprintf("/INTERSECTS+points+LIMIT+100+BOUNDS+%.4f+%.4f+%.4f+%.4f", bb[1], bb[0], bb[3], bb[2])
		}, nil),
	}
	servers[0].ready, servers[1].ready, servers[4].ready = "/healthz", "/healthz", "/server"
	return servers
}

// twoReplicas runs the items workload on two sitmap replicas at once, one
// reading the primary and one reading a streaming standby of it, and
// reports the sum of their rates and each one's.
func twoReplicas(b *testing.B, bin, dsn, dir string, boxes [][4]float64, items func([4]float64) string, rounds int, dur time.Duration) []string {
	b.Helper()
	standby := pgtest.Standby(b)(dsn)
	var ps []string
	for _, bb := range boxes {
		ps = append(ps, items(bb))
	}
	var out []string
	for range rounds {
		out = append(out, pairRound(b, bin, dsn, standby, dir, ps, dur))
	}
	return out
}

// pairRound starts the two replicas, loads both at once and stops them.
func pairRound(b *testing.B, bin, dsn, standby, dir string, ps []string, dur time.Duration) string {
	b.Helper()
	var bases []string
	for _, args := range [][]string{{"--store", dsn}, {"--store", dsn, "--read-store", standby}} {
		addr := freeAddr(b)
		cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
		logs := &tailBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		if err := waitUp(addr, 5*time.Minute); err != nil {
			b.Fatalf("replica %v did not start: %v\n%s", args, err, logs)
		}
		bases = append(bases, "http://"+addr)
	}
	rates, errs := make([]wrkResult, 2), make([]error, 2)
	var wg sync.WaitGroup
	for i, base := range bases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rates[i], errs[i] = runWrk(base, filepath.Join(dir, fmt.Sprint("pair", i)), ps, dur)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return fmt.Sprintf("%.0f req/s (primary %s; standby %s)", rates[0].rate+rates[1].rate, rates[0], rates[1])
}

// runServer starts s, times its start, runs the workloads and stops it.
func runServer(b *testing.B, s *server, dir string, paths [][4]float64, z9, z6 []maptile.Tile, dur time.Duration) {
	b.Helper()
	if s.start == nil {
		return
	}
	if s.res == nil {
		s.res = map[string][]string{}
	}
	t0 := time.Now()
	p := startServer(b, s)
	defer p.stop()
	s.res["start"] = append(s.res["start"], fmt.Sprintf("%.2f s", time.Since(t0).Seconds()))
	base, pid := p.base, p.cmd.Process.Pid
	if s.name == "tile38-server" && len(s.res["import"]) == 0 {
		d, err := loadTile38(p.addr, dir)
		if err != nil {
			b.Fatalf("tile38: %v", err)
		}
		s.res["import"] = append(s.res["import"], fmt.Sprintf("%.1f s", d.Seconds()))
	}
	if s.tile != nil {
		s.res["z6"] = append(s.res["z6"], tilePass(b, base, s.tile, z6, 16, false))
		s.res["z9"] = append(s.res["z9"], tilePass(b, base, s.tile, z9, 16, true))
		if !s.pairedWarm { // else warmPair measures it
			s.res["z9warm"] = append(s.res["z9warm"], wrk(b, base, dir, tilePaths(s.tile, z9), dur))
		}
	}
	if s.items != nil {
		var ps []string
		for _, bb := range paths {
			ps = append(ps, s.items(bb))
		}
		s.res["items"] = append(s.res["items"], wrk(b, base, dir, ps, dur))
		if s.name == "sitmap embedded" || s.name == "tile38-server" {
			// The pair the feature-model issue compares. (pg_featureserv
			// answered none of this client's requests within its 30 s
			// write timeout right after wrk's run, each with a 503.)
			s.res["itemsRaw"] = append(s.res["itemsRaw"], closedLoop(b, base, ps, dur))
		}
	}
	// What the server keeps once the load is over (sitmap gives its free
	// heap back after two quiet seconds).
	time.Sleep(3 * time.Second)
	s.res["rss"] = append(s.res["rss"], fmt.Sprintf("%d MB", rssKB(pid, "VmRSS")>>10))
	if !alive(pid) {
		b.Logf("%s exited during the run:\n%s", s.name, p.logs)
		s.note = "exited during the run"
	}
}

// process is a started server.
type process struct {
	s          *server
	addr, base string // host:port, http://host:port
	cmd        *exec.Cmd
	logs       *tailBuffer
}

// startServer starts s and waits until it answers.
func startServer(b *testing.B, s *server) *process {
	b.Helper()
	p := &process{s: s, addr: freeAddr(b), logs: &tailBuffer{}}
	p.base = "http://" + p.addr
	p.cmd = s.start(b, p.addr)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		b.Fatalf("%s: %v", s.name, err)
	}
	if err := waitUp(p.addr+s.ready, 5*time.Minute); err != nil {
		p.kill()
		b.Fatalf("%s did not start: %v\n%s", s.name, err, p.logs)
	}
	return p
}

// stop takes the server's peak RSS into its figures and stops it.
func (p *process) stop() {
	p.s.rss = max(p.s.rss, rssKB(p.cmd.Process.Pid, "VmHWM"))
	p.kill()
}

func (p *process) kill() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() }

// tailBuffer keeps the last 4 KB a server printed, for failure messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func peer(dir, name string, start func(bin, addr string) *exec.Cmd, items func([4]float64) string, tile func(maptile.Tile) string) *server {
	s := &server{name: name, items: items, tile: tile}
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); dir == "" || err != nil {
		s.note = "not built (PEERS_BIN)"
		return s
	}
	s.start = func(b *testing.B, addr string) *exec.Cmd { return start(bin, addr) }
	return s
}

// buildOurs builds sitmap and the ceiling server.
func buildOurs(b *testing.B, dir string) map[string]string {
	b.Helper()
	out := map[string]string{}
	for name, pkg := range map[string]string{"sitmap": "../../cmd/sitmap", "ceiling": "./ceiling"} {
		bin := filepath.Join(dir, name)
		if o, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, o)
		}
		out[name] = bin
	}
	return out
}

func writeWorkload(b *testing.B, path string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := workload.WriteGeoJSON(f, workload.Generate(1)); err != nil {
		b.Fatal(err)
	}
}

// timed runs a command and returns its wall time.
func timed(b *testing.B, name string, args ...string) string {
	b.Helper()
	t0 := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return fmt.Sprintf("%.1f s", time.Since(t0).Seconds())
}

// libpq turns a postgres:// URL into the key=value form GDAL wants.
func libpq(dsn string) string {
	re := regexp.MustCompile(`^postgres://([^@]+)@([^:/]+):(\d+)/([^?]+)`)
	m := re.FindStringSubmatch(dsn)
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s", m[2], m[3], m[1], m[4])
}

// peerTables gives the peers one table per collection (pg_featureserv and
// pg_tileserv serve tables), made from what ogr2ogr loaded.
func peerTables(b *testing.B, dsn string) {
	b.Helper()
	sql := `CREATE TABLE points AS SELECT * FROM workload WHERE collection = 'points';
		ALTER TABLE points ADD PRIMARY KEY (fid);
		CREATE INDEX points_geom ON points USING gist (geom);
		ANALYZE points; ANALYZE workload`
	if err := execSQL(dsn, sql); err != nil {
		b.Fatalf("peer tables: %v", err)
	}
}

func execSQL(dsn, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// tableSize is a table's size and its indexes'.
func tableSize(b *testing.B, dsn, table string) string {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var t, i int64
	if err := conn.QueryRow(ctx, "SELECT pg_table_size($1), pg_indexes_size($1)", table).Scan(&t, &i); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("%d MB + %d MB", t>>20, i>>20)
}

// itemsBoxes are 0.5° boxes round the towns, where the data is.
func itemsBoxes(n int) [][4]float64 {
	towns := workload.Towns()
	out := make([][4]float64, n)
	for i := range out {
		t := towns[(i*7919)%len(towns)]
		dx, dy := float64(i%5-2)*0.05, float64(i%3-1)*0.05
		w, s := t.Center[0]-0.25+dx, t.Center[1]-0.25+dy
		out[i] = [4]float64{w, s, w + 0.5, s + 0.5}
	}
	return out
}

// z9Tiles are n distinct z9 tiles round the towns: each town's tile, then
// their neighbours, ring by ring.
func z9Tiles(n int) []maptile.Tile {
	seen := map[maptile.Tile]bool{}
	var out []maptile.Tile
	add := func(t maptile.Tile) {
		if !seen[t] && len(out) < n {
			seen[t] = true
			out = append(out, t)
		}
	}
	for r := int64(0); len(out) < n; r++ {
		for _, t := range workload.Towns() {
			c := maptile.At(t.Center, 9)
			for dx := -r; dx <= r; dx++ {
				for dy := -r; dy <= r; dy++ {
					if max(abs(dx), abs(dy)) == r {
						add(maptile.New(uint32(int64(c.X)+dx), uint32(int64(c.Y)+dy), 9))
					}
				}
			}
		}
	}
	return out
}

func abs(v int64) int64 { return max(v, -v) }

// z6Tiles cover the workload's area (the towns lie in 14.5–32.5 E,
// 49.5–57.5 N).
func z6Tiles() []maptile.Tile {
	a, c := maptile.At(orb.Point{14.5, 57.5}, 6), maptile.At(orb.Point{32.5, 49.5}, 6)
	var out []maptile.Tile
	for x := a.X; x <= c.X; x++ {
		for y := a.Y; y <= c.Y; y++ {
			out = append(out, maptile.New(x, y, 6))
		}
	}
	return out
}

func tilePaths(f func(maptile.Tile) string, tiles []maptile.Tile) []string {
	out := make([]string, len(tiles))
	for i, t := range tiles {
		out[i] = f(t)
	}
	return out
}

// tilePass asks for every tile once, `par` at a time, and reports tiles/s
// (with rate) and the median and 99th percentile latency.
func tilePass(b *testing.B, base string, path func(maptile.Tile) string, tiles []maptile.Tile, par int, rate bool) string {
	b.Helper()
	times := make([]time.Duration, len(tiles))
	next := make(chan int)
	var wg sync.WaitGroup
	var failed error
	nFailed := 0
	var mu sync.Mutex
	t0 := time.Now()
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := time.Now()
				resp, err := http.Get(base + path(tiles[i]))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
						err = fmt.Errorf("%s: %s", path(tiles[i]), resp.Status)
					}
				}
				times[i] = time.Since(s)
				if err != nil {
					mu.Lock()
					failed = err
					nFailed++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range tiles {
		next <- i
	}
	close(next)
	wg.Wait()
	note := ""
	if failed != nil { // reported in the table rather than ending the run
		b.Logf("%s: %d of %d tiles failed, the last with %v", base, nFailed, len(tiles), failed)
		note = fmt.Sprintf(" (%d failed: %v)", nFailed, failed)
	}
	total := time.Since(t0)
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	q := func(f float64) string { return ms(times[min(len(times)-1, int(f*float64(len(times))))]) }
	if !rate {
		return "p50 " + q(0.5) + note
	}
	return fmt.Sprintf("%.0f tiles/s, p50 %s, p99 %s%s", float64(len(tiles))/total.Seconds(), q(0.5), q(0.99), note)
}

func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

// wrkScript round-robins over the request paths in the file named by its
// first argument.
const wrkScript = `local paths, i = {}, 0
init = function(args) for l in io.lines(args[1]) do paths[#paths + 1] = l end end
request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
`

var (
	wrkRate = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkPct  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)`)
	wrkErrs = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// wrk runs wrk -t2 -c16 over the paths and reports req/s, p50 and p99.
func wrk(b *testing.B, base, dir string, paths []string, dur time.Duration) string {
	b.Helper()
	r, err := runWrk(base, dir, paths, dur)
	if err != nil {
		b.Fatal(err)
	}
	return r.String()
}

// wrkResult is what one wrk run reports.
type wrkResult struct {
	rate     float64 // requests a second
	p50, p99 wrkLatency
	non2xx   int // answers that were not a 2xx or 3xx
}

// wrkLatency is a percentile as wrk prints it ("336.00 us") and its value.
type wrkLatency struct {
	text string
	d    time.Duration
}

func (r wrkResult) String() string {
	note := ""
	if r.non2xx > 0 { // reported in the table
		note = fmt.Sprintf(" (%d non-2xx)", r.non2xx)
	}
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s%s", r.rate, r.p50.text, r.p99.text, note)
}

func runWrk(base, dir string, paths []string, dur time.Duration) (wrkResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return wrkResult{}, err
	}
	script, list := filepath.Join(dir, "paths.lua"), filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return wrkResult{}, err
	}
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		return wrkResult{}, err
	}
	out, err := exec.Command("wrk", "-t2", "-c16", "-d"+strconv.Itoa(int(dur.Seconds()))+"s", "--latency",
		"-s", script, base, "--", list).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(out)
}

func parseWrk(out []byte) (wrkResult, error) {
	var r wrkResult
	if m := wrkErrs.FindSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(string(m[1]))
	}
	rate := wrkRate.FindSubmatch(out)
	if rate == nil {
		return r, fmt.Errorf("wrk: no rate in\n%s", out)
	}
	r.rate, _ = strconv.ParseFloat(string(rate[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}
	for _, m := range wrkPct.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		l := wrkLatency{text: string(m[2]) + " " + string(m[3]), d: time.Duration(v * float64(unit[string(m[3])]))}
		if string(m[1]) == "50" {
			r.p50 = l
		} else {
			r.p99 = l
		}
	}
	return r, nil
}

// closedLoop is wrk's load without its correction for coordinated
// omission: wrk 4 adds, for every latency of at least twice a
// connection's mean gap between requests, samples at that latency less
// one gap, two gaps, and so on (stats_correct), as if a client sending at
// a fixed rate had waited too. The gap shrinks as the server gets
// faster, so one stall weighs more for a fast server than for a slow one;
// here 16 connections send their next request when the last is answered
// and every request's own time is kept. It reports req/s, p50, p99 and
// p99.9.
func closedLoop(b *testing.B, base string, paths []string, dur time.Duration) string {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	lat := make([][]time.Duration, 16)
	errs, non2xx := make([]error, 16), make([]int, 16)
	end := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := range lat {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Now().Before(end); i += len(lat) {
				t0 := time.Now()
				resp, err := client.Get(base + paths[i%len(paths)])
				if err != nil {
					errs[c] = err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					errs[c] = fmt.Errorf("GET %s: %w", paths[i%len(paths)], err)
					return
				}
				if resp.StatusCode/100 != 2 { // counted, as wrk does
					non2xx[c]++
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	bad := 0
	for c := range lat {
		if errs[c] != nil {
			b.Fatal(errs[c])
		}
		all, bad = append(all, lat[c]...), bad+non2xx[c]
	}
	slices.Sort(all)
	q := func(p float64) string { return fmtDuration(all[int(p*float64(len(all)-1))]) }
	note := ""
	if bad > 0 {
		note = fmt.Sprintf(" (%d non-2xx)", bad)
	}
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s, p99.9 %s%s", float64(len(all))/dur.Seconds(), q(.5), q(.99), q(.999), note)
}

func fmtDuration(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d us", d.Microseconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// medianTile fetches the z9 tiles from sitmap and keeps the median-size
// one for the static ceiling.
func medianTile(b *testing.B, s *server, tiles []maptile.Tile, dir string) string {
	b.Helper()
	p := startServer(b, s)
	defer p.kill() // not stop: this is no run of the table
	var bodies [][]byte
	for _, t := range tiles {
		resp, err := http.Get(p.base + s.tile(t))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, body)
	}
	sort.Slice(bodies, func(i, j int) bool { return len(bodies[i]) < len(bodies[j]) })
	path := filepath.Join(dir, "median.mvt")
	if err := os.WriteFile(path, bodies[len(bodies)/2], 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// loadTile38 sends every point of the workload with SET (RESP, pipelined
// on one connection) and returns how long it took.
func loadTile38(addr, dir string) (time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	fs := workload.Generate(1)
	t0 := time.Now()
	errc := make(chan error, 1)
	n := 0
	for _, f := range fs {
		if f.Collection() == workload.PointsID {
			n++
		}
	}
	go func() {
		r := bufio.NewReader(conn)
		for i := 0; i < n; i++ {
			line, err := r.ReadString('\n')
			if err != nil {
				errc <- err
				return
			}
			if strings.HasPrefix(line, "-") {
				errc <- fmt.Errorf("SET: %s", line)
				return
			}
		}
		errc <- nil
	}()
	w := bufio.NewWriterSize(conn, 1<<16)
	for _, f := range fs {
		if f.Collection() != workload.PointsID {
			continue
		}
		args := []string{"SET", "points", f.ID(), "OBJECT", f.JSON()}
		fmt.Fprintf(w, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := <-errc; err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

func freeAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitUp waits until host:port/path answers an HTTP GET.
func waitUp(addr string, limit time.Duration) error {
	if !strings.Contains(addr, "/") {
		addr += "/"
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get("http://" + addr)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether a child is still running (not a zombie).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	return err == nil && !regexp.MustCompile(`State:\s+[ZX]`).Match(data)
}

// rssKB is a process's resident set now (field VmRSS) or at its peak
// (VmHWM), in kB.
func rssKB(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// printTable writes the side-by-side table, one row per workload.
func printTable(servers []*server, imports, sizes map[string]string, rounds int, dur time.Duration) {
	fmt.Printf("\nmake bench-peers, %s: wrk -t2 -c16 %s × %d rounds; tiles 16 at a time; figures per round\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), dur, rounds)
	head := "| workload |"
	sep := "|---|"
	for _, s := range servers {
		head += " " + s.name + " |"
		sep += "---|"
	}
	fmt.Println(head)
	fmt.Println(sep)
	rows := []struct{ key, label string }{
		{"items", "`/items?bbox=` 0.5°, limit 100"},
		{"itemsRaw", "the same, every request timed as it was served (16 connections of a Go client: wrk adds samples for the requests a stall held up, more the faster the server)"},
		{"z9", "cold z9 pass (500 tiles, 16 at a time)"},
		{"z9warm", "warm z9 (same 500 tiles, wrk; sitmap embedded and the ceiling in turns, A B B A, each half as long: the rate over both halves, the larger p50 and p99)"},
		{"z6", fmt.Sprintf("cold z6 (%d tiles)", len(z6Tiles()))},
		{"pair", "`/items` on two replicas at once: one on the primary, one reading a hot standby (sum, and each)"},
		{"start", "start until it answers"},
		{"rss", "RSS after the runs (3 s idle)"},
	}
	for _, r := range rows {
		line := "| " + r.label + " |"
		for _, s := range servers {
			v := strings.Join(s.res[r.key], "; ")
			if v == "" {
				v = s.note
			}
			line += " " + v + " |"
		}
		fmt.Println(line)
	}
	line := "| import of the workload |"
	for _, s := range servers {
		v := imports[s.name]
		if s.name == "pg_featureserv" || s.name == "pg_tileserv" {
			v = "ogr2ogr " + imports["pg_featureserv / pg_tileserv"]
		}
		line += " " + v + " |"
	}
	fmt.Println(line)
	line = "| table + indexes |"
	for _, s := range servers {
		v := sizes[s.name]
		if s.name == "pg_featureserv" || s.name == "pg_tileserv" {
			v = sizes["pg_featureserv / pg_tileserv"]
		}
		line += " " + v + " |"
	}
	fmt.Println(line)
	line = "| peak RSS of the server |"
	for _, s := range servers {
		v := s.note
		if s.rss > 0 {
			v = fmt.Sprintf("%d MB", s.rss>>10)
		}
		line += " " + v + " |"
	}
	fmt.Println(line)
}
