package dataset

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Export writes a FeatureCollection of one collection (or all when
// collection is ""), optionally limited to a bbox, ordered by collection
// then id so that two exports of the same data are identical. Each feature
// carries a "collection" property so the file imports back into the same
// collections.
func Export(ctx context.Context, st store.Store, w io.Writer, collection string, bbox *geo.BBox) (int, error) {
	ids := []string{collection}
	if collection == "" {
		cols, err := st.Collections(ctx)
		if err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
		ids = ids[:0]
		for _, c := range cols {
			ids = append(ids, c.ID)
		}
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	for _, cid := range ids {
		q := store.Query{Collection: cid, Sort: []store.Sort{{Property: "id"}}}
		q.BBox = bbox
		page, err := st.Query(ctx, q)
		if err != nil {
			return n, fmt.Errorf("export %s: %w", cid, err)
		}
		for _, f := range page.Features {
			if n > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
			if err := writeFeature(bw, f, cid); err != nil {
				return n, fmt.Errorf("export %s/%s: %w", cid, f.ID(), err)
			}
			n++
		}
	}
	bw.WriteString("\n]}\n")
	return n, bw.Flush()
}

func writeFeature(w io.Writer, f *geo.Feature, cid string) error {
	if f.String("collection") != cid {
		f = f.WithString("collection", cid)
	}
	_, err := io.WriteString(w, f.JSON())
	return err
}
