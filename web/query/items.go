package query

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
)

// Limits of the items operation.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// ItemsParams are the fixed query parameters of the items operation; the
// queryables of the collections come on top (see queryableParams).
func ItemsParams() []api.Param {
	return []api.Param{
		{Name: "bbox", In: "query", Description: "Only features that intersect the box: west,south,east,north (or 6 numbers with heights) in CRS84; west > east crosses the antimeridian.",
			Schema: map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}},
		{Name: "datetime", In: "query", Description: "Only features whose temporal extent (valid_from, valid_to) intersects this RFC 3339 instant or interval: a/b, ../b, a/.., or a start and an ISO 8601 duration such as 2025-09-12/P2D. With an instant (a bare date: its start) each status is the one its timeline gives then, status= filters on that, and status_source names the timeline entry.",
			Schema: map[string]any{"type": "string"}},
		{Name: "limit", In: "query", Description: "Page size; values above the maximum are clamped to it.",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}},
		{Name: "offset", In: "query", Description: "Number of matching features to skip (the next and prev links carry it).",
			Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}},
		{Name: "q", In: "query", Description: "Case-insensitive text search in name and name_local.",
			Schema: map[string]any{"type": "string"}},
		CRSParam,
		BBoxCRSParam,
		FilterParams()[0], FilterParams()[1], FilterParams()[2],
		{Name: "sortby", In: "query", Description: "Comma-separated sort keys among name, updated and id; a leading - sorts descending, + or nothing ascending.",
			Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": `^[+-]?(name|updated|id)$`}}},
		api.AsOfParam,
		ItemsFParam,
	}
}

// Items is a parsed items request.
type Items struct {
	store.Query
	LimitGiven bool
	// CRS is the CRS of the response (nil: CRS84).
	CRS *crs.CRS
	// Values is the query string parsed, which the response's links
	// carry on.
	Values url.Values
}

// ParseItems turns the query string into a store query, rejecting
// parameters that are neither declared nor queryables of the collection.
func ParseItems(v url.Values, c *geo.Collection) (Items, error) {
	p := itemsParser{q: Items{Query: store.Query{Collection: c.ID, Limit: DefaultLimit}, Values: v}, c: c,
		known: itemsParamNames()}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// The bbox is read in bbox-crs, which sorts after it.
	var err error
	if p.bboxCRS, err = BBoxCRS(v); err != nil {
		return p.q, err
	}
	for _, k := range keys {
		if err := p.check(k, v[k]); err != nil {
			return p.q, err
		}
		if err := p.set(k, v[k][0]); err != nil {
			return p.q, err
		}
	}
	if p.hasFilter {
		e, err := ParseFilter(p.filter, p.lang, p.filterCRS, c)
		if err != nil {
			return p.q, err
		}
		p.q.CQL = e
	}
	return p.q, nil
}

// itemsParamNames are the names ItemsParams declares, worked out once
// (never changed: a read-only set every request shares).
var itemsParamNames = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, prm := range ItemsParams() {
		names[prm.Name] = true
	}
	return names
})

// itemsParser is the state of reading an items query string: the query so
// far, and the filter's three parameters, which are read together.
type itemsParser struct {
	q                       Items
	c                       *geo.Collection
	known                   map[string]bool
	queryables              map[string]geo.Queryable // see equality
	bboxCRS                 *crs.CRS
	filter, lang, filterCRS string
	hasFilter               bool
}

// check refuses a parameter the items route does not take, and one given
// twice.
func (p *itemsParser) check(k string, vals []string) error {
	if !p.known[k] && !p.isQueryable(k) {
		return api.BadRequest(k, fmt.Sprintf("unknown query parameter %q: use bbox, bbox-crs, crs, datetime, limit, offset, q, sortby, filter, filter-lang, filter-crs, f or a queryable of %s (%s)",
			k, p.c.ID, strings.Join(SortedKeys(p.equality()), ", ")))
	}
	if len(vals) > 1 {
		return api.BadRequest(k, fmt.Sprintf("query parameter %q is given %d times", k, len(vals)))
	}
	return nil
}

// equality is the collection's equality queryables, made when a request
// names a parameter that is not declared: most name none, and the map
// was a third of what parsing an items request allocated.
func (p *itemsParser) equality() map[string]geo.Queryable {
	if p.queryables == nil {
		p.queryables = EqualityQueryables(p.c)
	}
	return p.queryables
}

func (p *itemsParser) isQueryable(k string) bool {
	_, ok := p.equality()[k]
	return ok
}

// set reads one parameter into the query.
func (p *itemsParser) set(k, val string) error {
	q := &p.q
	var err error
	switch k {
	case "f", "bbox-crs":
	case "bbox":
		var b geo.BBox
		if b, err = BBoxIn(val, p.bboxCRS); err == nil {
			q.BBox = &b
		}
	case "crs":
		q.CRS, err = LookupCRS(k, val)
	case "datetime":
		// An offset's "+" that arrived unencoded decodes to a space;
		// a datetime never holds one, so put it back.
		q.Time, q.At, err = geo.ParseDatetimeAt(strings.ReplaceAll(val, " ", "+"))
	case "as_of":
		q.AsOf, err = api.ParseAsOf(val)
	case "limit":
		q.Limit, err = ParseLimit(val)
		q.LimitGiven = true
	case "offset":
		n, perr := strconv.Atoi(val)
		if perr != nil || n < 0 {
			err = api.BadRequest("offset", fmt.Sprintf("offset=%q must be an integer of 0 or more", val))
		}
		q.Offset = n
	case "q":
		q.Text = strings.TrimSpace(val)
	case "sortby":
		q.Sort, err = ParseSortBy(val)
	case "filter":
		p.filter, p.hasFilter = val, true
	case "filter-lang":
		p.lang = val
	case "filter-crs":
		p.filterCRS = val
	default:
		err = CheckQueryable(k, val, p.equality()[k])
		if q.Props == nil {
			q.Props = map[string]string{}
		}
		q.Props[k] = val
	}
	return asParam(k, err)
}

// asParam makes geo's validation of a parameter's value (a bbox, a
// datetime) the api.Error that names the parameter; other errors pass.
func asParam(name string, err error) error {
	if err == nil {
		// Before ve, which errors.As makes escape: no allocation per
		// parameter on the way that matters.
		return nil
	}
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		return api.BadRequest(name, ve.Error())
	}
	return err
}

func ParseLimit(val string) (int, error) {
	n, err := strconv.Atoi(val)
	if err != nil || n < 1 {
		return 0, api.BadRequest("limit", fmt.Sprintf("limit=%q must be an integer from 1 to %d", val, MaxLimit))
	}
	return min(n, MaxLimit), nil
}

// ParseSortBy reads "name,-updated". A "+" that arrived unencoded in the
// query string decodes to a space and still means ascending.
func ParseSortBy(val string) ([]store.Sort, error) {
	var out []store.Sort
	for _, part := range strings.Split(val, ",") {
		key := strings.TrimSpace(part)
		desc := false
		switch {
		case strings.HasPrefix(key, "-"):
			desc, key = true, key[1:]
		case strings.HasPrefix(key, "+"):
			key = key[1:]
		}
		k, ok := geo.ParseSortKey(key)
		if !ok {
			return nil, api.BadRequest("sortby", fmt.Sprintf("cannot sort by %q: use name, updated or id, with - for descending", part))
		}
		out = append(out, store.Sort{Property: k, Descending: desc})
	}
	return out, nil
}

// CheckQueryable rejects values of the wrong type: not a number for a
// numeric property, and so on. A string outside the collection's
// vocabulary is a valid value that matches nothing: a client filtering
// every layer on status=closed gets the closed features of each layer and
// none from layers that have no such status, not an error.
func CheckQueryable(name, val string, qb geo.Queryable) error {
	switch qb.Type {
	case "number":
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return api.BadRequest(name, fmt.Sprintf("%s=%q is not a number", name, val))
		}
	case "integer":
		if _, err := strconv.ParseInt(val, 10, 64); err != nil {
			return api.BadRequest(name, fmt.Sprintf("%s=%q is not an integer", name, val))
		}
	case "boolean":
		if val != "true" && val != "false" {
			return api.BadRequest(name, fmt.Sprintf("%s=%q is not true or false", name, val))
		}
	}
	return nil
}

// SortedKeys are m's keys in order: what the error messages and the
// documents list. (slices.Sorted alone would grow its slice from nil.)
func SortedKeys[V any](m map[string]V) []string {
	keys := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(keys)
	return keys
}

// Names are the query parameters a route takes: those it declares,
// or nil when the route checks its own (items, whose queryables depend on
// the collection).
func Names(rt api.Route) map[string]bool {
	if rt.MoreParams != nil {
		return nil
	}
	names := map[string]bool{}
	for _, p := range rt.Params {
		if p.In == "query" {
			names[p.Name] = true
		}
	}
	return names
}

// Check rejects a query string that does not parse: net/url drops a
// pair with a bad escape or a ";" and keeps the rest, so ?limit=1;x=y
// would silently ignore the limit. When allowed is not nil it also
// rejects a parameter not in it, or one given twice.
func Check(raw string, allowed map[string]bool) error {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return api.BadRequest("query", fmt.Sprintf("the query string %q does not parse: %v (separate parameters with &, escape %% as %%25)", raw, err))
	}
	if allowed == nil {
		return nil
	}
	for _, k := range SortedKeys(v) {
		if !allowed[k] {
			if len(allowed) == 0 {
				return api.BadRequest(k, fmt.Sprintf("unknown query parameter %q: this resource takes none", k))
			}
			return api.BadRequest(k, fmt.Sprintf("unknown query parameter %q: use %s", k, strings.Join(SortedKeys(allowed), ", ")))
		}
		if n := len(v[k]); n > 1 {
			return api.BadRequest(k, fmt.Sprintf("query parameter %q is given %d times", k, n))
		}
	}
	return nil
}
