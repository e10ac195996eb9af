package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/openapi"
	"github.com/sitmap/sitmap/web/query"
	"github.com/sitmap/sitmap/web/tileapi"
)

// Conformance classes this server implements.
const (
	confCore       = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	confOAS30      = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	confGeoJSON    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	confHTML       = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
	confQueryables = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
	confQParams    = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"
	confCRD        = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"
)

// pagePath is the map page inside Config.Assets.
const pagePath = "page/index.html"

func (s *Server) coreRoutes() []api.Route {
	jsonHTML := map[string][]string{"200": {api.MediaJSON, api.MediaHTML}}
	return []api.Route{
		{Method: http.MethodGet, Path: "/", Name: "getLandingPage", Summary: "Landing page (browsers get the map page)",
			Tags: []string{"Capabilities"}, Params: []api.Param{api.FParam, pageTestParam}, Responses: jsonHTML, Handle: s.handleLanding},
		{Method: http.MethodGet, Path: "/conformance", Name: "getConformance", Summary: "Conformance classes implemented by this server",
			Tags: []string{"Capabilities"}, Params: []api.Param{api.FParam}, Responses: jsonHTML, Handle: s.handleConformance},
		{Method: http.MethodGet, Path: "/api", Name: "getAPI", Summary: "This API definition (OpenAPI 3.0)",
			Tags: []string{"Capabilities"}, Params: []api.Param{api.FParam}, Responses: map[string][]string{"200": {api.MediaOpenAPI, api.MediaHTML}}, Handle: s.handleAPI},
		{Method: http.MethodGet, Path: "/api.html", Name: "getAPIDocumentation", Summary: "This API definition, readable",
			Tags: []string{"Capabilities"}, Responses: map[string][]string{"200": {api.MediaHTML}}, Handle: s.handleAPIHTML},
		{Method: http.MethodGet, Path: "/collections", Name: "getCollections", Summary: "The feature collections",
			Tags: []string{"Data"}, Params: []api.Param{api.FParam}, Responses: jsonHTML, Handle: s.handleCollections},
		{Method: http.MethodGet, Path: "/collections/{collectionId}", Name: "describeCollection", Summary: "One feature collection",
			Tags: []string{"Data"}, Params: []api.Param{collectionIDParam, api.FParam}, Responses: jsonHTML, Handle: s.handleCollection},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/queryables", Name: "getQueryables", Summary: "Properties the items operation filters on by equality (JSON Schema)",
			Tags: []string{"Data"}, Params: []api.Param{collectionIDParam, api.FParam}, Responses: map[string][]string{"200": {api.MediaSchema, api.MediaHTML}}, Handle: s.handleQueryables},
	}
}

var collectionIDParam = api.Param{Name: "collectionId", In: "path", Required: true,
	Description: "Collection id, e.g. airfields", Schema: map[string]any{"type": "string"}}

var featureIDParam = api.Param{Name: "featureId", In: "path", Required: true,
	Description: "Feature id, e.g. airfield-machulishchy", Schema: map[string]any{"type": "string"}}

type landingPage struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	ReadOnly    bool   `json:"readOnly"`
	Version     string `json:"version,omitempty"`
	// BasemapURL is the operator's online raster basemap, for the page.
	BasemapURL string     `json:"basemapURL,omitempty"`
	Links      []api.Link `json:"links"`
}

// pageTestParam is read by the map page, not the server: with it the page
// exposes its handles (window.sitmap) to the browser tests.
var pageTestParam = api.Param{Name: "test", In: "query",
	Description: "The map page exposes its test handles (window.sitmap) for browser tests; the server ignores it.",
	Schema:      map[string]any{"type": "string"}}

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) error {
	format, err := api.Negotiate(r, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	lp := s.landing(r, format)
	if format == api.FormatHTML {
		if s.cfg.Assets != nil {
			if b, err := fs.ReadFile(s.cfg.Assets, pagePath); err == nil {
				w.Header().Set("Cache-Control", "no-cache")
				return api.WriteBytes(w, http.StatusOK, "text/html; charset=utf-8", b)
			}
		}
		return api.WriteHTML(w, http.StatusOK, api.Page{Title: lp.Title, Description: lp.Description, Links: lp.Links,
			Facts: []api.Fact{{Name: "Writes", Value: map[bool]string{true: "read-only: no token configured", false: "enabled with a token"}[lp.ReadOnly]},
				{Name: "Version", Value: lp.Version}}})
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, lp)
}

func (s *Server) landing(r *http.Request, format api.Format) landingPage {
	b := s.base(r)
	links := api.FormatLinks(b+"/", r.URL.Query(), api.MediaJSON, format, "This document")
	links = append(links,
		api.Link{Href: b + "/api", Rel: "service-desc", Type: api.MediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
		api.Link{Href: b + "/api.html", Rel: "service-doc", Type: api.MediaHTML, Title: "The API documentation"},
		api.Link{Href: b + "/conformance", Rel: api.RelConformance, Type: api.MediaJSON, Title: "Conformance classes implemented"},
		api.Link{Href: b + "/collections", Rel: api.RelData, Type: api.MediaJSON, Title: "The feature collections"},
		api.Link{Href: b + "/events", Rel: "related", Type: api.MediaEventStream, Title: "Change feed (Server-Sent Events)"},
	)
	links = append(links, encodingLinks(b+"/collections/{collectionId}/items", "The features of a collection", true)...)
	if s.hasRoute("/tileMatrixSets") {
		links = append(links, api.Link{Href: b + "/tileMatrixSets", Rel: api.RelTilingSch, Type: api.MediaJSON, Title: "Tile matrix sets"})
	}
	if s.hasRoute("/tiles") {
		links = append(links, api.Link{Href: b + "/tiles", Rel: api.RelTilesVector, Type: api.MediaJSON, Title: "Vector tile sets"})
	}
	v := s.cfg.Version
	return landingPage{
		Title:       "sitmap",
		Description: "Situation map: OGC API – Features and vector tiles of the situation map layers.",
		ReadOnly:    s.cfg.Token == "",
		BasemapURL:  s.cfg.BasemapURL,
		Version:     v,
		Links:       links,
	}
}

// conformance lists the classes implemented, and nothing else.
func (s *Server) conformance() []string {
	out := []string{confCore, confOAS30, confGeoJSON, confHTML, confQueryables, confQParams}
	out = append(out, query.FilterConformance...)
	if s.cfg.Token != "" {
		out = append(out, confCRD)
	}
	return append(out, s.extraConformance()...)
}

func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) error {
	format, err := api.Negotiate(r, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	conf := s.conformance()
	if format == api.FormatHTML {
		p := api.Page{Title: "Conformance", Description: "The conformance classes this server implements.",
			Links: api.FormatLinks(s.base(r)+"/conformance", r.URL.Query(), api.MediaJSON, format, "This document"), RowsTitle: "Classes"}
		for _, c := range conf {
			p.Rows = append(p.Rows, api.Row{Href: c, Title: c})
		}
		return api.WriteHTML(w, http.StatusOK, p)
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{"conformsTo": conf})
}

// handleAPI serves the OpenAPI document, as JSON or as a page.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) error {
	format, err := api.Negotiate(r, api.MediaOpenAPI, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	if format == api.FormatHTML {
		return s.handleAPIHTML(w, r)
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaOpenAPI, openapi.Document(r.Context(), s.routes, s.cfg.Version, s.base(r)))
}

// handleAPIHTML is the OpenAPI document's page.
func (s *Server) handleAPIHTML(w http.ResponseWriter, r *http.Request) error {
	b := s.base(r)
	w.Header().Set("Cache-Control", "no-cache")
	return api.WriteHTML(w, http.StatusOK, openapi.Page(openapi.Document(r.Context(), s.routes, s.cfg.Version, b), b))
}

// extraConformance is the conformance of the other route groups served
// beside OGC API – Features Part 1: Part 2 (web/query/crs.go), Part 4's update
// when writes are enabled (web/patch.go) and the tiles (web/tileapi).
func (s *Server) extraConformance() []string {
	out := []string{query.CRSConformance, confSchemas}
	if s.cfg.Token != "" {
		out = append(out, confUpdate)
	}
	return append(out, tileapi.Conformance()...)
}

// staticTypes covers extensions the system MIME table may not know.
var staticTypes = map[string]string{
	".js":      "text/javascript; charset=utf-8",
	".mjs":     "text/javascript; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".html":    "text/html; charset=utf-8",
	".json":    "application/json",
	".geojson": "application/geo+json",
	".svg":     "image/svg+xml",
	".png":     "image/png",
	".woff2":   "font/woff2",
	".woff":    "font/woff",
	".map":     "application/json",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/markdown; charset=utf-8",
	".pbf":     "application/x-protobuf",
	".mvt":     "application/vnd.mapbox-vector-tile",
	".gz":      "application/gzip",
	".pmtiles": "application/octet-stream",
}

// handleStatic serves every embedded asset file at /static/<path>, with an
// ETag from its content. The page's own files are revalidated on each use;
// vendored libraries are pinned, so caches keep them for a day.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	p := mux.Vars(r)["path"]
	if s.cfg.Assets == nil || !fs.ValidPath(p) {
		return api.NotFound("no file " + p)
	}
	b, err := fs.ReadFile(s.cfg.Assets, p)
	if err != nil {
		return api.NotFound("no file " + p)
	}
	ct, ok := staticTypes[strings.ToLower(path.Ext(p))]
	if !ok {
		if ct = mime.TypeByExtension(path.Ext(p)); ct == "" {
			ct = http.DetectContentType(b)
		}
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	if strings.HasPrefix(p, "vendor/") {
		h.Set("Cache-Control", "public, max-age=86400")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	tag, ok := s.staticTags.Load(p)
	if !ok {
		sum := sha256.Sum256(b)
		tag = `"` + hex.EncodeToString(sum[:12]) + `"`
		s.staticTags.Store(p, tag)
	}
	h.Set("ETag", tag.(string))
	http.ServeContent(w, r, path.Base(p), time.Time{}, bytes.NewReader(b))
	return nil
}
