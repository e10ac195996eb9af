package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI checks the document the OGC test suite reads first: OpenAPI
// 3.0.x, every Part 1 path with a 200 response, the items parameters as
// §5.3 of the anchors describes them, and structural rules of 3.0 (path
// parameters declared, refs that resolve, query parameters form/explode
// false). SITMAP_DUMP_OPENAPI=file writes it out for external validators.
func TestOpenAPI(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.get("/api", "Accept", "application/vnd.oai.openapi+json;version=3.0")
	if rec.Code != 200 {
		t.Fatalf("GET /api: %d %s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Content-Type"), "application/vnd.oai.openapi+json;version=3.0"; got != want {
		t.Errorf("content type %q, want %q", got, want)
	}
	if f := os.Getenv("SITMAP_DUMP_OPENAPI"); f != "" {
		if err := os.WriteFile(f, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi %q, want 3.0.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/", "/conformance", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}",
		"/collections/{collectionId}/queryables", "/api", "/api.html", "/events", "/healthz", "/metrics"} {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("path %s is missing", p)
			continue
		}
		get, ok := item["get"].(map[string]any)
		if !ok {
			t.Errorf("GET %s is missing", p)
			continue
		}
		if _, ok := get["responses"].(map[string]any)["200"]; !ok {
			t.Errorf("GET %s declares no 200 response", p)
		}
	}
	for p := range paths {
		if strings.HasPrefix(p, "/static") {
			t.Errorf("hidden route %s is in the document", p)
		}
	}
	for _, op := range []string{"post"} {
		if _, ok := paths["/collections/{collectionId}/items"].(map[string]any)[op]; !ok {
			t.Errorf("items %s missing", op)
		}
	}
	for _, op := range []string{"put", "delete"} {
		if _, ok := paths["/collections/{collectionId}/items/{featureId}"].(map[string]any)[op]; !ok {
			t.Errorf("feature %s missing", op)
		}
	}

	t.Run("items parameters", func(t *testing.T) {
		params := queryParams(t, paths["/collections/{collectionId}/items"].(map[string]any)["get"].(map[string]any))
		limit := params["limit"]["schema"].(map[string]any)
		if limit["type"] != "integer" || limit["minimum"] != 1.0 || limit["maximum"] != 10000.0 || limit["default"] != 100.0 {
			t.Errorf("limit schema %v, want integer, minimum 1, maximum 10000, default 100", limit)
		}
		bbox := params["bbox"]["schema"].(map[string]any)
		if bbox["type"] != "array" || bbox["minItems"] != 4.0 || bbox["maxItems"] != 6.0 || bbox["items"].(map[string]any)["type"] != "number" {
			t.Errorf("bbox schema %v", bbox)
		}
		if dt := params["datetime"]["schema"].(map[string]any); dt["type"] != "string" {
			t.Errorf("datetime schema %v", dt)
		}
		// Every queryable of every collection is declared, so none trips
		// the unknown-parameter rule of the test suite.
		for _, name := range []string{"f", "offset", "q", "sortby", "country", "status", "confidence", "mode", "icao", "exercise"} {
			if _, ok := params[name]; !ok {
				t.Errorf("items parameter %s is not declared", name)
			}
		}
		for name, p := range params {
			if p["style"] != "form" || p["explode"] != false || p["required"] != false {
				t.Errorf("%s: style %v explode %v required %v, want form, false, false", name, p["style"], p["explode"], p["required"])
			}
			if _, free := p["schema"].(map[string]any)["additionalProperties"]; free {
				t.Errorf("%s is free-form: the suite would skip the unknown-parameter test", name)
			}
		}
	})

	t.Run("structure", func(t *testing.T) {
		checkStructure(t, doc)
	})
}

func queryParams(t *testing.T, op map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, p := range op["parameters"].([]any) {
		pm := p.(map[string]any)
		if pm["in"] == "query" {
			out[pm["name"].(string)] = pm
		}
	}
	return out
}

var pathVarRE = regexp.MustCompile(`\{([^}]+)\}`)

// checkStructure applies the OpenAPI 3.0 rules a validator would: unique
// operationIds, path parameters declared and required, responses with a
// description, every $ref resolving, and no 3.1-only schema keywords.
func checkStructure(t *testing.T, doc map[string]any) {
	ids := map[string]bool{}
	for p, it := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, ":*") {
			t.Errorf("path %q is not an OpenAPI path template", p)
		}
		var vars []string
		for _, m := range pathVarRE.FindAllStringSubmatch(p, -1) {
			vars = append(vars, m[1])
		}
		for method, o := range it.(map[string]any) {
			if !slices.Contains([]string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}, method) {
				t.Errorf("%s: %q is not an operation", p, method)
				continue
			}
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, p, id)
			}
			ids[id] = true
			var declared []string
			seen := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, pa := range params {
				pm := pa.(map[string]any)
				key := pm["in"].(string) + ":" + pm["name"].(string)
				if seen[key] {
					t.Errorf("%s %s: parameter %s repeated", method, p, key)
				}
				seen[key] = true
				if !slices.Contains([]string{"query", "header", "path", "cookie"}, pm["in"].(string)) {
					t.Errorf("%s %s: parameter %s: bad in", method, p, key)
				}
				if pm["schema"] == nil {
					t.Errorf("%s %s: parameter %s has no schema", method, p, key)
				}
				if pm["in"] == "path" {
					declared = append(declared, pm["name"].(string))
					if pm["required"] != true {
						t.Errorf("%s %s: path parameter %s not required", method, p, pm["name"])
					}
				}
			}
			slices.Sort(vars)
			slices.Sort(declared)
			if !slices.Equal(vars, declared) {
				t.Errorf("%s %s: path variables %v, declared %v", method, p, vars, declared)
			}
			resps, _ := op["responses"].(map[string]any)
			if len(resps) == 0 {
				t.Errorf("%s %s: no responses", method, p)
			}
			for code, r := range resps {
				if d, _ := r.(map[string]any)["description"].(string); d == "" {
					t.Errorf("%s %s: response %s has no description", method, p, code)
				}
			}
		}
	}
	walk(doc, func(m map[string]any) {
		if ref, ok := m["$ref"].(string); ok {
			if !resolves(doc, ref) {
				t.Errorf("$ref %s does not resolve", ref)
			}
		}
		for _, k := range []string{"const", "examples", "$defs", "prefixItems", "unevaluatedProperties"} {
			if _, ok := m[k]; ok {
				t.Errorf("keyword %s is not OpenAPI 3.0", k)
			}
		}
		if typ, ok := m["type"]; ok {
			if _, isString := typ.(string); !isString {
				if _, isSchemaProp := typ.(map[string]any); !isSchemaProp {
					t.Errorf("type %v is not a single string (3.1 style)", typ)
				}
			}
		}
	})
}

func walk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, x := range v {
			walk(x, fn)
		}
	case []any:
		for _, x := range v {
			walk(x, fn)
		}
	}
}

func resolves(doc map[string]any, ref string) bool {
	if !strings.HasPrefix(ref, "#/") {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
