package web

import (
	"net/http"
	"slices"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// relSchema is the link relation of a collection's feature schema in
// OGC API – Features Part 5 (QGIS 3.44 and later read it); describedby is
// the IANA relation other clients follow.
const (
	relSchema   = "http://www.opengis.net/def/rel/ogc/1.0/schema"
	relDescribe = "describedby"
	confSchemas = "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"
)

// schemaRoute serves the JSON Schema of a collection's features.
func (s *Server) schemaRoute() api.Route {
	return api.Route{Method: http.MethodGet, Path: "/collections/{collectionId}/schema", Name: "getSchema",
		Summary: "JSON Schema of the collection's features: every property with its type and vocabulary",
		Tags:    []string{"Capabilities"}, Params: []api.Param{collectionIDParam},
		Responses: map[string][]string{"200": {api.MediaSchema}}, Handle: s.handleSchema}
}

func (s *Server) handleSchema(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	if _, err := api.Negotiate(r, api.MediaSchema, api.MediaJSON); err != nil {
		return err
	}
	href := s.base(r) + "/collections/" + api.PathEscape(c.ID) + "/schema"
	return api.WriteJSON(w, http.StatusOK, api.MediaSchema, featureSchema(c, href))
}

// featureSchema describes the properties of the collection's features as
// the service understands them (DESIGN.md's data model) plus the
// collection's own queryables. Properties are listed flat, with the id and
// the geometry marked by x-ogc-role, as Part 5 has it. Other properties
// are allowed: features keep what the service does not know.
func featureSchema(c *geo.Collection, href string) map[string]any {
	props := modelProperties(c)
	out := map[string]any{}
	for i, p := range props {
		p.schema["x-ogc-propertySeq"] = i + 1
		out[p.name] = p.schema
	}
	qs := c.Queryables
	for i, name := range query.SortedKeys(qs) {
		if _, ok := out[name]; ok {
			continue
		}
		q := qs[name]
		sch := map[string]any{"type": q.Type, "title": name, "description": q.Description, "x-ogc-propertySeq": len(props) + i + 1}
		if q.Type == "" {
			sch["type"] = "string"
		}
		if len(q.Enum) > 0 {
			sch["enum"] = q.Enum
		}
		out[name] = sch
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  href,
		"type":                 "object",
		"title":                c.Title,
		"properties":           out,
		"required":             []string{"name", "country", "status", "confidence", "sources"},
		"additionalProperties": true,
	}
}

type namedSchema struct {
	name   string
	schema map[string]any
}

// modelProperties are the id, the geometry and the properties of the data
// model, in the order clients should show them.
func modelProperties(c *geo.Collection) []namedSchema {
	str := func(title, desc string) map[string]any {
		return map[string]any{"type": "string", "title": title, "description": desc}
	}
	// Dates are RFC 3339 dates or date-times: no single format, so that a
	// client keeps them as text rather than cutting a time off.
	when := func(title, desc string) map[string]any {
		m := str(title, desc)
		m["oneOf"] = []any{map[string]any{"format": "date"}, map[string]any{"format": "date-time"}}
		return m
	}
	status := str("Status", "Status from the collection's vocabulary")
	if len(c.Statuses) > 0 {
		status["enum"] = c.Statuses
	}
	country := str("Country", "ISO 3166-1 alpha-2 code of the territory it is on")
	country["pattern"] = "^[A-Z]{2}$"
	confidence := str("Confidence", "How sure the claim is")
	confidence["enum"] = geo.Confidences
	timelineEntry := map[string]any{"type": "object", "required": []string{"from", "status"}, "properties": map[string]any{
		"from": map[string]any{"type": "string"}, "to": map[string]any{"type": "string"},
		"status": status, "note": map[string]any{"type": "string"}}}
	source := map[string]any{"type": "object", "required": []string{"title"}, "properties": map[string]any{
		"title": map[string]any{"type": "string"}, "publisher": map[string]any{"type": "string"},
		"date": map[string]any{"type": "string"}, "url": map[string]any{"type": "string", "format": "uri"}}}
	uncertainty := map[string]any{"type": "number", "minimum": 0, "title": "Uncertainty (m)",
		"description": "Radius in metres within which the real position lies"}
	updated := str("Updated", "Time of the last write, set by the server")
	updated["format"], updated["readOnly"] = "date-time", true
	id := str("Id", "Feature id: a-z, 0-9 and -")
	id["x-ogc-role"], id["readOnly"] = "id", true

	return []namedSchema{
		{"id", id},
		{"geometry", map[string]any{"x-ogc-role": "primary-geometry", "format": geometryFormat(c.Geometry)}},
		{"name", str("Name", "Display name, English")},
		{"name_local", str("Local name", "Name in the local language and script")},
		{"country", country},
		{"status", status},
		{"confidence", confidence},
		{"valid_from", when("Valid from", "Start of the feature's temporal extent (RFC 3339 date or date-time)")},
		{"valid_to", when("Valid to", "End of the feature's temporal extent (RFC 3339 date or date-time)")},
		{"timeline", map[string]any{"type": "array", "title": "Timeline", "description": "How the status changes over time", "items": timelineEntry}},
		{"sources", map[string]any{"type": "array", "title": "Sources", "minItems": 1, "items": source}},
		{"description", str("Description", "Free text")},
		{"uncertainty_m", uncertainty},
		{"updated", updated},
	}
}

// geometryFormat is Part 5's format for the geometry types a collection
// allows.
func geometryFormat(types []string) string {
	has := func(t ...string) bool {
		if len(types) != len(t) {
			return false
		}
		for _, x := range t {
			if !slices.Contains(types, x) {
				return false
			}
		}
		return true
	}
	switch {
	case has("Point"):
		return "geometry-point"
	case has("MultiPoint"):
		return "geometry-multipoint"
	case has("LineString"):
		return "geometry-linestring"
	case has("MultiLineString"):
		return "geometry-multilinestring"
	case has("Polygon"):
		return "geometry-polygon"
	case has("MultiPolygon"):
		return "geometry-multipolygon"
	case has("Point", "MultiPoint"):
		return "geometry-point-or-multipoint"
	case has("LineString", "MultiLineString"):
		return "geometry-linestring-or-multilinestring"
	case has("Polygon", "MultiPolygon"):
		return "geometry-polygon-or-multipolygon"
	}
	return "geometry-any"
}
