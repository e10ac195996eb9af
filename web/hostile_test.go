package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sitmap/sitmap/web"
)

// The hostile-client suite: careless and hostile clients on loopback, a
// bounded number of sockets each, against the real http.Server that
// `sitmap serve` runs (web.Server.HTTPServer), with short timeouts.

// shortTimeouts keep the suite quick; each test waits at most a few of them.
var shortTimeouts = web.Timeouts{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second}

func withTimeouts(t web.Timeouts) option { return func(c *web.Config) { c.Timeouts = t } }

func withLog(b *syncBuffer) option {
	return func(c *web.Config) { c.Log = slog.New(slog.NewTextHandler(b, nil)) }
}

// smallBuffers is a congested link: the server's socket holds little of
// an answer the client does not read.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// serveLoopback serves ts on 127.0.0.1 with the server's own http.Server
// and returns its URL.
func serveLoopback(t *testing.T, ts *testServer, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		ln = wrap(ln)
	}
	hs := ts.srv.HTTPServer()
	go hs.Serve(web.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

// rawConn dials the server as a client that reads only when told to.
func rawConn(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds, and fails the test if it does not
// within the time.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !eventually(d, cond) {
		t.Fatalf("after %v: %s", d, what)
	}
}

// eventually polls cond until it holds (true) or the time is up (false).
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// metric reads one sample from /metrics.
func metric(t *testing.T, base, sample string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// addAirfields creates n airfields with a description each, through the
// API, so that a page of them is about n × 600 bytes.
func addAirfields(t *testing.T, ts *testServer, n int) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection","features":[`)
	desc := strings.Repeat("Hardened shelters and a long runway. ", 10)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"type":"Feature","id":"bulk-%d","geometry":{"type":"Point","coordinates":[%g,%g]},
"properties":{"name":"Bulk airfield %d","country":"BY","status":"active","confidence":"reported","description":%q,
"sources":[{"title":"Generated for a test"}]}}`, i, 24+float64(i%100)/20, 52+float64(i/100)/20, i, desc)
	}
	sb.WriteString("]}")
	if res := ts.write("POST", "/collections/airfields/items", sb.String()); res.Code != 201 {
		t.Fatalf("POST %d airfields: %d %s", n, res.Code, res.Body)
	}
}

// stallItems opens n connections that ask for a page of every airfield
// and never read, and waits until all n are being served.
func stallItems(t *testing.T, base string, n int) {
	t.Helper()
	for range n {
		c := rawConn(t, base)
		if _, err := io.WriteString(c, "GET /collections/airfields/items?limit=10000 HTTP/1.1\r\nHost: sitmap.test\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, fmt.Sprintf("the %d requests never all arrived", n), func() bool {
		return metric(t, base, inflightItems) == strconv.Itoa(n)
	})
}

const inflightItems = `sitmap_http_requests_in_flight{route="getFeatures"}`

// TestHostile_NonReadingClientsDoNotStallItems: 24 clients ask for big
// pages and never read. They hold their connections, not the query
// slots: another /items answers at once.
func TestHostile_NonReadingClientsDoNotStallItems(t *testing.T) {
	// The write timeout (the default 30 s) outlasts the test: no stalled
	// write is cut before the probe.
	ts := newTestServer(t)
	addAirfields(t, ts, 1000)
	base := serveLoopback(t, ts, func(l net.Listener) net.Listener { return smallBuffers{l} })
	stallItems(t, base, 24)
	// Let their queries run (a slow store takes seconds for 24): then,
	// with the fix, all 24 are stalled in writes and hold no slot; without
	// it, 8 of them hold every slot until their writes time out.
	settled := eventually(15*time.Second, func() bool { return metric(t, base, "sitmap_query_slots_in_use") == "0" })
	t.Logf("queries done and slots free: %v", settled)

	client := &http.Client{Timeout: 3 * time.Second}
	start := time.Now()
	resp, err := client.Get(base + "/collections/airfields/items?limit=10")
	if err != nil {
		t.Fatalf("another /items while 24 clients do not read: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another /items: %d", resp.StatusCode)
	}
	t.Logf("another /items answered in %v", time.Since(start))
}

// TestHostile_StalledWritesAreCut: a client that never reads is cut after
// the write timeout, so it holds neither a goroutine nor a page's buffer
// for longer.
func TestHostile_StalledWritesAreCut(t *testing.T) {
	ts := newTestServer(t, withTimeouts(web.Timeouts{Write: time.Second}))
	addAirfields(t, ts, 1000)
	base := serveLoopback(t, ts, func(l net.Listener) net.Listener { return smallBuffers{l} })
	stallItems(t, base, 4)
	// Nobody reads a byte, yet every stalled write ends.
	waitFor(t, 10*time.Second, "stalled writes still in flight", func() bool { return metric(t, base, inflightItems) == "0" })
}

// TestHostile_SlowBodyIsCut: a body sent a byte at a time is cut at the
// read timeout with a 408, not read for as long as the client likes.
func TestHostile_SlowBodyIsCut(t *testing.T) {
	logs := &syncBuffer{}
	ts := newTestServer(t, withTimeouts(shortTimeouts), withLog(logs))
	base := serveLoopback(t, ts, nil)
	c := rawConn(t, base)
	fmt.Fprintf(c, "POST /collections/border-crossings/items HTTP/1.1\r\nHost: sitmap.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/geo+json\r\nContent-Length: 100000\r\n\r\n", ts.token)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(shortTimeouts.Read + 3*time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within the read timeout and 3 s: %v", err)
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusRequestTimeout || took > shortTimeouts.Read+2*time.Second {
		t.Fatalf("slow body: %d after %v, want 408 within about %v", resp.StatusCode, took, shortTimeouts.Read)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a slow client is logged as an error:\n%s", logs)
	}
}

// TestHostile_MidBodyDisconnect: a client that hangs up halfway through
// its body is a client's mistake: logged at info, never counted as a 500.
func TestHostile_MidBodyDisconnect(t *testing.T) {
	logs := &syncBuffer{}
	ts := newTestServer(t, withTimeouts(shortTimeouts), withLog(logs))
	base := serveLoopback(t, ts, nil)
	before := ts.count("border-crossings")
	c := rawConn(t, base)
	fmt.Fprintf(c, "POST /collections/border-crossings/items HTTP/1.1\r\nHost: sitmap.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n%s", ts.token, len(newCrossing), newCrossing[:len(newCrossing)/2])
	c.Close()
	waitFor(t, 5*time.Second, "no request log line for the cut POST", func() bool {
		return strings.Contains(logs.String(), "route=createFeatures")
	})
	log := logs.String()
	if strings.Contains(log, "level=ERROR") || !regexp.MustCompile(`level=INFO msg=request method=POST .*status=(400|499)`).MatchString(log) {
		t.Errorf("a mid-body disconnect must be logged at info as a 400 or 499:\n%s", log)
	}
	if got := metric(t, base, `sitmap_http_requests_total{route="createFeatures",status="500"}`); got != "" {
		t.Errorf("counted as a 500 (%s times)", got)
	}
	if n := ts.count("border-crossings"); n != before {
		t.Errorf("%d features after a cut body, want %d", n, before)
	}
}

// TestHostile_MalformedQueries: a query string that does not parse, an
// unknown parameter or one given twice is a 400 naming it, on every route
// (tiles included), never an answer that ignored part of the request.
func TestHostile_MalformedQueries(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct{ target, field string }{
		{"/collections/airfields/items?limit=1;foo=bar", "query"},
		{"/collections/airfields/items?limit=1&%zz=1", "query"},
		{"/collections/airfields/items?limit=1%", "query"},
		{"/collections/airfields/items?limit=1&status=active%", "query"},
		{"/collections/airfields/items?foo=1", "foo"},
		{"/collections/airfields/items?=1", ""},
		{"/collections/airfields/items/airfield-machulishchy?f=json;x=1", "query"},
		{"/collections/airfields/items/airfield-machulishchy?limit=1", "limit"},
		{"/tiles/all/0/0/0.mvt?foo=bar", "foo"},
		{"/tiles/all/0/0/0.mvt?datetime=2025-09-12%", "query"},
		{"/tiles/all/0/0/0.mvt?datetime=2025-09-12&datetime=2025-09-13", "datetime"},
		{"/tiles/all.json?x=1", "x"},
		{"/collections/airfields/tiles/WebMercatorQuad/0/0/0?foo=1", "foo"},
		{"/tileMatrixSets?bbox=1,2,3,4", "bbox"},
		{"/?f=json&f=html", "f"},
		{"/?%", "query"},
		{"/collections?;", "query"},
		{"/conformance?x", "x"},
		{"/api?f=json&y=2", "y"},
		{"/events?x=1", "x"},
		{"/healthz?x=1", "x"},
		{"/metrics?%zz", "query"},
		{"/static/page/app.js?v=1", "v"},
	}
	for _, tt := range tests {
		// Bounded: were /events to accept its query, it would stream.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req := httptest.NewRequest("GET", tt.target, nil).WithContext(ctx)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		ts.srv.ServeHTTP(rec, req)
		cancel()
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400: %.200s", tt.target, rec.Code, rec.Body)
			continue
		}
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["code"] == "" || body["description"] == "" || body["field"] != tt.field {
			t.Errorf("GET %s: body %s, want code, description and field %q", tt.target, rec.Body, tt.field)
		}
	}
	// What is declared still works.
	for _, target := range []string{"/tiles/all/0/0/0.mvt?datetime=2025-09-12", "/tiles/all.json?f=json", "/collections?f=json",
		"/collections/airfields/items?limit=1&status=active", "/collections/airfields/tiles?f=json",
		"/tileMatrixSets/WebMercatorQuad?f=json", "/collections/airfields/items/airfield-lida?as_of=2030-01-01&datetime=2025-09-12",
		"/collections/airfields/tiles/WebMercatorQuad/6/20/36?as_of=2030-01-01&datetime=2025-09-12"} {
		if rec := ts.get(target, "Accept", "application/json"); rec.Code != 200 && rec.Code != 204 {
			t.Errorf("GET %s: %d: %s", target, rec.Code, rec.Body)
		}
	}
}

// TestHostile_ForwardedHeaders: X-Forwarded-Host and -Proto steer links
// and Location only with TrustProxy, and then responses vary on them;
// BaseURL always wins.
func TestHostile_ForwardedHeaders(t *testing.T) {
	fwd := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}
	tests := []struct {
		name       string
		base       string
		trust      bool
		wantPrefix string
		wantVary   bool
	}{
		{"untrusted", "", false, "http://example.com/", false},
		{"trusted", "", true, "https://evil.example/", true},
		{"base URL wins", "https://maps.example", true, "https://maps.example/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *web.Config) { c.BaseURL, c.TrustProxy = tt.base, tt.trust })
			rec := ts.get("/collections?f=json", fwd...)
			v := decode(t, rec.Body.Bytes())
			for _, l := range linksOf(t, v) {
				if href := l["href"].(string); !strings.HasPrefix(href, tt.wantPrefix) {
					t.Errorf("link %s, want it under %s", href, tt.wantPrefix)
				}
			}
			vary := strings.Join(rec.Header().Values("Vary"), ", ")
			if got := strings.Contains(vary, "X-Forwarded-Host") && strings.Contains(vary, "X-Forwarded-Proto"); got != tt.wantVary {
				t.Errorf("Vary %q: varies on forwarded headers %v, want %v", vary, got, tt.wantVary)
			}
			res := ts.write("POST", "/collections/border-crossings/items", newCrossing, fwd...)
			if loc := res.Header.Get("Location"); res.Code != 201 || !strings.HasPrefix(loc, tt.wantPrefix) {
				t.Errorf("POST: %d Location %q, want it under %s", res.Code, loc, tt.wantPrefix)
			}
		})
	}
}

// TestHostile_Limits: each limit of a feature is a 400 naming the field,
// over HTTP, and stores nothing.
func TestHostile_Limits(t *testing.T) {
	ts := newTestServer(t)
	with := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[23.5,52.1]},"properties":{"name":"Test","country":"PL",
"status":"open","confidence":"reported","sources":[{"title":"Test source"}]` + props + `}}`
	}
	entries := strings.TrimSuffix(strings.Repeat(`{"from":"2025-09-12","status":"open"},`, 1001), ",")
	sources := strings.TrimSuffix(strings.Repeat(`{"title":"s"},`, 101), ",")
	tests := []struct{ name, body, field string }{
		{"altitude", strings.Replace(with(""), "[23.5,52.1]", "[27,53,100]", 1), "geometry.coordinates"},
		{"long name", with(`,"name":"` + strings.Repeat("n", 501) + `"`), "properties.name"},
		{"million-character name", with(`,"name":"` + strings.Repeat("n", 1_000_000) + `"`), "properties.name"},
		{"long description", with(`,"description":"` + strings.Repeat("d", 20_001) + `"`), "properties.description"},
		{"deep unknown property", with(`,"x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000)), "properties.x"},
		{"long timeline", with(`,"timeline":[` + entries + `]`), "properties.timeline"},
		{"many sources", with(`,"sources":[` + sources + `]`), "properties.sources"},
		{"invalid UTF-8", with(`,"description":"caf` + "\xe9" + `"`), "body"},
		{"lone surrogate", with(`,"description":"\udc00"`), "body"},
		{"NUL in the name", with(`,"name":"Brest\u0000"`), "properties.name"},
		{"BEL in the name", with(`,"name":"Brest\u0007"`), "properties.name"},
		{"RLO in the name", with(`,"name":"Brest\u202e"`), "properties.name"},
	}
	before := ts.count("border-crossings")
	for _, tt := range tests {
		res := ts.write("POST", "/collections/border-crossings/items", tt.body)
		var body map[string]string
		if res.Code != 400 || json.Unmarshal(res.Body, &body) != nil || body["field"] != tt.field {
			t.Errorf("%s: %d %.300s, want 400 naming %s", tt.name, res.Code, res.Body, tt.field)
		}
	}
	if n := ts.count("border-crossings"); n != before {
		t.Errorf("%d features after refused writes, want %d", n, before)
	}
}

// TestHostile_SecurityHeaders: the page and the API forbid inline script
// and framing, sniffing and Referer leaks; the page has no inline script
// for the policy to break; a tile, no document, forbids sniffing and
// allows nothing.
func TestHostile_SecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	for _, target := range []string{"/tiles/all/6/36/20.mvt", "/tiles/all/6/36/20.mvt?bad=1", "/tiles/nosuchset/6/36/20.mvt"} {
		h := ts.get(target, "Accept", "text/html").Header()
		if csp := h.Get("Content-Security-Policy"); csp != "default-src 'none'; frame-ancestors 'none'" {
			t.Errorf("GET %s: Content-Security-Policy %q, want one that allows nothing", target, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", target, h.Get("X-Content-Type-Options"))
		}
	}
	for _, target := range []string{"/", "/collections?f=json", "/collections/airfields/items?f=html", "/collections/airfields/tiles",
		"/static/page/app.js", "/no/such/thing", "/collections/airfields/items?bad=1"} {
		rec := ts.get(target, "Accept", "text/html")
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || regexp.MustCompile(`script-src[^;]*unsafe-inline`).MatchString(csp) {
			t.Errorf("GET %s: Content-Security-Policy %q allows inline script", target, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: nosniff %q, Referrer-Policy %q, X-Frame-Options %q", target,
				h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("X-Frame-Options"))
		}
	}
	page := ts.get("/", "Accept", "text/html").Body.String()
	for _, m := range regexp.MustCompile(`(?i)<script\b[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(m, "src=") {
			t.Errorf("the page has an inline script: %s", m)
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).FindString(page); m != "" {
		t.Errorf("the page has an inline event handler: %s", m)
	}
	// An online basemap is allowed as an image source, and only it.
	ts = newTestServer(t, func(c *web.Config) { c.BasemapURL = "https://{s}.tile.example.org/{z}/{x}/{y}.png" })
	if csp := ts.get("/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tile.example.org;") {
		t.Errorf("with a basemap: %q", csp)
	}
}

// TestHostile_LastEventIDBeyondCurrent: an id the server never reached
// resumes from now, said in a first "reset" event, and the stream then
// gets the changes (before, it waited for an id that never came). The
// stream also outlives the read timeout.
func TestHostile_LastEventIDBeyondCurrent(t *testing.T) {
	ts := newTestServer(t, withTimeouts(shortTimeouts))
	base := serveLoopback(t, ts, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	req.Header.Set("Last-Event-ID", "999999")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string) string {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the stream ended before a line %q", prefix)
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-ctx.Done():
				t.Fatalf("no line %q", prefix)
			}
		}
	}
	if l := next("event: "); l != "event: reset" {
		t.Fatalf("first event %q, want a reset", l)
	}
	if l := next("data: "); !strings.Contains(l, `"lastEventId":999999`) {
		t.Errorf("reset data %s", l)
	}
	if got := metric(t, base, "sitmap_events_streams_open"); got != "1" {
		t.Errorf("sitmap_events_streams_open %q, want 1", got)
	}
	<-time.After(2 * shortTimeouts.Read) // past the read timeout: the stream must live on
	if res := ts.write("POST", "/collections/border-crossings/items", newCrossing); res.Code != 201 {
		t.Fatalf("POST %d", res.Code)
	}
	if l := next("data: "); !strings.Contains(l, `"type":"created"`) {
		t.Errorf("after the reset: %s", l)
	}
}

// TestHostile_IdleConnectionsClose: a keep-alive connection with no next
// request is closed after the idle timeout.
func TestHostile_IdleConnectionsClose(t *testing.T) {
	ts := newTestServer(t, withTimeouts(shortTimeouts))
	base := serveLoopback(t, ts, nil)
	c := rawConn(t, base)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: sitmap.test\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(shortTimeouts.Idle + 3*time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection after %v: %v, want the server to close it (EOF)", time.Since(start), err)
	}
}

// TestHostile_MetricsGauges: goroutines, requests in flight by route and
// query-slot waits are exported.
func TestHostile_MetricsGauges(t *testing.T) {
	ts := newTestServer(t)
	body := ts.get("/metrics").Body.String()
	for _, want := range []string{"sitmap_goroutines ", `sitmap_http_requests_in_flight{route="getMetrics"} 1`,
		`sitmap_http_requests_in_flight{route="getFeatures"} 0`, "sitmap_events_streams_open 0",
		"sitmap_query_slot_waits_total 0", "sitmap_query_slot_wait_seconds_total 0", "sitmap_query_slots_in_use 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestHTTPServerConnectionsTakeTurns: connections served by HTTPServer
// take turns (middleware.Turns, the first request on a connection gives
// one), and /metrics counts them; requests served without its
// ConnContext never yield.
func TestHTTPServerConnectionsTakeTurns(t *testing.T) {
	ts := newTestServer(t)
	ts.get("/collections")
	if got := ts.get("/metrics").Body.String(); !strings.Contains(got, "\nsitmap_connection_turns_total 0\n") {
		t.Fatalf("in process, turns were counted:\n%s", got)
	}
	base := serveLoopback(t, ts, nil)
	resp, err := http.Get(base + "/collections")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n, _ := strconv.Atoi(metric(t, base, "sitmap_connection_turns_total")); n < 1 {
		t.Errorf("sitmap_connection_turns_total %d after a request through HTTPServer, want at least 1", n)
	}
}
