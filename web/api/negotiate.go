package api

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Format is the representation a client asked for.
type Format int

const (
	FormatJSON Format = iota
	FormatHTML
)

// Negotiate picks the format from f, else from Accept among the offered
// media types (the first offer is the JSON one). It fails with 400 for an
// unknown f and 406 when Accept allows none of the offers.
func Negotiate(r *http.Request, offers ...string) (Format, error) {
	if f, ok := QueryParam(r, "f"); ok {
		switch strings.ToLower(f) {
		case "json", "geojson":
			return FormatJSON, nil
		case "html":
			for _, o := range offers {
				if o == MediaHTML {
					return FormatHTML, nil
				}
			}
		}
		return 0, BadRequest("f", fmt.Sprintf("f=%q is not supported here (use json or html)", f))
	}
	best, err := PickMedia(r.Header.Get("Accept"), offers)
	if err != nil {
		return 0, err
	}
	if best == MediaHTML {
		return FormatHTML, nil
	}
	return FormatJSON, nil
}

// PickMedia chooses the offer with the highest quality in the Accept
// header; on a tie the earlier offer wins. An empty header accepts the
// first offer.
func PickMedia(accept string, offers []string) (string, error) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], nil
	}
	type rangeQ struct {
		typ, sub string
		q        float64
	}
	var ranges []rangeQ
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		typ, sub, _ := strings.Cut(mt, "/")
		ranges = append(ranges, rangeQ{typ, sub, q})
	}
	best, bestQ, bestSpec := "", 0.0, -1
	for _, o := range offers {
		omt, _, _ := mime.ParseMediaType(o)
		otyp, osub, _ := strings.Cut(omt, "/")
		q, spec := 0.0, -1
		for _, rg := range ranges {
			s := -1
			switch {
			case rg.typ == otyp && rg.sub == osub:
				s = 2
			case rg.typ == otyp && rg.sub == "*":
				s = 1
			case rg.typ == "*" && rg.sub == "*":
				s = 0
			}
			if s > spec {
				spec, q = s, rg.q
			}
		}
		// Prefer the higher quality; on a tie, a more specific match (a
		// browser's */* must not beat its explicit text/html).
		if spec >= 0 && q > 0 && (q > bestQ || (q == bestQ && spec > bestSpec)) {
			best, bestQ, bestSpec = o, q, spec
		}
	}
	if best == "" {
		return "", NotAcceptable(fmt.Sprintf("Accept %q allows none of %s", accept, strings.Join(offers, ", ")))
	}
	return best, nil
}

// AcceptsGzip reports whether an Accept-Encoding header allows gzip
// (present, and not at quality 0).
func AcceptsGzip(ae string) bool {
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			params = strings.ReplaceAll(params, " ", "")
			return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
		}
	}
	return false
}

// QueryParam is the first value of the query parameter name, as
// r.URL.Query()[name][0] has it, without parsing the rest of the query
// string: a request may read one parameter in several places, and parsing
// the whole of it each time was a seventh of what a page of items
// allocated.
func QueryParam(r *http.Request, name string) (string, bool) {
	for rest := r.URL.RawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery rejects these pairs
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != name {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v, true
		}
	}
	return "", false
}
