package web

import (
	"net/http"
	"net/url"
	"strings"
)

// link is an OGC API / RFC 8288 link object.
type link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// Link relations of OGC API beyond the IANA ones.
const (
	relConformance = "conformance"
	relData        = "data"
	relItems       = "items"
	relQueryables  = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	relTilingSch   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relTilesVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
)

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

// withQuery returns href with the query parameters set (and f removed
// when f is empty).
func withQuery(href string, v url.Values) string {
	if len(v) == 0 {
		return href
	}
	return href + "?" + v.Encode()
}

// formatLinks are self and one alternate per other format, for a resource
// at href whose JSON media type is jsonType. The query string (apart from
// f) is kept so alternates show the same selection.
func formatLinks(href string, query url.Values, jsonType string, self apiFormat, title string) []link {
	v := url.Values{}
	for k, vals := range query {
		if k != "f" {
			v[k] = vals
		}
	}
	jv, hv := cloneValues(v), cloneValues(v)
	jv.Set("f", "json")
	hv.Set("f", "html")
	jl := link{Href: withQuery(href, jv), Type: jsonType, Title: title + " as JSON"}
	hl := link{Href: withQuery(href, hv), Type: mediaHTML, Title: title + " as HTML"}
	if self == formatHTML {
		hl.Rel, jl.Rel = "self", "alternate"
		return []link{hl, jl}
	}
	jl.Rel, hl.Rel = "self", "alternate"
	return []link{jl, hl}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// pathEscape escapes one path segment (ids are URL-safe already).
func pathEscape(s string) string { return url.PathEscape(s) }
