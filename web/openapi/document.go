package openapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/sitmap/sitmap/web/api"
)

// responseText describes the status codes the routes declare.
var responseText = map[string]string{
	"200": "OK",
	"201": "Created; Location names the (first) new feature",
	"204": "Done, no content",
	"304": "Not modified: the If-None-Match tag is current",
	"400": "A parameter or the body is invalid; field names it",
	"401": "Missing or wrong Bearer token",
	"404": "No such collection or feature",
	"405": "The server is read-only (no token configured)",
	"406": "None of the media types in Accept can be served",
	"412": "If-Match does not match the feature's current ETag",
	"413": "The body is larger than 32 MiB",
	"503": "The store does not answer",
}

// Document builds the OpenAPI 3.0 document from the routes the router
// serves, so the two cannot drift apart. base is the server's URL.
func Document(ctx context.Context, routes []api.Route, version, base string) map[string]any {
	paths, tags := openAPIPaths(ctx, routes)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "sitmap",
			"version":     version,
			"description": "Situation map: OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 queryables; Part 4 create, replace, delete) and vector tiles.",
			"license":     map[string]any{"name": "see the project"},
		},
		"servers":    []any{map[string]any{"url": base}},
		"tags":       tags,
		"paths":      paths,
		"components": openAPIComponents(),
	}
}

// openAPIPaths is the route table as OpenAPI paths, and the tags in the
// order the routes first use them.
func openAPIPaths(ctx context.Context, routes []api.Route) (map[string]any, []any) {
	paths := map[string]any{}
	var tags []any
	seenTag := map[string]bool{}
	for _, rt := range routes {
		if rt.Hidden {
			continue
		}
		p := api.OpenAPIPath(rt.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(rt.Method)] = operation(ctx, rt)
		for _, t := range rt.Tags {
			if !seenTag[t] {
				seenTag[t] = true
				tags = append(tags, map[string]any{"name": t})
			}
		}
	}
	return paths, tags
}

// openAPIComponents are the schemas the operations refer to, and the
// bearer token scheme.
func openAPIComponents() map[string]any {
	return map[string]any{
		"schemas": map[string]any{
			"exception": map[string]any{
				"type":     "object",
				"required": []string{"code", "description"},
				"properties": map[string]any{
					"code":        map[string]any{"type": "string"},
					"description": map[string]any{"type": "string"},
					"field":       map[string]any{"type": "string", "description": "the parameter or body field at fault"},
				},
			},
			"featureGeoJSON": map[string]any{
				"type":     "object",
				"required": []string{"type", "geometry", "properties"},
				"properties": map[string]any{
					"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
					"id":         map[string]any{"type": "string"},
					"geometry":   map[string]any{"type": "object", "nullable": true},
					"properties": map[string]any{"type": "object", "nullable": true},
					"links":      map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/link"}},
				},
			},
			"featureCollectionGeoJSON": map[string]any{
				"type":     "object",
				"required": []string{"type", "features"},
				"properties": map[string]any{
					"type":           map[string]any{"type": "string", "enum": []string{"FeatureCollection"}},
					"features":       map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/featureGeoJSON"}},
					"links":          map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/link"}},
					"timeStamp":      map[string]any{"type": "string", "format": "date-time"},
					"numberMatched":  map[string]any{"type": "integer", "minimum": 0},
					"numberReturned": map[string]any{"type": "integer", "minimum": 0},
				},
			},
			"link": map[string]any{
				"type":     "object",
				"required": []string{"href", "rel"},
				"properties": map[string]any{
					"href":  map[string]any{"type": "string"},
					"rel":   map[string]any{"type": "string"},
					"type":  map[string]any{"type": "string"},
					"title": map[string]any{"type": "string"},
				},
			},
		},
		"securitySchemes": map[string]any{
			"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"},
		},
	}
}

// operation is one route as an OpenAPI operation object.
func operation(ctx context.Context, rt api.Route) map[string]any {
	params := append([]api.Param(nil), rt.Params...)
	if rt.MoreParams != nil {
		params = append(params, rt.MoreParams(ctx)...)
	}
	declared := map[string]bool{}
	for _, p := range params {
		if p.In == "path" {
			declared[p.Name] = true
		}
	}
	for _, name := range api.PathVars(rt.Path) {
		if !declared[name] {
			params = append(params, api.Param{Name: name, In: "path", Required: true, Schema: map[string]any{"type": "string"}})
		}
	}
	var ps []any
	for _, p := range params {
		sch := p.Schema
		if sch == nil {
			sch = map[string]any{"type": "string"}
		}
		o := map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path", "schema": sch}
		if p.Description != "" {
			o["description"] = p.Description
		}
		if p.In == "query" {
			o["style"], o["explode"] = "form", false
		}
		ps = append(ps, o)
	}
	op := map[string]any{
		"operationId": rt.Name,
		"summary":     rt.Summary,
		"responses":   responses(rt),
	}
	if len(rt.Tags) > 0 {
		op["tags"] = rt.Tags
	}
	if len(ps) > 0 {
		op["parameters"] = ps
	}
	if len(rt.Body) > 0 {
		content := map[string]any{}
		for _, t := range rt.Body {
			content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	if rt.Method != http.MethodGet {
		op["security"] = []any{map[string]any{"bearerAuth": []string{}}}
	}
	return op
}

func responses(rt api.Route) map[string]any {
	decl := rt.Responses
	if len(decl) == 0 {
		decl = map[string][]string{"200": {api.MediaJSON}}
	}
	out := map[string]any{}
	for code, types := range decl {
		desc := responseText[code]
		if desc == "" {
			desc = http.StatusText(atoiOr(code, 200))
		}
		r := map[string]any{"description": desc}
		if code[0] == '4' || code[0] == '5' {
			if len(types) == 0 {
				types = []string{api.MediaJSON}
			}
		}
		if len(types) > 0 {
			content := map[string]any{}
			for _, t := range types {
				content[t] = map[string]any{"schema": schemaFor(rt, t, code)}
			}
			r["content"] = content
		}
		out[code] = r
	}
	out["default"] = map[string]any{
		"description": "An error: the OGC exception shape",
		"content": map[string]any{api.MediaJSON: map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/exception"}}},
	}
	return out
}

func schemaFor(rt api.Route, mediaType, code string) map[string]any {
	switch {
	case code[0] == '4' || code[0] == '5':
		return map[string]any{"$ref": "#/components/schemas/exception"}
	case mediaType == api.MediaGeoJSON && rt.Method == http.MethodGet && strings.HasSuffix(rt.Path, "/items"):
		return map[string]any{"$ref": "#/components/schemas/featureCollectionGeoJSON"}
	case mediaType == api.MediaGeoJSON && rt.Method == http.MethodPost:
		return map[string]any{"oneOf": []any{
			map[string]any{"$ref": "#/components/schemas/featureCollectionGeoJSON"},
			map[string]any{"$ref": "#/components/schemas/featureGeoJSON"}}}
	case mediaType == api.MediaGeoJSON:
		return map[string]any{"$ref": "#/components/schemas/featureGeoJSON"}
	case strings.Contains(mediaType, "json"):
		return map[string]any{"type": "object"}
	case strings.HasPrefix(mediaType, "text/"):
		return map[string]any{"type": "string"}
	}
	return map[string]any{"type": "string", "format": "binary"}
}

func atoiOr(s string, def int) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}
