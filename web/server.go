package web

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/middleware"
	"github.com/sitmap/sitmap/web/tileapi"
)

// Config is what the server needs; cmd/sitmap fills it from flags.
type Config struct {
	Store store.Store
	// Assets is the embedded asset tree (page/, vendor/, ...).
	Assets fs.FS
	// Token enables writes; empty means read-only.
	Token string
	// TokenName is the editor that writes with Token record (default admin).
	TokenName string
	// BaseURL, when set, is used for absolute links instead of the
	// request's scheme and host.
	BaseURL string
	// TrustProxy takes the scheme and host of links from X-Forwarded-Proto
	// and X-Forwarded-Host (BaseURL wins when set). Only a server behind a
	// proxy that sets them may trust them: any client can send them.
	TrustProxy bool
	// Timeouts bound what one connection may hold; zero fields take
	// DefaultTimeouts. HTTPServer applies them.
	Timeouts Timeouts
	// TileCacheBytes bounds the in-memory tile cache.
	TileCacheBytes int64
	// BasemapURL is an optional online raster basemap template for the page.
	BasemapURL string
	Log        *slog.Logger
	// AccessLog, when set, takes each request's log line, written by hand
	// in the format Log's text handler would give it (it is a large part
	// of what a cached tile costs through slog); nil: the lines go to Log.
	AccessLog io.Writer
	// Version is the program version for the landing page, the OpenAPI
	// document and metrics (empty: DevVersion).
	Version string
	// FilterTimeout bounds the evaluation of one request's CQL2 filter
	// (0: 10 s); past it the request is a 400 naming the filter.
	FilterTimeout time.Duration
}

// Timeouts bound how long a connection may hold the server.
type Timeouts struct {
	// ReadHeader bounds the request line and headers.
	ReadHeader time.Duration
	// Read bounds a request's body, from when its headers are in.
	Read time.Duration
	// Write bounds each write of a response (not the whole response, so
	// that event streams and large pages to slow links live on while the
	// client keeps reading).
	Write time.Duration
	// Idle bounds a keep-alive connection between requests.
	Idle time.Duration
}

// DefaultTimeouts: 10 s for headers; 60 s for a request with its body (a
// 32 MiB body needs 0.5 MiB/s); 30 s for each write of at most 256 KiB
// (a client reading under 9 KiB/s is cut); 120 s idle, beyond the 60 s
// keep-alive of a proxy in front, so the proxy closes first.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 60 * time.Second,
	Write: 30 * time.Second, Idle: 120 * time.Second}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	for _, p := range []struct{ v, def *time.Duration }{{&t.ReadHeader, &d.ReadHeader}, {&t.Read, &d.Read},
		{&t.Write, &d.Write}, {&t.Idle, &d.Idle}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return t
}

// Server is the HTTP side of sitmap.
type Server struct {
	cfg     Config
	log     *slog.Logger
	routes  []api.Route
	router  *mux.Router
	handler http.Handler
	// tileRoute is the tile route's handler, which the middleware calls
	// directly for tile requests.
	tileRoute http.Handler
	metrics   *middleware.Metrics
	events    *feed
	cancel    context.CancelFunc
	// querySlots bounds the item queries that run at once, so that a burst
	// of requests (or of clients that give up) cannot swamp the CPUs.
	querySlots chan struct{}
	// exportSlots bounds the file exports (whole collections) that run at once.
	exportSlots chan struct{}
	// staticTags caches the content hash of each served asset file.
	staticTags sync.Map
	// allow lists the methods of each path, for OPTIONS and 405s.
	allow  []pathMethods
	tokens tokenCache // named editors (tokens.go)
	// documentHeaders are set on every response but tiles (see
	// middleware.DocumentHeaders).
	documentHeaders middleware.HeaderSet
	// turns make a busy keep-alive connection yield between requests.
	turns *middleware.Turns
	// deadlines are Config.Timeouts' read and write, which the middleware
	// applies.
	deadlines middleware.Deadlines
	// access writes the request log lines when Config.AccessLog is set.
	access *middleware.AccessLog
}

// connTurn is how long a connection may serve requests back to back
// before it yields its processor to the requests queued behind it.
const connTurn = 500 * time.Microsecond

// DevVersion is the version of a build without the Makefile's
// -X main.version: cmd/sitmap's default and the server's, one word.
const DevVersion = "dev"

// New builds a server; call Close when done to stop background work.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.FilterTimeout <= 0 {
		cfg.FilterTimeout = defaultFilterTimeout
	}
	if cfg.Version == "" {
		cfg.Version = DevVersion
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: cfg.Log, cancel: cancel,
		querySlots: make(chan struct{}, 4*runtime.GOMAXPROCS(0)), exportSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	s.documentHeaders = middleware.DocumentHeaders(cfg.BasemapURL)
	s.deadlines = middleware.Deadlines{Read: cfg.Timeouts.Read, Write: cfg.Timeouts.Write}
	if cfg.AccessLog != nil {
		s.access = middleware.NewAccessLog(cfg.AccessLog)
	}
	s.events = newFeed(ctx, cfg.Store, eventRing)
	s.routes = s.allRoutes()
	s.allow = s.allowTable()
	s.metrics = middleware.NewMetrics(routeNames(s.routes))
	s.turns = middleware.NewTurns(connTurn)
	s.turns.Yield = func() {
		s.metrics.Turns.Add(1)
		runtime.Gosched()
	}
	s.router = mux.NewRouter()
	s.router.NotFoundHandler = s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		return api.NotFound("no resource at " + r.URL.Path)
	})
	s.router.MethodNotAllowedHandler = s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		return api.MethodNotAllowed(r.Method + " is not allowed on " + r.URL.Path)
	})
	for _, rt := range s.routes {
		methods := []string{rt.Method}
		if rt.Method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
		h := s.serveRoute(rt, s.errorHandler(rt.Handle))
		s.router.Handle(rt.Path, h).Methods(methods...).Name(rt.Name)
		if rt.Path == tileapi.TilePath {
			s.tileRoute = h
		}
	}
	s.handler = s.middleware(s.router, named("options", s.errorHandler(s.handleOptions)))
	return s
}

func (s *Server) errorHandler(fn api.HandlerFunc) api.Handler {
	return api.Handler{Fn: fn, Log: s.log, Allow: s.allowed}
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// HTTPServer is an http.Server for s with its timeouts and connections
// that take turns (middleware.Turns); the errors net/http logs (bad TLS
// handshakes, broken clients) go to the log at info. Serve it on
// Listener(ln).
func (s *Server) HTTPServer() *http.Server {
	t := s.cfg.Timeouts
	// No ReadTimeout: the middleware gives only a request with a body its
	// read deadline (middleware.NewRecorder).
	return &http.Server{Handler: s, ReadHeaderTimeout: t.ReadHeader, IdleTimeout: t.Idle,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelInfo), ConnContext: middleware.ConnContext}
}

// Listener is ln with connections that send an answer's headers and a
// large body in one write (middleware.Listener).
func Listener(ln net.Listener) net.Listener { return middleware.Listener(ln) }

// Close stops background work: the change feed and its open streams.
func (s *Server) Close() error {
	s.cancel()
	return nil
}

func (s *Server) allRoutes() []api.Route {
	// Tiles first: mux tries routes in order, and tile requests are the
	// most frequent by far.
	var rs []api.Route
	rs = append(rs, tileapi.New(tileapi.Config{Store: s.cfg.Store, Assets: s.cfg.Assets, CacheBytes: s.cfg.TileCacheBytes,
		FilterTimeout: s.cfg.FilterTimeout, Base: s.base, Log: s.log.Info}).Routes()...)
	rs = append(rs, s.coreRoutes()...)
	rs = append(rs, s.featureRoutes()...)
	rs = append(rs, s.schemaRoute())
	rs = append(rs, s.historyRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.serviceRoutes()...)
	return rs
}

// hasRoute reports whether a route with this path template is served, so
// links point only at what exists.
func (s *Server) hasRoute(path string) bool {
	for _, rt := range s.routes {
		if api.OpenAPIPath(rt.Path) == path {
			return true
		}
	}
	return false
}

// base is the absolute URL prefix links start with: Config.BaseURL, or
// the scheme and host the request came in on. X-Forwarded-Proto and
// X-Forwarded-Host count only with Config.TrustProxy: any client can send
// them, and links (and Location) would point wherever it says.
func (s *Server) base(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		fh, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
		if fh = strings.TrimSpace(fh); fh != "" && !strings.ContainsAny(fh, "/\\ @") {
			host = fh
		}
	}
	return scheme + "://" + host
}

func routeNames(rs []api.Route) []string {
	out := make([]string, len(rs))
	for i, rt := range rs {
		out[i] = rt.Name
	}
	return out
}

// allowOrder is the order methods are listed in Allow headers.
var allowOrder = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// pathMethods is one path template of the route table and the methods it
// answers on this server.
type pathMethods struct {
	match *mux.Route // matches the path only, whatever the method
	allow string
}

// allowTable groups the routes by path. Writes are listed only when a
// token is configured: a read-only server does not offer them, and QGIS
// enables editing exactly for the methods that OPTIONS lists.
func (s *Server) allowTable() []pathMethods {
	scratch := mux.NewRouter()
	byPath := map[string][]string{}
	var order []string
	for _, rt := range s.routes {
		if _, ok := byPath[rt.Path]; !ok {
			order = append(order, rt.Path)
		}
		switch rt.Method {
		case http.MethodGet:
			byPath[rt.Path] = append(byPath[rt.Path], http.MethodGet, http.MethodHead)
		case http.MethodHead:
			byPath[rt.Path] = append(byPath[rt.Path], http.MethodHead)
		default:
			if s.cfg.Token != "" {
				byPath[rt.Path] = append(byPath[rt.Path], rt.Method)
			}
		}
	}
	out := make([]pathMethods, 0, len(order))
	for _, p := range order {
		methods := append(byPath[p], http.MethodOptions)
		var list []string
		for _, m := range allowOrder {
			if slices.Contains(methods, m) {
				list = append(list, m)
			}
		}
		out = append(out, pathMethods{match: scratch.NewRoute().Path(p), allow: strings.Join(list, ", ")})
	}
	return out
}

// allowed is the Allow header for the request's path; false when no
// route has that path.
func (s *Server) allowed(r *http.Request) (string, bool) {
	for _, pm := range s.allow {
		var m mux.RouteMatch
		if pm.match.Match(r, &m) {
			return pm.allow, true
		}
	}
	return "", false
}

// handleOptions answers OPTIONS (after the CORS middleware has added its
// headers): 204 with the methods of the route, or 404 for no route.
func (s *Server) handleOptions(w http.ResponseWriter, r *http.Request) error {
	allow, ok := s.allowed(r)
	if !ok {
		return api.NotFound("no resource at " + r.URL.Path)
	}
	w.Header().Set("Allow", allow)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
