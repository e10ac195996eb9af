package postgis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
)

// afterMigration are steps in Go that follow a migration's SQL in the
// same transaction, for data SQL cannot compute.
var afterMigration = map[int]func(context.Context, pgx.Tx) error{
	2: fillDocs,
}

// fillDocsBatch bounds the rows fillDocs holds at once.
const fillDocsBatch = 5000

// fillDocs encodes the GeoJSON of every row of schema version 1 from its
// properties (raw) and geometry, as the service would serve it.
func fillDocs(ctx context.Context, tx pgx.Tx) error {
	for {
		rows, err := tx.Query(ctx, `SELECT collection, id, raw, ST_AsBinary(geom) FROM features
			WHERE doc IS NULL ORDER BY collection, id LIMIT $1`, fillDocsBatch)
		if err != nil {
			return fmt.Errorf("fill doc: %w", err)
		}
		var cs, ids []string
		var docs [][]byte
		var c, id string
		var raw, g []byte
		_, err = pgx.ForEachRow(rows, []any{&c, &id, &raw, &g}, func() error {
			doc, err := docFromV1(c, id, raw, g)
			cs, ids, docs = append(cs, c), append(ids, id), append(docs, doc)
			return err
		})
		if err != nil {
			return fmt.Errorf("fill doc: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE features f SET doc = u.d
			FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(c, i, d)
			WHERE f.collection = u.c AND f.id = u.i`, cs, ids, docs); err != nil {
			return fmt.Errorf("fill doc: %w", err)
		}
	}
}

// docFromV1 encodes a version 1 row: raw is the properties object.
func docFromV1(cid, id string, raw, g []byte) ([]byte, error) {
	geom, err := wkb.Unmarshal(g)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: geometry: %w", cid, id, err)
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("feature %s/%s: properties: %w", cid, id, err)
	}
	f, err := geo.NewFeature(id, geom, props)
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: %w", cid, id, err)
	}
	return f.AppendJSON(nil), nil
}
