package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

type collectionDoc struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	Extent      extent   `json:"extent"`
	// GeometryTypes and Statuses say what the collection accepts (empty:
	// any), so that editors and importers can check before they write.
	GeometryTypes []string `json:"geometryTypes,omitempty"`
	Statuses      []string `json:"statuses,omitempty"`
	// Count is how many features the collection holds now.
	Count int        `json:"numberOfFeatures"`
	Links []api.Link `json:"links"`
}

type extent struct {
	Spatial  spatialExtent  `json:"spatial"`
	Temporal temporalExtent `json:"temporal"`
}

type spatialExtent struct {
	BBox [][]float64 `json:"bbox"`
	CRS  string      `json:"crs"`
}

type temporalExtent struct {
	Interval [][]*string `json:"interval"`
	TRS      string      `json:"trs"`
}

// collectionExtent is the data's extent; an empty collection claims the
// whole world and all time.
func collectionExtent(c *geo.Collection) extent {
	bbox := []float64{-180, -90, 180, 90}
	if c.Count > 0 {
		bbox = []float64{c.Bound.Min[0], c.Bound.Min[1], c.Bound.Max[0], c.Bound.Max[1]}
	}
	var start, end *string
	if t := c.TimeExtent(); c.Count > 0 || len(c.Temporal) == 2 {
		if !t.Start.IsZero() {
			s := t.Start.UTC().Format(time.RFC3339)
			start = &s
		}
		if !t.End.IsZero() {
			e := t.End.UTC().Format(time.RFC3339)
			end = &e
		}
	}
	return extent{
		Spatial:  spatialExtent{BBox: [][]float64{bbox}, CRS: api.CRS84},
		Temporal: temporalExtent{Interval: [][]*string{{start, end}}, TRS: api.TRSISO},
	}
}

// collectionDocument is the collection as both /collections and
// /collections/{id} show it: the same function, so they cannot differ.
func (s *Server) collectionDocument(r *http.Request, c *geo.Collection) collectionDoc {
	b := s.base(r)
	href := b + "/collections/" + api.PathEscape(c.ID)
	links := []api.Link{
		{Href: href + "?f=json", Rel: "self", Type: api.MediaJSON, Title: c.Title},
		{Href: href + "?f=html", Rel: "alternate", Type: api.MediaHTML, Title: c.Title + " as HTML"},
		// Clients append "/{featureId}" or their own query string to the
		// items href (GDAL does both), so it carries no ?f=: the type says
		// which Accept header gets which representation.
		{Href: href + "/items", Rel: api.RelItems, Type: api.MediaGeoJSON, Title: c.Title + " (GeoJSON)"},
		{Href: href + "/items", Rel: api.RelItems, Type: api.MediaHTML, Title: c.Title + " (HTML)"},
		{Href: href + "/queryables", Rel: api.RelQueryables, Type: api.MediaSchema, Title: "Queryable properties of " + c.Title},
		{Href: href + "/schema", Rel: relDescribe, Type: api.MediaSchema, Title: "Schema of the features of " + c.Title},
		{Href: href + "/schema", Rel: relSchema, Type: api.MediaSchema, Title: "Schema of the features of " + c.Title},
	}
	links = append(links, encodingLinks(href+"/items", c.Title, false)...)
	if s.hasRoute("/collections/{collectionId}/tiles") {
		links = append(links, api.Link{Href: href + "/tiles", Rel: api.RelTilesVector, Type: api.MediaJSON, Title: "Vector tiles of " + c.Title})
	}
	desc := c.Description
	if desc == "" {
		desc = c.Title
	}
	return collectionDoc{
		ID: c.ID, Title: c.Title, Description: desc, ItemType: "feature",
		GeometryTypes: c.Geometry, Statuses: c.Statuses,
		CRS: crs.URIs(), StorageCRS: crs.CRS84,
		Extent: collectionExtent(c), Count: c.Count, Links: links,
	}
}

func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) error {
	format, err := api.Negotiate(r, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	cols, err := s.cfg.Store.Collections(r.Context())
	if err != nil {
		return err
	}
	b := s.base(r)
	links := api.FormatLinks(b+"/collections", r.URL.Query(), api.MediaJSON, format, "The feature collections")
	docs := make([]collectionDoc, 0, len(cols))
	for i := range cols {
		docs = append(docs, s.collectionDocument(r, &cols[i]))
	}
	if format == api.FormatHTML {
		p := api.Page{Title: "Collections", Links: links, RowsTitle: "Collections"}
		for _, d := range docs {
			p.Rows = append(p.Rows, api.Row{Href: b + "/collections/" + api.PathEscape(d.ID) + "?f=html", Title: d.Title,
				Detail: fmt.Sprintf("%s · %d features", d.ID, d.Count)})
		}
		return api.WriteHTML(w, http.StatusOK, p)
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{"links": links, "collections": docs})
}

// collection loads the collection named in the path.
func (s *Server) collection(r *http.Request) (*geo.Collection, error) {
	cid := mux.Vars(r)["collectionId"]
	c, err := s.cfg.Store.Collection(r.Context(), cid)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	format, err := api.Negotiate(r, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	doc := s.collectionDocument(r, c)
	if format == api.FormatHTML {
		return api.WriteHTML(w, http.StatusOK, collectionHTML(doc, c))
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, doc)
}

func collectionHTML(doc collectionDoc, c *geo.Collection) api.Page {
	bbox := doc.Extent.Spatial.BBox[0]
	iv := doc.Extent.Temporal.Interval[0]
	when := func(s *string) string {
		if s == nil {
			return ".."
		}
		return *s
	}
	links := make([]api.Link, 0, len(doc.Links))
	for _, l := range doc.Links {
		if l.Rel == "self" {
			l.Rel, l.Href = "alternate", strings.Replace(l.Href, "?f=html", "?f=json", 1)
		} else if l.Rel == "alternate" {
			l.Rel = "self"
		}
		links = append(links, l)
	}
	return api.Page{Title: doc.Title, Description: doc.Description, Links: links, Facts: []api.Fact{
		{Name: "Id", Value: doc.ID},
		{Name: "Features", Value: fmt.Sprint(doc.Count)},
		{Name: "Geometry", Value: strings.Join(c.Geometry, ", ")},
		{Name: "Statuses", Value: strings.Join(c.Statuses, ", ")},
		{Name: "Spatial extent (CRS84)", Value: fmt.Sprintf("%g, %g, %g, %g", bbox[0], bbox[1], bbox[2], bbox[3])},
		{Name: "Temporal extent", Value: when(iv[0]) + " / " + when(iv[1])},
	}}
}

// handleQueryables serves the JSON Schema of the properties that the items
// operation filters on.
func (s *Server) handleQueryables(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	format, err := api.Negotiate(r, api.MediaSchema, api.MediaJSON, api.MediaHTML)
	if err != nil {
		return err
	}
	href := s.base(r) + "/collections/" + api.PathEscape(c.ID) + "/queryables"
	qs := query.FilterQueryables(c)
	if format == api.FormatHTML {
		p := api.Page{Title: "Queryables of " + c.Title, Description: "Filter the items with a CQL2 filter (?filter=) on these properties, or with ?name=value on the equality queryables.",
			Links: []api.Link{{Href: href + "?f=html", Rel: "self", Type: api.MediaHTML}, {Href: href + "?f=json", Rel: "alternate", Type: api.MediaSchema}}}
		for _, name := range query.SortedKeys(qs) {
			q := qs[name]
			v := q.Type
			if len(q.Enum) > 0 {
				v += ": " + strings.Join(q.Enum, ", ")
			}
			if q.Description != "" {
				v += " — " + q.Description
			}
			p.Facts = append(p.Facts, api.Fact{Name: name, Value: v})
		}
		return api.WriteHTML(w, http.StatusOK, p)
	}
	props := map[string]any{}
	for name, q := range qs {
		sch := map[string]any{"type": q.Type, "title": name}
		switch {
		case q.Format == "geometry-any":
			// a geometry has no JSON Schema type; Part 3 names it by format
			delete(sch, "type")
			sch["format"] = q.Format
		case q.Type == "":
			sch["type"] = "string"
		case q.Format != "":
			sch["format"] = q.Format
		}
		if q.Description != "" {
			sch["description"] = q.Description
		}
		if len(q.Enum) > 0 {
			sch["enum"] = q.Enum
		}
		props[name] = sch
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaSchema, map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  href,
		"type":                 "object",
		"title":                c.Title,
		"properties":           props,
		"additionalProperties": false,
	})
}
