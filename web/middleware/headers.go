package middleware

import (
	"net/http"
	"strings"
)

// SecurityHeaders are the browser protections of every response: the
// page runs only its own scripts (no inline script), reaches only its
// own origin (and the operator's online basemap, when there is one), is
// never framed, and leaks no URLs in Referer. Inline styles stay allowed:
// Leaflet and milsymbol set them, and styles run no code.
func SecurityHeaders(basemapURL string) http.Header {
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
