package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// maxBody bounds write request bodies.
const maxBody = 32 << 20

func (s *Server) featureRoutes() []api.Route {
	items := "/collections/{collectionId}/items"
	item := items + "/{featureId}"
	geoHTML := append([]string{api.MediaGeoJSON, api.MediaHTML}, query.FileMediaTypes()...)
	writeResp := func(code string) map[string][]string {
		return map[string][]string{code: {api.MediaGeoJSON}, "400": nil, "401": nil, "404": nil, "405": nil, "412": nil, "413": nil}
	}
	return []api.Route{
		{Method: http.MethodGet, Path: items, Name: "getFeatures", Summary: "Features of a collection: bbox, datetime, text, property filters, sorting and paging",
			Tags: []string{"Data"}, Params: append([]api.Param{collectionIDParam}, query.ItemsParams()...), MoreParams: s.queryableParams,
			Responses: map[string][]string{"200": geoHTML}, Handle: s.handleItems},
		{Method: http.MethodGet, Path: item, Name: "getFeature", Summary: "One feature, with a strong ETag",
			Tags: []string{"Data"}, Params: []api.Param{collectionIDParam, featureIDParam, query.ItemsFParam, query.CRSParam, featureDatetimeParam, api.AsOfParam,
				{Name: "If-None-Match", In: "header", Description: "ETag of a copy the client has; 304 when it is current", Schema: map[string]any{"type": "string"}}},
			Responses: map[string][]string{"200": geoHTML, "304": nil}, Handle: s.handleFeature},
		{Method: http.MethodPost, Path: items, Name: "createFeatures", Summary: "Create a Feature, or every feature of a FeatureCollection (all or nothing); needs a Bearer token",
			Tags: []string{"Write"}, Params: []api.Param{collectionIDParam, query.ContentCRSParam}, Body: []string{api.MediaGeoJSON, api.MediaJSON},
			Responses: writeResp("201"), Handle: s.handleCreate},
		{Method: http.MethodPut, Path: item, Name: "replaceFeature", Summary: "Replace a feature; If-Match is honoured; needs a Bearer token",
			Tags: []string{"Write"}, Params: []api.Param{collectionIDParam, featureIDParam, ifMatchParam, query.ContentCRSParam}, Body: []string{api.MediaGeoJSON, api.MediaJSON},
			Responses: writeResp("200"), Handle: s.handleReplace},
		{Method: http.MethodPatch, Path: item, Name: "updateFeature", Summary: "Change some members of a feature with a JSON merge patch (RFC 7396); If-Match is honoured; needs a Bearer token",
			Tags: []string{"Write"}, Params: []api.Param{collectionIDParam, featureIDParam, ifMatchParam, query.ContentCRSParam}, Body: []string{mediaMergePatch},
			Responses: writeResp("200"), Handle: s.handlePatch},
		{Method: http.MethodDelete, Path: item, Name: "deleteFeature", Summary: "Delete a feature; If-Match is honoured; needs a Bearer token",
			Tags: []string{"Write"}, Params: []api.Param{collectionIDParam, featureIDParam, ifMatchParam},
			Responses: map[string][]string{"204": nil, "401": nil, "404": nil, "405": nil, "412": nil}, Handle: s.handleDelete},
	}
}

// featureDatetimeParam is datetime on one feature: the instant to show it at.
var featureDatetimeParam = api.Param{Name: "datetime", In: "query",
	Description: "Valid time: the feature's status at this RFC 3339 instant, from its timeline (an interval leaves it as stored)",
	Schema:      map[string]any{"type": "string"}}

var ifMatchParam = api.Param{Name: "If-Match", In: "header",
	Description: "ETag of the version the change is based on; 412 when the feature has changed since",
	Schema:      map[string]any{"type": "string"}}

// queryableParams declares the queryables of every collection as optional
// query parameters of the items operation (each collection accepts its
// own; the others are a 400 there).
func (s *Server) queryableParams(ctx context.Context) []api.Param {
	defs := map[string]geo.Queryable{}
	collsOf := map[string][]string{}
	add := func(c *geo.Collection) {
		for name, q := range query.EqualityQueryables(c) {
			prev, ok := defs[name]
			switch {
			case !ok:
				defs[name] = q
			case len(prev.Enum) == 0 || len(q.Enum) == 0:
				// One collection allows any value: so does the declaration.
				defs[name] = geo.Queryable{Type: q.Type, Description: q.Description}
			default:
				// Vocabularies differ by collection: declare the union.
				defs[name] = geo.Queryable{Type: q.Type, Description: q.Description, Enum: union(prev.Enum, q.Enum)}
			}
			collsOf[name] = append(collsOf[name], c.ID)
		}
	}
	common := geo.Collection{}
	add(&common)
	if s.cfg.Store != nil {
		if cols, err := s.cfg.Store.Collections(ctx); err == nil {
			for i := range cols {
				add(&cols[i])
			}
		}
	}
	var out []api.Param
	for _, name := range query.SortedKeys(defs) {
		q := defs[name]
		typ := q.Type
		if typ == "" {
			typ = "string"
		}
		sch := map[string]any{"type": typ}
		if len(q.Enum) > 0 {
			sch["enum"] = q.Enum
		}
		desc := q.Description
		if name != "country" && name != "confidence" && name != "status" {
			desc += " (queryable of " + strings.Join(uniq(collsOf[name]), ", ") + ")"
		} else {
			desc += " (every collection)"
		}
		out = append(out, api.Param{Name: name, In: "query", Description: "Equality filter: " + desc, Schema: sch})
	}
	return out
}

func union(a, b []string) []string { return uniq(append(append([]string(nil), a...), b...)) }

func uniq(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range list {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (s *Server) handleItems(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	q, err := query.ParseItems(r.URL.Query(), c)
	if err != nil {
		return err
	}
	if ff, ok, err := query.FileFormat(r); err != nil {
		return err
	} else if ok {
		return s.handleItemsFile(w, r, c, q, ff)
	}
	format, err := api.Negotiate(r, api.MediaGeoJSON, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 4<<20 {
			bufPool.Put(bp)
		}
	}()
	body, err := s.itemsBody(r, c, q, format, (*bp)[:0])
	if err != nil {
		return err
	}
	if format == api.FormatHTML {
		return api.WriteBytes(w, http.StatusOK, "text/html; charset=utf-8", body)
	}
	*bp = body
	query.SetContentCRS(w, q.CRS)
	return api.WriteBytes(w, http.StatusOK, api.MediaGeoJSON, body)
}

// itemsBody runs the query and encodes the page into buf while holding a
// query slot. The slot bounds the CPU work, so it is released before the
// page is written: a client that does not read holds its connection
// (until the write timeout), never a slot.
func (s *Server) itemsBody(r *http.Request, c *geo.Collection, q query.Items, format api.Format, buf []byte) ([]byte, error) {
	// A client that has gone (or timed out) costs no more work: queries
	// take a slot, and those that leave while waiting for one never run.
	ctx := r.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.acquireSlot(ctx); err != nil {
		return nil, err
	}
	defer func() { <-s.querySlots }()
	fctx, cancel := s.filterContext(ctx, q.CQL)
	defer cancel()
	page, err := s.cfg.Store.Query(fctx, q.Query)
	if err != nil {
		return nil, err
	}
	page.Features = atInstant(page.Features, q.At)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	links := s.itemsLinks(r, c, q, page, format)
	if format == api.FormatHTML {
		return api.RenderHTML(itemsHTML(s.base(r), c, page, links))
	}
	return appendItems(ctx, buf, page, links, q.CRS)
}

// acquireSlot takes a query slot, counting the requests that had to wait
// for one and for how long.
func (s *Server) acquireSlot(ctx context.Context) error {
	select {
	case s.querySlots <- struct{}{}:
		return nil
	default:
	}
	start := time.Now()
	defer func() { s.metrics.SlotWait(time.Since(start)) }()
	select {
	case s.querySlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// appendItems appends the page as a GeoJSON FeatureCollection.
// Features go out in CRS out (CRS84 when nil).
func appendItems(ctx context.Context, buf []byte, page store.Page, links []api.Link, out *crs.CRS) ([]byte, error) {
	head := api.CollectionHead{Matched: page.Matched, Returned: len(page.Features), TimeStamp: time.Now(), Links: links}
	return api.AppendFeatureCollection(buf, head, len(page.Features), func(buf []byte, i int) ([]byte, error) {
		// A client gone stops a long page between features.
		if i%1024 == 0 && i > 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		f := page.Features[i]
		if out != nil && !out.IsCRS84() {
			var err error
			if f, err = query.InCRS(f, out); err != nil {
				return nil, err
			}
		}
		return f.AppendJSON(buf), nil
	})
}

// itemsLinks are self, alternate, next and prev (each keeping every other
// parameter of the request) and the collection.
func (s *Server) itemsLinks(r *http.Request, c *geo.Collection, q query.Items, page store.Page, format api.Format) []api.Link {
	cref := s.base(r) + "/collections/" + api.PathEscape(c.ID)
	href := cref + "/items"
	query := q.Values
	links := api.FormatLinks(href, query, api.MediaGeoJSON, format, c.Title)
	pageLink := func(rel string, offset int) api.Link {
		v := api.CloneValues(query)
		v.Set("offset", strconv.Itoa(offset))
		v.Set("limit", strconv.Itoa(q.Limit))
		typ := api.MediaGeoJSON
		if format == api.FormatHTML {
			v.Set("f", "html")
			typ = api.MediaHTML
		} else {
			v.Set("f", "json")
		}
		return api.Link{Href: api.WithQuery(href, v), Rel: rel, Type: typ, Title: rel + " page"}
	}
	if q.Offset+len(page.Features) < page.Matched && len(page.Features) > 0 {
		links = append(links, pageLink("next", q.Offset+len(page.Features)))
	}
	if q.Offset > 0 {
		links = append(links, pageLink("prev", max(0, q.Offset-q.Limit)))
	}
	links = append(links, api.Link{Href: cref + "?f=json", Rel: "collection", Type: api.MediaJSON, Title: c.Title})
	return links
}

func itemsHTML(base string, c *geo.Collection, page store.Page, links []api.Link) api.Page {
	p := api.Page{Title: c.Title, Description: fmt.Sprintf("%d of %d matching features.", len(page.Features), page.Matched),
		Links: links, RowsTitle: "Features"}
	for _, f := range page.Features {
		p.Rows = append(p.Rows, api.Row{
			Href:   base + "/collections/" + api.PathEscape(c.ID) + "/items/" + api.PathEscape(f.ID()) + "?f=html",
			Title:  f.String("name"),
			Detail: fmt.Sprintf("%s · %s · %s · %s", f.ID(), f.String("country"), f.String("status"), f.String("confidence")),
		})
	}
	return p
}

// etag is the feature's strong entity tag: the version changes on every
// write of it.
func etag(f *geo.Feature) string { return `"` + strconv.FormatInt(f.Version(), 10) + `"` }

func (s *Server) handleFeature(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	inc, err := featureCRS(r.URL.Query())
	if err != nil {
		return err
	}
	ff, isFile, err := query.FileFormat(r)
	if err != nil {
		return err
	}
	var format api.Format
	if !isFile {
		if format, err = api.Negotiate(r, api.MediaGeoJSON, api.MediaJSON, api.MediaHTML); err != nil {
			return err
		}
	}
	f, err := s.featureAt(r, c.ID, mux.Vars(r)["featureId"])
	if err != nil {
		return err
	}
	if isFile {
		return featureFile(r.Context(), w, c, f, ff, inc)
	}
	tag := etag(f)
	if format == api.FormatHTML {
		tag = `"` + strconv.FormatInt(f.Version(), 10) + `-html"`
	}
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && api.ETagMatches(inm, tag, true) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	links := s.featureLinks(r, c, f, format)
	if format == api.FormatHTML {
		return api.WriteHTML(w, http.StatusOK, featureHTML(c, f, links))
	}
	pf, err := query.InCRS(f, inc)
	if err != nil {
		return err
	}
	b, err := featureJSON(pf, links)
	if err != nil {
		return err
	}
	query.SetContentCRS(w, inc)
	return api.WriteBytes(w, http.StatusOK, api.MediaGeoJSON, b)
}

// featureCRS checks one feature's parameters and returns the crs asked
// for (nil: CRS84).
func featureCRS(v url.Values) (*crs.CRS, error) {
	var inc *crs.CRS
	for k, vals := range v {
		switch k {
		case "f":
		case "crs":
			var err error
			if inc, err = query.LookupCRS(k, vals[0]); err != nil {
				return nil, err
			}
		default:
			if !featureParams[k] {
				return nil, api.BadRequest(k, fmt.Sprintf("unknown query parameter %q: a feature takes only f, crs, datetime and as_of", k))
			}
		}
	}
	return inc, nil
}

func (s *Server) featureLinks(r *http.Request, c *geo.Collection, f *geo.Feature, format api.Format) []api.Link {
	cref := s.base(r) + "/collections/" + api.PathEscape(c.ID)
	links := api.FormatLinks(cref+"/items/"+api.PathEscape(f.ID()), nil, api.MediaGeoJSON, format, f.String("name"))
	return append(links, api.Link{Href: cref + "?f=json", Rel: "collection", Type: api.MediaJSON, Title: c.Title})
}

// featureJSON is the feature's GeoJSON with its links added.
func featureJSON(f *geo.Feature, links []api.Link) ([]byte, error) {
	b := f.AppendJSON(nil)
	lb, err := json.Marshal(links)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], `,"links":`...)
	b = append(b, lb...)
	return append(b, '}'), nil
}

func featureHTML(c *geo.Collection, f *geo.Feature, links []api.Link) api.Page {
	p := api.Page{Title: f.String("name"), Description: f.String("description"), Links: links}
	p.Facts = append(p.Facts, api.Fact{Name: "Id", Value: f.ID()}, api.Fact{Name: "Collection", Value: c.Title})
	if g := f.Geometry(); g != nil {
		b := f.Bound()
		p.Facts = append(p.Facts, api.Fact{Name: "Geometry", Value: fmt.Sprintf("%s within %g, %g, %g, %g",
			g.GeoJSONType(), b.Min[0], b.Min[1], b.Max[0], b.Max[1])})
	}
	for name, raw := range f.Properties() {
		if name == "name" || name == "description" {
			continue
		}
		v, ok := f.Scalar(name)
		if !ok {
			v = string(raw)
		}
		p.Facts = append(p.Facts, api.Fact{Name: name, Value: v})
	}
	return p
}

// defaultFilterTimeout bounds the evaluation of one filtered request.
const defaultFilterTimeout = 10 * time.Second

// filterContext bounds a filtered request's evaluation in time.
func (s *Server) filterContext(ctx context.Context, e cql2.Expr) (context.Context, context.CancelFunc) {
	if e == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.cfg.FilterTimeout)
}

// atInstant shows features as they stood at an instant of valid time (an
// instant datetime): status from the timeline, status_source naming the
// entry (geo.Feature.AsAt). A zero instant leaves them as stored.
func atInstant(fs []*geo.Feature, at time.Time) []*geo.Feature {
	if at.IsZero() {
		return fs
	}
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		out[i] = f.AsAt(at)
	}
	return out
}

// featureParams are the parameters one feature takes besides f.
var featureParams = map[string]bool{"datetime": true, "as_of": true}

// featureDatetime reads one feature's datetime: the instant to show it at
// (an interval leaves it as stored, like items).
func featureDatetime(v url.Values) (time.Time, error) {
	dt := v.Get("datetime")
	if dt == "" {
		return time.Time{}, nil
	}
	_, at, err := geo.ParseDatetimeAt(strings.ReplaceAll(dt, " ", "+"))
	return at, err
}
