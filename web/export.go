package web

import (
	"context"
	"net/http"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

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
func (s *Server) handleItemsFile(w http.ResponseWriter, r *http.Request, c *geo.Collection, q query.Items, ff formats.Format) error {
	if err := query.FileCRS(q.CRS); err != nil {
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

// featureFile answers one feature as a file (in WGS 84: see query.FileCRS).
func featureFile(ctx context.Context, w http.ResponseWriter, c *geo.Collection, f *geo.Feature, ff formats.Format, in *crs.CRS) error {
	if err := query.FileCRS(in); err != nil {
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
