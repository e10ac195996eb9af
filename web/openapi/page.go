package openapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// Page renders the OpenAPI document (from Document, for the server at b)
// as a readable page, made by Go with no script, so it works offline.
func Page(doc map[string]any, b string) api.Page {
	info := doc["info"].(map[string]any)
	p := api.Page{
		Title:       fmt.Sprintf("%s API %s", info["title"], info["version"]),
		Description: fmt.Sprint(info["description"]),
		Links: []api.Link{
			{Href: b + "/api.html", Rel: "self", Type: api.MediaHTML, Title: "This page"},
			{Href: b + "/api", Rel: "service-desc", Type: api.MediaOpenAPI, Title: "The OpenAPI 3.0 document"},
			{Href: b + "/?f=html", Rel: "start", Type: api.MediaHTML, Title: "Landing page"},
		},
		RowsTitle: "Operations",
	}
	paths := doc["paths"].(map[string]any)
	for _, path := range query.SortedKeys(paths) {
		item := paths[path].(map[string]any)
		methods := query.SortedKeys(item)
		sort.SliceStable(methods, func(i, j int) bool { return methodOrder(methods[i]) < methodOrder(methods[j]) })
		for _, m := range methods {
			op := item[m].(map[string]any)
			id := fmt.Sprint(op["operationId"])
			title := strings.ToUpper(m) + " " + path
			p.Rows = append(p.Rows, api.Row{Href: "#" + id, Title: title, Detail: fmt.Sprint(op["summary"])})
			sec := api.Section{ID: id, Title: title, Subtitle: fmt.Sprint(op["summary"]),
				Header: []string{"parameter", "in", "schema", "required", "description"}}
			params, _ := op["parameters"].([]any)
			for _, pa := range params {
				pm := pa.(map[string]any)
				sec.Table = append(sec.Table, []string{fmt.Sprint(pm["name"]), fmt.Sprint(pm["in"]),
					schemaText(pm["schema"]), fmt.Sprint(pm["required"]), strOr(pm["description"])})
			}
			if body, ok := op["requestBody"].(map[string]any); ok {
				sec.Facts = append(sec.Facts, api.Fact{Name: "Request body", Value: strings.Join(query.SortedKeys(body["content"].(map[string]any)), ", ")})
			}
			if _, ok := op["security"]; ok {
				sec.Facts = append(sec.Facts, api.Fact{Name: "Authorization", Value: "Bearer token"})
			}
			resps := op["responses"].(map[string]any)
			for _, code := range query.SortedKeys(resps) {
				rm := resps[code].(map[string]any)
				types := ""
				if c, ok := rm["content"].(map[string]any); ok {
					types = " (" + strings.Join(query.SortedKeys(c), ", ") + ")"
				}
				sec.Facts = append(sec.Facts, api.Fact{Name: "Response " + code, Value: fmt.Sprint(rm["description"]) + types})
			}
			p.Sections = append(p.Sections, sec)
		}
	}
	return p
}

func methodOrder(m string) int {
	return strings.Index("get post put patch delete", m)
}

func strOr(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// schemaText summarises a parameter schema: "integer, minimum 1, ...".
func schemaText(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	parts := []string{fmt.Sprint(m["type"])}
	if it, ok := m["items"].(map[string]any); ok {
		parts[0] += " of " + fmt.Sprint(it["type"])
	}
	for _, k := range []string{"minimum", "maximum", "default", "minItems", "maxItems"} {
		if x, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %v", k, x))
		}
	}
	if e, ok := m["enum"].([]string); ok {
		parts = append(parts, "one of "+strings.Join(e, ", "))
	}
	return strings.Join(parts, ", ")
}
