package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/web/api"
)

// itemsFParam is f for features: the file encodings on top of json and html.
var itemsFParam = api.Param{
	Name: "f", In: "query",
	Description: "Response format, overriding the Accept header: json (GeoJSON), html, or a file: gpkg (GeoPackage), fgb (FlatGeobuf), kml, kmz or csv. " +
		"A file holds every feature of the query unless limit is given.",
	Schema: map[string]any{"type": "string", "enum": append([]string{"json", "html"}, fileFormatNames()...)},
}

func fileFormatNames() []string {
	var out []string
	for _, f := range formats.Files {
		out = append(out, string(f))
	}
	return out
}

// fileMediaTypes are the media types of the file encodings, in order.
func fileMediaTypes() []string {
	var out []string
	for _, f := range formats.Files {
		out = append(out, f.MediaType())
	}
	return out
}

// fileFormat reports whether the request asks for a file encoding, by f
// or by an Accept header that prefers one of them to GeoJSON and HTML.
func fileFormat(r *http.Request) (formats.Format, bool, error) {
	if v, ok := r.URL.Query()["f"]; ok {
		switch strings.ToLower(v[0]) {
		case "json", "geojson", "html":
			return "", false, nil
		}
		if f, ok := formats.Parse(v[0]); ok && f != formats.GeoJSON {
			return f, true, nil
		}
		return "", false, api.BadRequest("f", fmt.Sprintf("f=%q is not supported here (use json, html, %s)", v[0], strings.Join(fileFormatNames(), ", ")))
	}
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return "", false, nil
	}
	best, err := api.PickMedia(accept, append([]string{api.MediaGeoJSON, api.MediaJSON, api.MediaHTML}, fileMediaTypes()...))
	if err != nil {
		return "", false, nil // negotiate answers 406 with every offer
	}
	for _, f := range formats.Files {
		if f.MediaType() == best {
			return f, true, nil
		}
	}
	return "", false, nil
}

// encodingLinks are the links to a resource's features in each file
// encoding; href ends in /items (or holds {collectionId} when templated).
func encodingLinks(href, title string, templated bool) []api.Link {
	var out []api.Link
	for _, f := range formats.Files {
		out = append(out, api.Link{Href: href + "?f=" + string(f), Rel: api.RelItems, Type: f.MediaType(),
			Title: title + " (" + f.Title() + ")", Templated: templated})
	}
	return out
}

// fileWriter sets a file's headers with its first byte, so that an error
// before it still gets the JSON error response.
type fileWriter struct {
	w       http.ResponseWriter
	f       formats.Format
	name    string
	started bool
}

func (fw *fileWriter) Write(b []byte) (int, error) {
	if !fw.started {
		fw.started = true
		h := fw.w.Header()
		h.Set("Content-Type", fw.f.MediaType())
		h.Set("Content-Disposition", `attachment; filename="`+fw.name+"."+fw.f.Ext()+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return fw.w.Write(b)
}

// handleItemsFile answers an items query with a file: every match, read
// from the store a chunk at a time and streamed through the encoder, or
// only limit of them when the client gave one.
func (s *Server) handleItemsFile(w http.ResponseWriter, r *http.Request, c *geo.Collection, q itemsQuery, ff formats.Format) error {
	if err := fileCRS(q.CRS); err != nil {
		return err
	}
	if !q.LimitGiven {
		q.Limit = 0
	}
	ctx := r.Context()
	select {
	case s.exportSlots <- struct{}{}:
		defer func() { <-s.exportSlots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	enc, err := formats.NewEncoder(ff, &fileWriter{w: w, f: ff, name: c.ID}, []geo.Collection{*c})
	if err != nil {
		return err
	}
	_, err = formats.Stream(ctx, s.cfg.Store, q.Query, func(f *geo.Feature) error {
		return enc.Write(withCollection(atInstant([]*geo.Feature{f}, q.At)[0], c.ID))
	})
	if err != nil {
		_ = enc.Close()
		return err
	}
	return enc.Close()
}

// withCollection makes sure the feature names its collection (stores set
// it; the encoders need it for layers and columns).
func withCollection(f *geo.Feature, cid string) *geo.Feature {
	if f.Collection() == cid {
		return f
	}
	return f.WithCollection(cid)
}

// featureFile answers one feature as a file (in WGS 84: see fileCRS).
func featureFile(ctx context.Context, w http.ResponseWriter, c *geo.Collection, f *geo.Feature, ff formats.Format, in *crs.CRS) error {
	if err := fileCRS(in); err != nil {
		return err
	}
	enc, err := formats.NewEncoder(ff, &fileWriter{w: w, f: ff, name: c.ID + "-" + f.ID()}, []geo.Collection{*c})
	if err != nil {
		return err
	}
	if err := enc.Write(withCollection(f, c.ID)); err != nil {
		_ = enc.Close()
		return err
	}
	if err := ctx.Err(); err != nil {
		_ = enc.Close()
		return err
	}
	return enc.Close()
}

// fileCRS rejects a crs the file encodings cannot declare: they are all in
// WGS 84 (KML by definition; the others say EPSG:4326).
func fileCRS(c *crs.CRS) error {
	if c == nil || c.IsCRS84() || c.URI == api.EPSG4326 {
		return nil
	}
	return api.BadRequest("crs", fmt.Sprintf("crs=%s: the file encodings are in WGS 84 (CRS84 or EPSG:4326); ask for GeoJSON in other CRSs", c.URI))
}
