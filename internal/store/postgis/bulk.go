package postgis

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sitmap/sitmap/geo"
)

// The first import into an empty database is a bulk load, as ogr2ogr
// does one: the rows go straight into the table with COPY, in spatial
// order, and the indexes are built once at the end (sorted builds) rather
// than updated row by row, which is most of what an import costs. It takes
// the table's exclusive lock until commit, so readers wait for it; with an
// empty table there is nothing for them to read meanwhile.

// featureIndexes are the features table's indexes besides the primary key,
// as the migrations leave them (0014).
var featureIndexes = []struct{ name, ddl string }{
	{"features_geom", "CREATE INDEX features_geom ON features USING gist (geom)"},
	{"features_terms", "CREATE INDEX features_terms ON features USING gin (terms)"},
	{"features_valid_from", "CREATE INDEX features_valid_from ON features (collection, valid_from, valid_from_ns) WHERE valid_from IS NOT NULL"},
	{"features_valid_to", "CREATE INDEX features_valid_to ON features (collection, valid_to, valid_to_ns) WHERE valid_to IS NOT NULL"},
}

// versionIndexes are feature_versions' indexes besides the primary key,
// as the migrations leave them (0012, 0013).
var versionIndexes = []struct{ name, ddl string }{
	{"feature_versions_feature", "CREATE INDEX feature_versions_feature ON feature_versions (collection, id, version)"},
	{"feature_versions_at", "CREATE INDEX feature_versions_at ON feature_versions (at)"},
	{"feature_versions_asof", `CREATE INDEX feature_versions_asof ON feature_versions
		USING gist (ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326)) WHERE superseded IS NOT NULL AND change <> 'deleted'`},
}

// copyHistory COPYs a bulk load's versions. Into an empty history (a new
// database) it does as bulkLoad does: the indexes go first and are built
// at the end, which takes half the time of updating them row by row. No
// other writer can reach the history meanwhile: each reads features,
// which the load has locked, first.
func copyHistory(ctx context.Context, tx pgx.Tx, data []byte) error {
	var any bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM feature_versions)").Scan(&any); err != nil {
		return err
	}
	if !any {
		drop := []string{"ALTER TABLE feature_versions DROP CONSTRAINT feature_versions_pkey"}
		for _, ix := range versionIndexes {
			drop = append(drop, "DROP INDEX "+ix.name)
		}
		if _, err := tx.Exec(ctx, strings.Join(drop, "; ")); err != nil {
			return err
		}
	}
	sql := "COPY feature_versions (" + strings.Join(historyColumns, ", ") + ") FROM STDIN WITH (FORMAT binary)"
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), sql); err != nil {
		return err
	}
	if any {
		return nil
	}
	build := []string{"ALTER TABLE feature_versions ADD CONSTRAINT feature_versions_pkey PRIMARY KEY (seq)"}
	for _, ix := range versionIndexes {
		build = append(build, ix.ddl)
	}
	_, err := tx.Exec(ctx, strings.Join(build, "; "))
	return err
}

// lockEmpty takes the features table's exclusive lock if the table is
// empty, and reports whether it did (a bulk load may follow).
func lockEmpty(ctx context.Context, tx pgx.Tx) (bool, error) {
	empty := func() (bool, error) {
		var any bool
		err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM features)").Scan(&any)
		return !any, err
	}
	if ok, err := empty(); err != nil || !ok {
		return false, err
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE features IN ACCESS EXCLUSIVE MODE"); err != nil {
		return false, fmt.Errorf("bulk load: %w", err)
	}
	return empty() // false: another writer came first; the lock goes at commit
}

// bulkWrite writes a bulk load's rows and history. The history goes first,
// while the rows' terms are found and sorted on the other cores: the
// order of the two does not matter here, as no other writer can hold
// a term or the sequence meanwhile (each reads features, which the load
// has locked, first).
func bulkWrite(ctx context.Context, tx pgx.Tx, w *writer, editor string) error {
	if err := number(ctx, tx, w.changes); err != nil {
		return err
	}
	type prepared struct {
		fs []*geo.Feature
		ts []rowTerms
	}
	ready := make(chan prepared, 1)
	go func() {
		fs, ts := spatialOrder(w.rows, termsOfAll(w.rows))
		ready <- prepared{fs, ts}
	}()
	err := writeHistory(ctx, tx, w, editor)
	p := <-ready
	if err != nil {
		return err
	}
	codes, err := resolveCodes(ctx, tx, exactOf(p.ts))
	if err != nil {
		return err
	}
	return bulkLoad(ctx, tx, p.fs, p.ts, codes)
}

// bulkLoad writes fs, in spatial order (spatialOrder), with COPY into the
// features table, which the transaction has found empty and locked
// (lockEmpty).
func bulkLoad(ctx context.Context, tx pgx.Tx, fs []*geo.Feature, ts []rowTerms, codes map[string]int32) error {
	drop := []string{"SET LOCAL maintenance_work_mem = '256MB'", "ALTER TABLE features DROP CONSTRAINT features_pkey"}
	for _, ix := range featureIndexes {
		drop = append(drop, "DROP INDEX "+ix.name)
	}
	if _, err := tx.Exec(ctx, strings.Join(drop, "; ")); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	chunks := make(chan tupleChunk, 1)
	stop := make(chan struct{})
	defer close(stop)
	go tupleChunks(fs, ts, codes, chunks, stop)
	sql := "COPY features (" + strings.Join(bulkColumns, ", ") + ") FROM STDIN WITH (FORMAT binary)"
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, newCopyReader(chunks), sql); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	build := []string{"ALTER TABLE features ADD CONSTRAINT features_pkey PRIMARY KEY (collection, id)"}
	for _, ix := range featureIndexes {
		build = append(build, ix.ddl)
	}
	if _, err := tx.Exec(ctx, strings.Join(build, "; ")); err != nil {
		return fmt.Errorf("bulk load: indexes: %w", err)
	}
	return nil
}

// spatialOrder returns fs, and their terms ts, sorted by collection and
// spatialKey.
func spatialOrder(fs []*geo.Feature, ts []rowTerms) ([]*geo.Feature, []rowTerms) {
	type keyed struct { // small, and no pointer to follow while sorting
		c string
		k int64
		i int
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{f.Collection(), spatialKey(f.Bound().Center()), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.c, b.c), cmp.Compare(a.k, b.k))
	})
	out, outTerms := make([]*geo.Feature, len(fs)), make([]rowTerms, len(fs))
	for i, k := range ks {
		out[i], outTerms[i] = fs[k.i], ts[k.i]
	}
	return out, outTerms
}

var bulkColumns = []string{"collection", "id", "version", "geom", "min_x", "min_y", "max_x", "max_y", "props",
	"terms", "text_terms", "name_lower", "name_local_lower", "updated", "valid_from", "valid_from_ns", "valid_to", "valid_to_ns"}
