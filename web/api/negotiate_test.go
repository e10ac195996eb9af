package api_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/sitmap/sitmap/web/api"
)

// browser is Chromium's Accept for a page.
const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func TestPickMedia(t *testing.T) {
	offers := []string{api.MediaGeoJSON, api.MediaJSON, api.MediaHTML}
	cases := []struct {
		accept, want string
		status       int // of the error, 0 for none
	}{
		{"", api.MediaGeoJSON, 0},
		{"   ", api.MediaGeoJSON, 0},
		{"*/*", api.MediaGeoJSON, 0},
		{browser, api.MediaHTML, 0}, // explicit text/html beats */* at the same quality
		{"application/json", api.MediaJSON, 0},
		{"application/*", api.MediaGeoJSON, 0},
		{"application/geo+json;q=0.5, text/html;q=0.9", api.MediaHTML, 0},
		{"application/geo+json;q=0.9, text/html;q=0.5", api.MediaGeoJSON, 0},
		{"application/json;q=0, */*;q=0.1", api.MediaGeoJSON, 0},
		{"TEXT/HTML", api.MediaHTML, 0},
		{"not a media type, text/html", api.MediaHTML, 0},
		{"image/png", "", 406},
		{"application/geo+json;q=0", "", 406},
	}
	for _, c := range cases {
		got, err := api.PickMedia(c.accept, offers)
		var ae *api.Error
		switch {
		case c.status == 0 && (err != nil || got != c.want):
			t.Errorf("PickMedia(%q) = %q, %v; want %q", c.accept, got, err, c.want)
		case c.status != 0 && (!errors.As(err, &ae) || ae.Status != c.status):
			t.Errorf("PickMedia(%q) = %q, %v; want a %d", c.accept, got, err, c.status)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		target, accept string
		offers         []string
		want           api.Format
		status         int
		field          string
	}{
		{"/", "", []string{api.MediaJSON, api.MediaHTML}, api.FormatJSON, 0, ""},
		{"/", browser, []string{api.MediaJSON, api.MediaHTML}, api.FormatHTML, 0, ""},
		{"/", browser, []string{api.MediaJSON}, api.FormatJSON, 0, ""}, // */* takes JSON
		{"/?f=html", "application/json", []string{api.MediaJSON, api.MediaHTML}, api.FormatHTML, 0, ""},
		{"/?f=JSON", browser, []string{api.MediaJSON, api.MediaHTML}, api.FormatJSON, 0, ""},
		{"/?f=geojson", "", []string{api.MediaGeoJSON, api.MediaHTML}, api.FormatJSON, 0, ""},
		{"/?f=html", "", []string{api.MediaJSON}, 0, 400, "f"}, // no HTML here
		{"/?f=xml", "", []string{api.MediaJSON, api.MediaHTML}, 0, 400, "f"},
		{"/", "image/png", []string{api.MediaJSON, api.MediaHTML}, 0, 406, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.target, nil)
		r.Header.Set("Accept", c.accept)
		got, err := api.Negotiate(r, c.offers...)
		if c.status == 0 {
			if err != nil || got != c.want {
				t.Errorf("Negotiate(%s, Accept %q) = %v, %v; want %v", c.target, c.accept, got, err, c.want)
			}
			continue
		}
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != c.status || ae.Field != c.field {
			t.Errorf("Negotiate(%s, Accept %q) = %v, %v; want a %d naming %q", c.target, c.accept, got, err, c.status, c.field)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"":                    false,
		"gzip":                true,
		"deflate, gzip;q=0.5": true,
		"br, GZIP":            true,
		"gzip;q=0":            false,
		"gzip; q=0.000":       false,
		"identity":            false,
		"x-gzip":              false,
	}
	for ae, want := range cases {
		if got := api.AcceptsGzip(ae); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", ae, got, want)
		}
	}
}

// QueryParam reads a parameter as r.URL.Query() does.
func TestQueryParamAsURLQuery(t *testing.T) {
	for _, raw := range []string{"", "f=json", "a=1&f=html&f=json", "f", "f=", "%66=geo%2Bjson", "f=a+b", "x=1;f=json&f=html", "f=%zz&f=ok", "%zz=1&f=1", "ff=1&f=2", "f=json&"} {
		r := httptest.NewRequest("GET", "/items?"+raw, nil)
		want, wok := r.URL.Query()["f"]
		got, ok := api.QueryParam(r, "f")
		if ok != wok || (ok && got != want[0]) {
			t.Errorf("%q: %q %v, want %q %v", raw, got, ok, want, wok)
		}
	}
}
