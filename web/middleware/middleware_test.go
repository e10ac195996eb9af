package middleware_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/web/middleware"
)

func TestLogTarget(t *testing.T) {
	cases := []struct{ target, want string }{
		{"/collections", "/collections"},
		{"/collections/a/items?limit=5&bbox=1,2,3,4", "/collections/a/items?limit=5&bbox=1,2,3,4"},
		{"/items?token=s3cret&limit=5", "/items?token=REDACTED&limit=5"},
		{"/items?api_key=s3cret", "/items?api_key=REDACTED"},
		{"/items?Access%5FToken=s3cret", "/items?Access%5FToken=REDACTED"}, // escaped name
		{"/items?PASSWORD=x&session_id=y", "/items?PASSWORD=REDACTED&session_id=REDACTED"},
		{"/items?X-Amz-Signature=abc&auth=1", "/items?X-Amz-Signature=REDACTED&auth=REDACTED"},
		{"/items?token", "/items?token"}, // no value, nothing to hide
		{"/items?q=token", "/items?q=token"},
		{"/items?%zz=1&secret=2", "/items?%zz=1&secret=REDACTED"}, // a bad escape is kept as it came
	}
	for _, c := range cases {
		u, err := url.ParseRequestURI(c.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := middleware.LogTarget(u); got != c.want {
			t.Errorf("LogTarget(%s) = %s, want %s", c.target, got, c.want)
		}
		if strings.Contains(middleware.LogTarget(u), "s3cret") {
			t.Errorf("LogTarget(%s) shows the secret", c.target)
		}
	}
}

func TestGzip(t *testing.T) {
	body := strings.Repeat(`{"type":"Feature","properties":{"name":"Brest"}}`, 100)
	cases := []struct {
		name, ctype, acceptEncoding, method string
		status                              int
		gzipped                             bool
	}{
		{"geojson", "application/geo+json", "gzip", "GET", 200, true},
		{"html", "text/html; charset=utf-8", "gzip, br", "GET", 200, true},
		{"openapi", "application/vnd.oai.openapi+json;version=3.0", "gzip", "GET", 200, true},
		{"tile", "application/vnd.mapbox-vector-tile", "gzip", "GET", 200, true},
		{"error", "application/json", "gzip", "GET", 404, true},
		{"png", "image/png", "gzip", "GET", 200, false},
		{"events", "text/event-stream", "gzip", "GET", 200, false},
		{"geopackage", "application/geopackage+sqlite3", "gzip", "GET", 200, false},
		{"no gzip asked", "application/geo+json", "", "GET", 200, false},
		{"gzip refused", "application/geo+json", "gzip;q=0", "GET", 200, false},
		{"head", "application/geo+json", "gzip", "HEAD", 200, false},
		{"not modified", "application/geo+json", "gzip", "GET", 304, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := middleware.Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				if c.status != 304 {
					_, _ = io.WriteString(w, body)
				}
			}))
			r := httptest.NewRequest(c.method, "/x", nil)
			r.Header.Set("Accept-Encoding", c.acceptEncoding)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if got := rec.Header().Get("Vary"); got != "Accept, Accept-Encoding" {
				t.Errorf("Vary %q", got)
			}
			if rec.Code != c.status {
				t.Errorf("status %d, want %d", rec.Code, c.status)
			}
			gzipped := rec.Header().Get("Content-Encoding") == "gzip"
			if gzipped != c.gzipped {
				t.Fatalf("Content-Encoding %q, want gzip %v", rec.Header().Get("Content-Encoding"), c.gzipped)
			}
			if got := decoded(t, rec); c.status != 304 && got != body {
				t.Errorf("body of %d bytes, want the %d written", len(got), len(body))
			}
		})
	}
}

// decoded is the body of rec, gunzipped if it is gzip.
func decoded(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.String()
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGzip_KeepsEncoded: a body the handler encoded itself passes as it is.
func TestGzip_KeepsEncoded(t *testing.T) {
	h := middleware.Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
		w.Header().Set("Content-Encoding", "br")
		_, _ = io.WriteString(w, "already compressed")
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Header().Get("Content-Encoding") != "br" || rec.Body.String() != "already compressed" {
		t.Errorf("Content-Encoding %q, body %q", rec.Header().Get("Content-Encoding"), rec.Body.String())
	}
}

func TestDocumentHeaders(t *testing.T) {
	cases := []struct{ basemap, imgSrc string }{
		{"", "img-src 'self' data: blob:;"},
		{"https://tile.example.org/{z}/{x}/{y}.png", "img-src 'self' data: blob: https://tile.example.org;"},
		{"https://{s}.tile.example.org/{z}/{x}/{y}.png", "img-src 'self' data: blob: https://*.tile.example.org;"},
		{"http://localhost:8081/{z}/{x}/{y}.png", "img-src 'self' data: blob: http://localhost:8081;"},
		{"ftp://tile.example.org/{z}/{x}/{y}.png", "img-src 'self' data: blob:;"},
		{"https://tile.example.org;script-src *", "img-src 'self' data: blob:;"}, // no smuggled directives
		{"/tiles/{z}/{x}/{y}.png", "img-src 'self' data: blob:;"},
	}
	for _, c := range cases {
		h := http.Header{}
		middleware.DocumentHeaders(c.basemap).Set(h)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, c.imgSrc) {
			t.Errorf("basemap %q: CSP %q lacks %q", c.basemap, csp, c.imgSrc)
		}
		for _, d := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("basemap %q: CSP %q lacks %q", c.basemap, csp, d)
			}
		}
		if strings.Count(csp, "script-src") != 1 {
			t.Errorf("basemap %q: CSP %q has more than one script-src", c.basemap, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("basemap %q: headers %v", c.basemap, h)
		}
	}
}
