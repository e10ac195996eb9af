package api

import (
	"bytes"
	"html/template"
	"net/http"
)

// Page is what the one HTML template shows: every HTML representation
// of the API (landing, collections, items, a feature, the OpenAPI
// rendering) is a title, links, a table of facts and a list of rows.
// html/template escapes all of it: feature text is data, never markup.
type Page struct {
	Title       string
	Description string
	Links       []Link
	Facts       []Fact
	RowsTitle   string
	Rows        []Row
	Sections    []Section
}

type Fact struct {
	Name, Value string
}

type Row struct {
	Href, Title, Detail string
}

// Section is a titled table, as /api.html shows one per operation.
type Section struct {
	ID, Title, Subtitle string
	Facts               []Fact
	Header              []string
	Table               [][]string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – sitmap</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f7}code,pre{font-family:ui-monospace,monospace;font-size:.9em}
.sub{color:#555}ul.links li{margin:.15rem 0}
</style></head><body>
<nav><a href="/?f=html">sitmap</a> · <a href="/collections?f=html">collections</a> · <a href="/api.html">API</a></nav>
<h1>{{.Title}}</h1>
{{with .Description}}<p>{{.}}</p>{{end}}
{{with .Facts}}<table>{{range .}}<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{if .Rows}}<h2>{{.RowsTitle}}</h2><ul>{{range .Rows}}<li><a href="{{.Href}}">{{.Title}}</a>{{with .Detail}} <span class="sub">{{.}}</span>{{end}}</li>{{end}}</ul>{{end}}
{{range .Sections}}<h2 id="{{.ID}}">{{.Title}}</h2>{{with .Subtitle}}<p class="sub">{{.}}</p>{{end}}
{{with .Facts}}<table>{{range .}}<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{if .Table}}<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>{{range .Table}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}
{{end}}
{{with .Links}}<h2>Links</h2><ul class="links">{{range .}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Href}}{{end}}</a> <span class="sub">{{.Rel}}{{with .Type}} · {{.}}{{end}}</span></li>{{end}}</ul>{{end}}
</body></html>
`))

// WriteHTML renders a page.
func WriteHTML(w http.ResponseWriter, status int, p Page) error {
	b, err := RenderHTML(p)
	if err != nil {
		return err
	}
	return WriteBytes(w, status, "text/html; charset=utf-8", b)
}

// RenderHTML renders a page into memory.
func RenderHTML(p Page) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
