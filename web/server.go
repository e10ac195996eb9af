// Package web serves sitmap over HTTP: OGC API – Features, vector tiles,
// OGC API – Tiles, the change feed and the map page. It is the only package
// that knows net/http and gorilla/mux.
package web

import (
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/internal/store"
)

// Config is what the server needs; cmd/sitmap fills it from flags.
type Config struct {
	Store store.Store
	// Assets is the embedded asset tree (page/, vendor/, ...).
	Assets fs.FS
	// Token enables writes; empty means read-only.
	Token string
	// BaseURL, when set, is used for absolute links instead of the
	// request's scheme and host.
	BaseURL string
	// TileCacheBytes bounds the in-memory tile cache.
	TileCacheBytes int64
	// BasemapURL is an optional online raster basemap template for the page.
	BasemapURL string
	Log        *slog.Logger
	// Version is the program version for the landing page and metrics.
	Version string
}

// route is one operation: the router and the OpenAPI document are both
// built from the list of routes, so they cannot drift apart.
type route struct {
	Method  string
	Path    string // mux template, e.g. /collections/{collectionId}/items
	Name    string // operationId
	Summary string
	Tags    []string
	Params  []param
	// Responses maps a status code to the content types it can carry.
	Responses map[string][]string
	Body      []string // request body content types, for writes
	Handle    handlerFunc
	Hidden    bool // left out of the OpenAPI document (static files)
}

// param is an OpenAPI parameter.
type param struct {
	Name        string
	In          string // path, query, header
	Description string
	Required    bool
	Schema      map[string]any
}

// Server is the HTTP side of sitmap.
type Server struct {
	cfg    Config
	log    *slog.Logger
	routes []route
	router *mux.Router
}

// New builds a server; call Close when done to stop background work.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Log}
	s.routes = s.allRoutes()
	s.router = mux.NewRouter()
	for _, rt := range s.routes {
		s.router.Handle(rt.Path, errorHandler{fn: rt.Handle, log: s.log}).Methods(rt.Method).Name(rt.Name)
	}
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Close stops background work.
func (s *Server) Close() error { return nil }

func (s *Server) allRoutes() []route {
	var rs []route
	rs = append(rs, s.tileRoutes()...)
	return rs
}
