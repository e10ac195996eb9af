package middleware

import (
	"net/http"
	"strings"
)

// HeaderSet is a fixed set of response headers under canonical names.
// Its values are shared by every response: net/http only reads them, and
// a handler's Set or Add makes a slice of its own.
type HeaderSet []struct {
	Name   string
	Values []string
}

// Set puts the set on h, in one pass: ranging over an http.Header costs
// more than the assignments.
func (hs HeaderSet) Set(h http.Header) {
	for _, e := range hs {
		h[e.Name] = e.Values
	}
}

// DocumentHeaders are the browser protections of the page and the API's
// documents: the page runs only its own scripts (no inline script),
// reaches only its own origin (and the operator's online basemap, when
// there is one), is never framed, and leaks no URLs in Referer. Inline
// styles stay allowed: Leaflet and milsymbol set them, and styles run no
// code. X-Frame-Options repeats frame-ancestors for browsers that predate
// it.
func DocumentHeaders(basemapURL string) HeaderSet {
	img := "'self' data: blob:"
	if src := basemapSource(basemapURL); src != "" {
		img += " " + src
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return HeaderSet{
		{"Content-Security-Policy", []string{csp}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Frame-Options", []string{"DENY"}},
	}
}

// TileHeaders are what every vector tile answer carries before its own
// (type, length, tag, caching). A tile is no document: nosniff keeps a
// browser from reading one as HTML or script, and a policy that allows
// nothing, framing included, covers a browser that would render one
// anyway; a Referrer-Policy, X-Frame-Options or the page's policy would
// govern nothing. Any origin may read tiles (CORS), and a tile varies
// only with Accept-Encoding (its gzip form). The set is short on purpose:
// a cached tile's answer is mostly header work, and net/http's header
// maps change layout past eight entries.
var TileHeaders = HeaderSet{
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Access-Control-Allow-Origin", hdrAnyOrigin},
	{"Vary", []string{"Accept-Encoding"}},
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
