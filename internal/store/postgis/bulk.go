package postgis

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// The first import into an empty database is a bulk load, as ogr2ogr
// does one: the rows go straight into the table with COPY, in spatial
// order, and the indexes are built once at the end (sorted builds) rather
// than updated row by row, which is most of what an import costs. It takes
// the table's exclusive lock until commit, so readers wait for it; with an
// empty table there is nothing for them to read meanwhile.

// tableIndexes are a table's primary key and its other indexes, as the
// migrations leave them, which a bulk load drops and builds again.
type tableIndexes struct {
	table, pkey string // the primary key's columns
	indexes     []struct{ name, ddl string }
}

// featureIndexes are the features table's (0014).
var featureIndexes = tableIndexes{"features", "collection, id", []struct{ name, ddl string }{
	{"features_geom", "CREATE INDEX features_geom ON features USING gist (geom)"},
	{"features_terms", "CREATE INDEX features_terms ON features USING gin (terms)"},
	{"features_valid_from", "CREATE INDEX features_valid_from ON features (collection, valid_from, valid_from_ns) WHERE valid_from IS NOT NULL"},
	{"features_valid_to", "CREATE INDEX features_valid_to ON features (collection, valid_to, valid_to_ns) WHERE valid_to IS NOT NULL"},
}}

// versionIndexes are feature_versions' (0012, 0013).
var versionIndexes = tableIndexes{"feature_versions", "seq", []struct{ name, ddl string }{
	{"feature_versions_feature", "CREATE INDEX feature_versions_feature ON feature_versions (collection, id, version)"},
	{"feature_versions_at", "CREATE INDEX feature_versions_at ON feature_versions (at)"},
	{"feature_versions_asof", `CREATE INDEX feature_versions_asof ON feature_versions
		USING gist (ST_MakeEnvelope(min_x, min_y, max_x, max_y, 4326)) WHERE superseded IS NOT NULL AND change <> 'deleted'`},
}}

func (t tableIndexes) drop(ctx context.Context, tx pgx.Tx) error {
	stmts := []string{"ALTER TABLE " + t.table + " DROP CONSTRAINT " + t.table + "_pkey"}
	for _, ix := range t.indexes {
		stmts = append(stmts, "DROP INDEX "+ix.name)
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		return fmt.Errorf("drop the indexes of %s: %w", t.table, err)
	}
	return nil
}

func (t tableIndexes) build(ctx context.Context, tx pgx.Tx) error {
	stmts := []string{"ALTER TABLE " + t.table + " ADD CONSTRAINT " + t.table + "_pkey PRIMARY KEY (" + t.pkey + ")"}
	for _, ix := range t.indexes {
		stmts = append(stmts, ix.ddl)
	}
	if _, err := tx.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		return fmt.Errorf("build the indexes of %s: %w", t.table, err)
	}
	return nil
}

// copyHistory COPYs a bulk load's versions. Into an empty history (a new
// database) it does as bulkLoad does: the indexes go first, to be built
// at the end (half the time of updating them row by row), and it reports
// that they must be (versionIndexes.build). No other writer can reach the
// history meanwhile: each reads features, which the load has locked,
// first.
func copyHistory(ctx context.Context, tx pgx.Tx, data io.Reader) (bool, error) {
	var any bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM feature_versions)").Scan(&any); err != nil {
		return false, err
	}
	if !any {
		if err := versionIndexes.drop(ctx, tx); err != nil {
			return false, err
		}
	}
	sql := "COPY feature_versions (" + strings.Join(historyColumns, ", ") + ") FROM STDIN WITH (FORMAT binary)"
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, data, sql); err != nil {
		return false, err
	}
	return !any, nil
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

// bulkWrite writes a bulk load's rows, history and notifications, keeping
// both cores busy: the database takes the history while the rows' terms
// are found and sorted; then, once the terms have their codes, the rows
// are encoded (all of them, as fast as the cores allow) while the database
// builds the history's indexes, and COPYed as they come; the
// notifications are made meanwhile. The order does not matter here, as
// no other writer can hold a term or the sequence meanwhile (each reads
// features, which the load has locked, first).
func (s *Store) bulkWrite(ctx context.Context, tx pgx.Tx, w *writer, editor string) error {
	if err := number(ctx, tx, w.changes); err != nil {
		return err
	}
	type made struct {
		n   notices
		err error
	}
	notes := make(chan made, 1)
	go func() {
		n, err := s.notices(w.changes)
		notes <- made{n, err}
	}()
	if err := loadRows(ctx, tx, w, editor); err != nil {
		return err
	}
	m := <-notes
	if m.err != nil {
		return m.err
	}
	return send(ctx, tx, m.n)
}

// loadRows writes a bulk load's history and rows (bulkWrite).
func loadRows(ctx context.Context, tx pgx.Tx, w *writer, editor string) error {
	type prepared struct {
		fs    []*geo.Feature
		ts    []rowTerms
		exact []string // the distinct exact terms of ts
	}
	ready := make(chan prepared, 1)
	go func() {
		order := make(chan []int, 1)
		go func() { order <- spatialPermutation(w.rows) }()
		ts := termsOfAll(w.rows)
		exact := exactOf(ts)
		fs, ts := permute(w.rows, ts, <-order)
		ready <- prepared{fs, ts, exact}
	}()
	at := w.now.UTC().Format(store.TimeKey)
	versions := make(chan tupleChunk, 1)
	stop := make(chan struct{})
	defer close(stop)
	go historyChunks(w, at, editor, versions, stop)
	rebuild, err := copyHistory(ctx, tx, newCopyReader(versions))
	p := <-ready
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	codes, err := resolveCodes(ctx, tx, p.exact)
	if err != nil {
		return err
	}
	chunks := make(chan tupleChunk, len(p.fs)/upsertChunk+1) // never waits for the COPY
	go tupleChunks(p.fs, p.ts, codes, chunks, stop)
	if rebuild {
		if err := versionIndexes.build(ctx, tx); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	if err := supersede(ctx, tx, w.changes, at); err != nil {
		return err
	}
	return bulkLoad(ctx, tx, chunks)
}

// bulkLoad writes the encoded rows of chunks (tupleChunks), in spatial
// order (spatialOrder), with COPY into the features table, which the
// transaction has found empty and locked (lockEmpty).
func bulkLoad(ctx context.Context, tx pgx.Tx, chunks <-chan tupleChunk) error {
	if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	if err := featureIndexes.drop(ctx, tx); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	sql := "COPY features (" + strings.Join(bulkColumns, ", ") + ") FROM STDIN WITH (FORMAT binary)"
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, newCopyReader(chunks), sql); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	if err := featureIndexes.build(ctx, tx); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

// spatialOrder returns fs, and their terms ts, sorted by collection and
// spatialKey.
func spatialOrder(fs []*geo.Feature, ts []rowTerms) ([]*geo.Feature, []rowTerms) {
	return permute(fs, ts, spatialPermutation(fs))
}

// permute returns fs and ts in the order of perm, their positions.
func permute(fs []*geo.Feature, ts []rowTerms, perm []int) ([]*geo.Feature, []rowTerms) {
	out, outTerms := make([]*geo.Feature, len(fs)), make([]rowTerms, len(fs))
	for i, j := range perm {
		out[i], outTerms[i] = fs[j], ts[j]
	}
	return out, outTerms
}

// spatialPermutation is the order of fs by collection and spatialKey, as
// positions in fs.
func spatialPermutation(fs []*geo.Feature) []int {
	ranks := map[string]uint64{}
	for _, f := range fs {
		ranks[f.Collection()] = 0
	}
	for i, c := range slices.Sorted(maps.Keys(ranks)) {
		ranks[c] = uint64(i)
	}
	if len(ranks) <= 1<<rankBits && len(fs) <= 1<<positionBits {
		return packedOrder(fs, ranks)
	}
	return comparedOrder(fs, ranks)
}

// A feature's sort key in packedOrder is one integer: its collection's
// rank, its spatialKey (32 bits) and its position.
const rankBits, positionBits = 10, 22

// packedOrder sorts fs by their keys as single integers, a fifth of the
// time of comparing collections and spatial keys; ranks are the
// collections' places in id order.
func packedOrder(fs []*geo.Feature, ranks map[string]uint64) []int {
	keys := make([]uint64, len(fs))
	for i, f := range fs {
		keys[i] = ranks[f.Collection()]<<(32+positionBits) | uint64(spatialKey(f.Bound().Center()))<<positionBits | uint64(i)
	}
	slices.Sort(keys)
	perm := make([]int, len(fs))
	for i, k := range keys {
		perm[i] = int(k & (1<<positionBits - 1))
	}
	return perm
}

// comparedOrder is packedOrder for batches with too many collections or
// features to pack their keys.
func comparedOrder(fs []*geo.Feature, ranks map[string]uint64) []int {
	keys := make([]uint64, len(fs))
	perm := make([]int, len(fs))
	for i, f := range fs {
		keys[i] = ranks[f.Collection()]<<32 | uint64(spatialKey(f.Bound().Center()))
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	return perm
}

var bulkColumns = []string{"collection", "id", "version", "geom", "min_x", "min_y", "max_x", "max_y", "props",
	"terms", "text_terms", "name_lower", "name_local_lower", "updated", "valid_from", "valid_from_ns", "valid_to", "valid_to_ns"}
