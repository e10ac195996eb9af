package dataset

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/internal/store"
)

// ExportOptions select what an export writes and how.
type ExportOptions struct {
	Format     formats.Format // "" is GeoJSON
	Collection string         // "" is every collection
	BBox       *geo.BBox
	// Progress, when set, is called with the count of features written so
	// far, every ProgressEvery features.
	Progress func(n int)
}

// ProgressEvery is how often an export reports progress.
const ProgressEvery = 50000

// Export writes a GeoJSON FeatureCollection of one collection (or all
// when collection is ""), optionally limited to a bbox; see ExportFormat.
func Export(ctx context.Context, st store.Store, w io.Writer, collection string, bbox *geo.BBox) (int, error) {
	return ExportFormat(ctx, st, w, ExportOptions{Collection: collection, BBox: bbox})
}

// ExportFormat writes the features in a stable order (collection, then
// id), so two exports of the same data are identical, reading the store a
// chunk at a time. Each feature carries its collection (a "collection"
// property in GeoJSON, a column, table or folder in the other formats),
// so the file imports back into the same collections.
func ExportFormat(ctx context.Context, st store.Store, w io.Writer, opts ExportOptions) (int, error) {
	cols, err := exportCollections(ctx, st, opts.Collection)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	var enc formats.Encoder
	if opts.Format == "" || opts.Format == formats.GeoJSON {
		enc = newGeoJSONEncoder(w)
	} else if enc, err = formats.NewEncoder(opts.Format, w, cols); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	n := 0
	for _, c := range cols {
		q := store.Query{Collection: c.ID, Sort: []store.Sort{{Property: "id"}}}
		q.BBox = opts.BBox
		_, err := formats.Stream(ctx, st, q, func(f *geo.Feature) error {
			if f.Collection() != c.ID {
				f = f.WithCollection(c.ID)
			}
			if err := enc.Write(f); err != nil {
				return fmt.Errorf("%s/%s: %w", c.ID, f.ID(), err)
			}
			n++
			if opts.Progress != nil && n%ProgressEvery == 0 {
				opts.Progress(n)
			}
			return nil
		})
		if err != nil {
			_ = enc.Close()
			return n, fmt.Errorf("export %s: %w", c.ID, err)
		}
	}
	if err := enc.Close(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// exportCollections are the definitions of the collections to export.
func exportCollections(ctx context.Context, st store.Store, id string) ([]geo.Collection, error) {
	if id != "" {
		c, err := st.Collection(ctx, id)
		if err != nil {
			return nil, err
		}
		return []geo.Collection{c}, nil
	}
	return st.Collections(ctx)
}

// geojsonEncoder writes a FeatureCollection, one feature a line.
type geojsonEncoder struct {
	bw *bufio.Writer
	n  int
}

func newGeoJSONEncoder(w io.Writer) *geojsonEncoder {
	e := &geojsonEncoder{bw: bufio.NewWriter(w)}
	e.bw.WriteString(`{"type":"FeatureCollection","features":[`)
	return e
}

func (e *geojsonEncoder) Write(f *geo.Feature) error {
	if e.n > 0 {
		e.bw.WriteString(",")
	}
	e.bw.WriteString("\n")
	if f.String("collection") != f.Collection() {
		f = f.WithString("collection", f.Collection())
	}
	e.n++
	_, err := e.bw.WriteString(f.JSON())
	return err
}

func (e *geojsonEncoder) Close() error {
	e.bw.WriteString("\n]}\n")
	return e.bw.Flush()
}
