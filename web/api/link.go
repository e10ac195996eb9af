package api

import (
	"net/url"
)

// Link is an OGC API / RFC 8288 link object.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// WithQuery returns href with the query parameters set (and f removed
// when f is empty).
func WithQuery(href string, v url.Values) string {
	if len(v) == 0 {
		return href
	}
	return href + "?" + v.Encode()
}

// FormatLinks are self and one alternate per other format, for a resource
// at href whose JSON media type is jsonType. The query string (apart from
// f) is kept so alternates show the same selection.
func FormatLinks(href string, query url.Values, jsonType string, self Format, title string) []Link {
	v := url.Values{}
	for k, vals := range query {
		if k != "f" {
			v[k] = vals
		}
	}
	jv, hv := CloneValues(v), CloneValues(v)
	jv.Set("f", "json")
	hv.Set("f", "html")
	jl := Link{Href: WithQuery(href, jv), Type: jsonType, Title: title + " as JSON"}
	hl := Link{Href: WithQuery(href, hv), Type: MediaHTML, Title: title + " as HTML"}
	if self == FormatHTML {
		hl.Rel, jl.Rel = "self", "alternate"
		return []Link{hl, jl}
	}
	jl.Rel, hl.Rel = "self", "alternate"
	return []Link{jl, hl}
}

func CloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// PathEscape escapes one path segment (ids are URL-safe already).
func PathEscape(s string) string { return url.PathEscape(s) }
