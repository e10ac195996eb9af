package api

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sitmap/sitmap/geo"
)

// Route is one operation: the router and the OpenAPI document are both
// built from the list of routes, so they cannot drift apart.
type Route struct {
	Method  string
	Path    string // mux template, e.g. /collections/{collectionId}/items
	Name    string // operationId
	Summary string
	Tags    []string
	Params  []Param
	// MoreParams adds parameters that depend on the data (the queryables
	// of the collections), for the OpenAPI document.
	MoreParams func(ctx context.Context) []Param
	// Responses maps a status code to the content types it can carry.
	Responses map[string][]string
	Body      []string // request body content types, for writes
	Handle    HandlerFunc
	Hidden    bool // left out of the OpenAPI document (static files)
}

// Param is an OpenAPI parameter.
type Param struct {
	Name        string
	In          string // path, query, header
	Description string
	Required    bool
	Schema      map[string]any
}

// FParam is the format override every GET resource accepts.
var FParam = Param{
	Name: "f", In: "query",
	Description: "Response format, overriding the Accept header: json or html.",
	Schema:      map[string]any{"type": "string", "enum": []string{"json", "html"}},
}

// FJSONParam is f on resources that are JSON only, for clients (GDAL,
// QGIS) that add f=json to every request.
var FJSONParam = Param{
	Name: "f", In: "query",
	Description: "Response format: json (the only one).",
	Schema:      map[string]any{"type": "string", "enum": []string{"json"}},
}

// AsOfParam is the record-time parameter of items, one feature and tiles.
var AsOfParam = Param{Name: "as_of", In: "query",
	Description: "Record time: the features as the store held them at this RFC 3339 time (a bare date: its end), deleted ones included if they existed then. Combines with datetime and every filter.",
	Schema:      map[string]any{"type": "string", "format": "date-time"}}

// ParseAsOf reads as_of: a bare date means all of that day ("what had we
// recorded by 14 Sep").
func ParseAsOf(val string) (time.Time, error) {
	t, err := geo.ParseTime(strings.ReplaceAll(val, " ", "+"), true)
	if err != nil {
		return time.Time{}, BadRequest("as_of", fmt.Sprintf("as_of: %v", err))
	}
	return t, nil
}

var muxVarRE = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// OpenAPIPath drops mux's regular expressions from a path template.
func OpenAPIPath(p string) string {
	return muxVarRE.ReplaceAllString(p, "{$1}")
}

// PathVars lists the variables of a path template in order.
func PathVars(p string) []string {
	var out []string
	for _, m := range muxVarRE.FindAllStringSubmatch(p, -1) {
		out = append(out, m[1])
	}
	return out
}
