package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/sitmap/sitmap/internal/gzpool"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// named records which route served the request, for logs and metrics.
func named(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri := api.InfoOf(r.Context()); ri != nil {
			ri.Route = name
		}
		h.ServeHTTP(w, r)
	})
}

// serveRoute serves one route: it records the route for logs and metrics,
// counts the request in flight, and rejects a query string that does
// not parse or (see query.Check) holds parameters the route does not take.
func (s *Server) serveRoute(rt api.Route, h http.Handler) http.Handler {
	allowed := query.Names(rt)
	inflight := s.metrics.inflight[rt.Name]
	eh := s.errorHandler(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri := api.InfoOf(r.Context()); ri != nil {
			ri.Route = rt.Name
		}
		inflight.Add(1)
		defer inflight.Add(-1)
		if r.URL.RawQuery != "" {
			if err := query.Check(r.URL.RawQuery, allowed); err != nil {
				eh.Fail(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// middleware wraps the router: request id, security headers, deadlines,
// log line and metrics outermost, then CORS, then gzip. OPTIONS requests
// that are not CORS preflights go to options.
func (s *Server) middleware(next, options http.Handler) http.Handler {
	next = gzipHandler(next)
	next = cors(next, options, s.allowed)
	vary := s.cfg.TrustProxy && s.cfg.BaseURL == ""
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 128 || strings.ContainsAny(id, "\r\n") {
			id = newRequestID()
		}
		h := w.Header()
		h.Set("X-Request-ID", id)
		for k, v := range s.securityHeaders {
			h[k] = v
		}
		if vary {
			// Links depend on these headers: a shared cache must not hand
			// one client's links to another.
			h["Vary"] = hdrVaryForwarded
		}
		ri := &api.Info{}
		ctx := api.WithRequest(r.Context(), id, ri)
		rec := &recorder{ResponseWriter: w, info: ri, rc: http.NewResponseController(w), writeTimeout: s.cfg.Timeouts.Write}
		rec.extendWrite()
		if r.Body == nil || r.Body == http.NoBody {
			// The server's read deadline covers headers and body; with no
			// body left to read it would only cancel a long answer (an
			// event stream) through net/http's background read.
			_ = rec.rc.SetReadDeadline(time.Time{})
		}
		next.ServeHTTP(rec, r.WithContext(ctx))
		s.logRequest(r, ri, id, time.Since(start))
	})
}

var hdrVaryForwarded = []string{"X-Forwarded-Host, X-Forwarded-Proto"}

func (s *Server) logRequest(r *http.Request, ri *api.Info, id string, d time.Duration) {
	if ri.Status == 0 {
		ri.Status = http.StatusOK
	}
	route := ri.Route
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(route, ri.Status, d)
	attrs := []any{"method", r.Method, "path", logTarget(r.URL), "status", ri.Status,
		"bytes", ri.Bytes, "duration", d, "request_id", id, "route", route}
	if ri.Err != "" {
		attrs = append(attrs, "err", ri.Err)
	}
	s.log.Info("request", attrs...)
}

// securityHeaders are the browser protections of every response: the
// page runs only its own scripts (no inline script), reaches only its
// own origin (and the operator's online basemap, when there is one), is
// never framed, and leaks no URLs in Referer. Inline styles stay allowed:
// Leaflet and milsymbol set them, and styles run no code.
func securityHeaders(basemapURL string) http.Header {
	img := "'self' data: blob:"
	if src := basemapSource(basemapURL); src != "" {
		img += " " + src
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.Header{
		"Content-Security-Policy": {csp},
		"X-Content-Type-Options":  {"nosniff"},
		"Referrer-Policy":         {"no-referrer"},
		"X-Frame-Options":         {"DENY"},
	}
}

// basemapSource is the CSP source of an online basemap template: its
// origin, with a {s} (or any {…}) subdomain as a wildcard; "" when the
// template is not an http(s) URL with a plain host.
func basemapSource(template string) string {
	scheme, rest, ok := strings.Cut(template, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if strings.HasPrefix(host, "{") {
		if _, domain, ok := strings.Cut(host, "."); ok {
			host = "*." + domain
		}
	}
	if host == "" || strings.Trim(host, "*.-:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return ""
	}
	return scheme + "://" + host
}

// logTarget is the path and query string for the request log, with the
// values of parameters that may carry a secret replaced: writes take their
// token from the Authorization header, which is never logged, but a client
// may still put one in the URL.
func logTarget(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretParam(name) {
			parts[i] = k + "=REDACTED"
		}
	}
	return u.Path + "?" + strings.Join(parts, "&")
}

// secretParam reports whether a query parameter's name suggests a secret.
func secretParam(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"token", "key", "secret", "password", "passwd", "auth", "signature", "session"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// requestIDs are a random per-process prefix and a counter: unique across
// replicas, and cheap enough for every cached tile.
var (
	requestIDPrefix = func() string {
		var b [4]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:]) + "-"
	}()
	requestCounter atomic.Uint64
)

func newRequestID() string {
	return requestIDPrefix + strconv.FormatUint(requestCounter.Add(1), 36)
}

// recorder notes the status and the bytes sent, and gives every write
// its own deadline: a client that stops reading is cut after one write
// timeout, while a stream that keeps flowing lives on.
type recorder struct {
	http.ResponseWriter
	info         *api.Info
	rc           *http.ResponseController
	writeTimeout time.Duration
}

func (r *recorder) extendWrite() {
	_ = r.rc.SetWriteDeadline(time.Now().Add(r.writeTimeout))
}

func (r *recorder) WriteHeader(code int) {
	if r.info.Status == 0 {
		r.info.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.info.Status == 0 {
		r.info.Status = http.StatusOK
	}
	r.extendWrite()
	n, err := r.ResponseWriter.Write(b)
	r.info.Bytes += int64(n)
	return n, err
}

func (r *recorder) Flush() {
	r.extendWrite()
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// cors lets pages on any origin read (GET, HEAD) the API; writes stay
// same-origin, whatever the route allows. Preflights are answered here;
// other OPTIONS requests (QGIS asks which methods a layer offers) go to
// options.
func cors(next, options http.Handler, allowed func(*http.Request) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Location, Link, X-Request-ID, Content-Crs")
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Access-Control-Request-Method") == "" {
			options.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Language, If-None-Match, Last-Event-ID, X-Request-ID, Cache-Control")
		h.Set("Access-Control-Max-Age", "86400")
		allow, ok := allowed(r)
		if !ok {
			allow = "GET, HEAD, OPTIONS"
		}
		h.Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
	})
}

// compressible lists the content types worth compressing; images, tiles
// that arrive compressed and event streams are left alone.
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	switch {
	case ct == "text/event-stream":
		return false
	case strings.HasPrefix(ct, "text/"),
		strings.HasSuffix(ct, "json"),
		strings.HasSuffix(ct, "+json"),
		strings.HasPrefix(ct, "application/vnd.oai.openapi"),
		ct == "application/javascript", ct == "image/svg+xml", ct == "application/xml",
		ct == "application/vnd.mapbox-vector-tile", ct == "application/x-protobuf":
		return true
	}
	return false
}

// gzipHandler compresses responses for clients that accept gzip. The
// decision is made when the header is written, from the content type.
func gzipHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Representations depend on Accept (JSON or HTML) and on
		// Accept-Encoding; caches must key on both.
		w.Header().Add("Vary", "Accept, Accept-Encoding")
		if !api.AcceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	gz      *gzip.Writer
	decided bool
}

func (g *gzipWriter) WriteHeader(code int) {
	if !g.decided {
		g.decided = true
		h := g.Header()
		if code != http.StatusNoContent && code != http.StatusNotModified && code != http.StatusPartialContent && code >= 200 &&
			h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			// klauspost/compress at its fastest level compresses a
			// 100-feature page in less than half the time of the standard
			// library, to a smaller size.
			g.gz = gzpool.Get(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *gzipWriter) Flush() {
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close()
		gzpool.Put(g.gz)
		g.gz = nil
	}
}
