package query

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web/api"
)

// Part 3 (Filtering) and the CQL2 classes sitmap implements; each is
// covered by the filter table that storetest runs on both backends.
var FilterConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	// every spatial literal (spatial-functions depends on it)
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/property-property",
}

func FilterParams() []api.Param {
	return []api.Param{
		{Name: "filter", In: "query", Description: "CQL2 filter (OGC API – Features Part 3) on the queryables, in the language of filter-lang; at most 64 KiB, 64 levels, 10,000 vertices.",
			Schema: map[string]any{"type": "string"}},
		{Name: "filter-lang", In: "query", Description: "Language of filter: cql2-text (the default) or cql2-json.",
			Schema: map[string]any{"type": "string", "enum": []string{"cql2-text", "cql2-json"}, "default": "cql2-text"}},
		{Name: "filter-crs", In: "query", Description: "CRS of the coordinates in filter, as a URI from the collection's crs list, in that CRS's axis order (latitude first for EPSG:4326). Default CRS84.",
			Schema: CRSSchema},
	}
}

// ParseFilter reads filter, filter-lang and filter-crs; every error is a
// 400 naming the parameter. Properties must be queryables of c.
func ParseFilter(text, lang, crsName string, c *geo.Collection) (cql2.Expr, error) {
	var in *crs.CRS
	if crsName != "" && crsName != "CRS84" {
		var err error
		if in, err = LookupCRS("filter-crs", crsName); err != nil {
			return nil, err
		}
	}
	var e cql2.Expr
	var err error
	switch strings.ToLower(lang) {
	case "", "cql2-text", "cql-text": // cql-text: the pre-CQL2 name older clients (GDAL) use
		e, err = cql2.ParseText(text)
	case "cql2-json":
		e, err = cql2.ParseJSON([]byte(text))
	default:
		return nil, api.BadRequest("filter-lang", fmt.Sprintf("filter-lang %q is not supported: use cql2-text or cql2-json", lang))
	}
	if err == nil {
		err = cql2.Validate(e)
	}
	if err != nil {
		return nil, api.BadRequest("filter", "filter: "+err.Error())
	}
	if in != nil && !in.IsCRS84() {
		e = cql2.Transform(e, func(p orb.Point) orb.Point {
			lon, lat := in.ToCRS84(p[0], p[1])
			return orb.Point{lon, lat}
		})
	}
	qs := FilterQueryables(c)
	for _, p := range cql2.Properties(e) {
		if _, ok := qs[p]; !ok {
			return nil, api.BadRequest("filter", fmt.Sprintf("filter: %q is not a queryable of %s (see /collections/%s/queryables): %s",
				p, c.ID, c.ID, strings.Join(SortedKeys(qs), ", ")))
		}
	}
	return e, nil
}

// FilterQueryables are the properties a filter may name: the equality
// queryables, the other properties of the data model, the geometry and
// the temporal properties.
func FilterQueryables(c *geo.Collection) map[string]geo.Queryable {
	qs := c.CommonQueryables()
	for k, v := range modelQueryables {
		if _, ok := qs[k]; !ok {
			qs[k] = v
		}
	}
	return qs
}

// modelQueryables are the data model's properties beyond the common
// queryables that a filter may name.
var modelQueryables = map[string]geo.Queryable{
	"name":          {Type: "string", Description: "display name, English"},
	"name_local":    {Type: "string", Description: "name in the local language and script"},
	"description":   {Type: "string", Description: "free text"},
	"uncertainty_m": {Type: "number", Description: "radius in metres within which the real position lies"},
	"updated":       {Type: "string", Description: "RFC 3339 time of the last write"},
	"valid_from":    {Type: "string", Format: "date-time", Description: "start of validity (temporal: compare with DATE or TIMESTAMP)"},
	"valid_to":      {Type: "string", Format: "date-time", Description: "end of validity (temporal: compare with DATE or TIMESTAMP)"},
	"geometry":      {Format: "geometry-any", Description: "the feature's geometry, in CRS84"},
}

// EqualityQueryables are the queryables that are also query parameters
// (name=value, Part 1 equality): all but the geometry, on which equality
// means nothing.
func EqualityQueryables(c *geo.Collection) map[string]geo.Queryable {
	qs := FilterQueryables(c)
	delete(qs, cql2.GeometryProperty)
	return qs
}

var TileFilterParam = api.Param{Name: "filter", In: "query", Schema: map[string]any{"type": "string"},
	Description: "CQL2 text filter on the features drawn (as on the items of the collection); on TileJSON and tileset documents it is passed on to the tile URL template"}
