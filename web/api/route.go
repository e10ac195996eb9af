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
