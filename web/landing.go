package web

import (
	"io/fs"
	"net/http"
	"strconv"
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

func (s *Server) coreRoutes() []route {
	jsonHTML := map[string][]string{"200": {mediaJSON, mediaHTML}}
	return []route{
		{Method: http.MethodGet, Path: "/", Name: "getLandingPage", Summary: "Landing page (browsers get the map page)",
			Tags: []string{"Capabilities"}, Params: []param{fParam}, Responses: jsonHTML, Handle: s.handleLanding},
		{Method: http.MethodGet, Path: "/conformance", Name: "getConformance", Summary: "Conformance classes implemented by this server",
			Tags: []string{"Capabilities"}, Params: []param{fParam}, Responses: jsonHTML, Handle: s.handleConformance},
		{Method: http.MethodGet, Path: "/api", Name: "getAPI", Summary: "This API definition (OpenAPI 3.0)",
			Tags: []string{"Capabilities"}, Params: []param{fParam}, Responses: map[string][]string{"200": {mediaOpenAPI, mediaHTML}}, Handle: s.handleAPI},
		{Method: http.MethodGet, Path: "/api.html", Name: "getAPIDocumentation", Summary: "This API definition, readable",
			Tags: []string{"Capabilities"}, Responses: map[string][]string{"200": {mediaHTML}}, Handle: s.handleAPIHTML},
		{Method: http.MethodGet, Path: "/collections", Name: "getCollections", Summary: "The feature collections",
			Tags: []string{"Data"}, Params: []param{fParam}, Responses: jsonHTML, Handle: s.handleCollections},
		{Method: http.MethodGet, Path: "/collections/{collectionId}", Name: "describeCollection", Summary: "One feature collection",
			Tags: []string{"Data"}, Params: []param{collectionIDParam, fParam}, Responses: jsonHTML, Handle: s.handleCollection},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/queryables", Name: "getQueryables", Summary: "Properties the items operation filters on by equality (JSON Schema)",
			Tags: []string{"Data"}, Params: []param{collectionIDParam, fParam}, Responses: map[string][]string{"200": {mediaSchema, mediaHTML}}, Handle: s.handleQueryables},
	}
}

var collectionIDParam = param{Name: "collectionId", In: "path", Required: true,
	Description: "Collection id, e.g. airfields", Schema: map[string]any{"type": "string"}}

var featureIDParam = param{Name: "featureId", In: "path", Required: true,
	Description: "Feature id, e.g. airfield-machulishchy", Schema: map[string]any{"type": "string"}}

type landingPage struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	ReadOnly    bool   `json:"readOnly"`
	Version     string `json:"version,omitempty"`
	// BasemapURL is the operator's online raster basemap, for the page.
	BasemapURL string `json:"basemapURL,omitempty"`
	Links      []link `json:"links"`
}

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) error {
	format, err := negotiate(r, mediaJSON, mediaHTML)
	if err != nil {
		return err
	}
	lp := s.landing(r, format)
	if format == formatHTML {
		if s.cfg.Assets != nil {
			if b, err := fs.ReadFile(s.cfg.Assets, pagePath); err == nil {
				w.Header().Set("Cache-Control", "no-cache")
				return writeBytes(w, http.StatusOK, "text/html; charset=utf-8", b)
			}
		}
		return writeHTML(w, http.StatusOK, htmlPage{Title: lp.Title, Description: lp.Description, Links: lp.Links,
			Facts: []fact{{"Writes", map[bool]string{true: "read-only: no token configured", false: "enabled with a token"}[lp.ReadOnly]},
				{"Version", lp.Version}}})
	}
	return writeJSON(w, http.StatusOK, mediaJSON, lp)
}

func (s *Server) landing(r *http.Request, format apiFormat) landingPage {
	b := s.base(r)
	links := formatLinks(b+"/", r.URL.Query(), mediaJSON, format, "This document")
	links = append(links,
		link{Href: b + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
		link{Href: b + "/api.html", Rel: "service-doc", Type: mediaHTML, Title: "The API documentation"},
		link{Href: b + "/conformance", Rel: relConformance, Type: mediaJSON, Title: "Conformance classes implemented"},
		link{Href: b + "/collections", Rel: relData, Type: mediaJSON, Title: "The feature collections"},
		link{Href: b + "/events", Rel: "related", Type: "text/event-stream", Title: "Change feed (Server-Sent Events)"},
	)
	links = append(links, encodingLinks(b+"/collections/{collectionId}/items", "The features of a collection", true)...)
	if s.hasRoute("/tileMatrixSets") {
		links = append(links, link{Href: b + "/tileMatrixSets", Rel: relTilingSch, Type: mediaJSON, Title: "Tile matrix sets"})
	}
	if s.hasRoute("/tiles") {
		links = append(links, link{Href: b + "/tiles", Rel: relTilesVector, Type: mediaJSON, Title: "Vector tile sets"})
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
	out = append(out, confFilter...)
	if s.cfg.Token != "" {
		out = append(out, confCRD)
	}
	return append(out, s.extraConformance()...)
}

func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) error {
	format, err := negotiate(r, mediaJSON, mediaHTML)
	if err != nil {
		return err
	}
	conf := s.conformance()
	if format == formatHTML {
		p := htmlPage{Title: "Conformance", Description: "The conformance classes this server implements.",
			Links: formatLinks(s.base(r)+"/conformance", r.URL.Query(), mediaJSON, format, "This document"), RowsTitle: "Classes"}
		for _, c := range conf {
			p.Rows = append(p.Rows, htmlRow{Href: c, Title: c})
		}
		return writeHTML(w, http.StatusOK, p)
	}
	return writeJSON(w, http.StatusOK, mediaJSON, map[string]any{"conformsTo": conf})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
