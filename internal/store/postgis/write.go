package postgis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/par"
	"github.com/sitmap/sitmap/internal/store"
)

// PutCollection creates a collection or updates its metadata.
func (s *Store) PutCollection(ctx context.Context, meta geo.Collection) error {
	raw, err := store.EncodeCollection(meta)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO collections (id, meta) VALUES ($1, $2::jsonb)
		ON CONFLICT (id) DO UPDATE SET meta = excluded.meta`, meta.ID, raw)
	if err != nil {
		return fmt.Errorf("postgis: put collection %s: %w", meta.ID, err)
	}
	return nil
}

// createCollections makes the collections that do not exist yet, inside
// the write's transaction.
func createCollections(ctx context.Context, tx pgx.Tx, metas []geo.Collection) error {
	for _, meta := range metas {
		raw, err := store.EncodeCollection(meta)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO collections (id, meta) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING`, meta.ID, raw)
		if err != nil {
			return fmt.Errorf("create collection %s: %w", meta.ID, err)
		}
	}
	return nil
}

// Writers lock, in this order, the rows of the collections they write
// (sorted by id; UPDATE ... SET version) and then the sequence row, so
// writers of one collection take turns, Seq grows in commit order, and no
// two writers wait for each other in a cycle.

// Put writes a batch all or nothing, with the collections it creates.
func (s *Store) Put(ctx context.Context, in []*geo.Feature, mode store.PutMode, create ...geo.Collection) ([]*geo.Feature, error) {
	fs, perColl, cids := withIDs(in)
	out := make([]*geo.Feature, len(fs))
	err := s.write(ctx, func(tx pgx.Tx, w *writer) error {
		w.grow(len(fs))
		if err := createCollections(ctx, tx, create); err != nil {
			return err
		}
		next, err := lockCollections(ctx, tx, cids, perColl)
		if err != nil {
			return err
		}
		exists := map[[2]string]bool{}
		if len(fs) >= bulkThreshold {
			if w.bulk, err = lockEmpty(ctx, tx); err != nil {
				return err
			}
		}
		if !w.bulk { // an empty table holds none of them
			if exists, err = existing(ctx, tx, fs, w); err != nil {
				return err
			}
		}
		for i, f := range fs {
			cid := f.Collection()
			if _, ok := next[cid]; !ok {
				return notFound("collection %s", cid)
			}
			key := [2]string{cid, f.ID()}
			_, seen := w.index[key] // written earlier in this batch
			if (exists[key] || seen) && mode == store.CreateOnly {
				return store.Errorf(store.ErrConflict, "feature %s/%s already exists", cid, f.ID())
			}
			typ := store.Created
			if exists[key] || seen {
				typ = store.Replaced
			}
			out[i] = w.put(f.WithVersion(next[cid]), typ)
			next[cid]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// withIDs is in with an id for each feature that has none, the count of
// features per collection, and the collections in id order (the order
// writers lock them in).
func withIDs(in []*geo.Feature) ([]*geo.Feature, map[string]int64, []string) {
	fs := make([]*geo.Feature, len(in))
	perColl := map[string]int64{}
	for i, f := range in {
		if f.ID() == "" {
			f = f.WithID(geo.NewID())
		}
		fs[i] = f
		perColl[f.Collection()]++
	}
	cids := make([]string, 0, len(perColl))
	for cid := range perColl {
		cids = append(cids, cid)
	}
	sort.Strings(cids)
	return fs, perColl, cids
}

// lockCollections locks the collections cids, in order, bumping each
// one's version by its count of features, and returns the version the
// first of them gets; a collection that does not exist has no entry.
func lockCollections(ctx context.Context, tx pgx.Tx, cids []string, perColl map[string]int64) (map[string]int64, error) {
	next := map[string]int64{}
	for _, cid := range cids {
		v, err := lockCollection(ctx, tx, cid, perColl[cid])
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			next[cid] = v - perColl[cid] + 1
		}
	}
	return next, nil
}

// lockCollection bumps the collection's version by n and returns the new
// version; ErrNotFound if it does not exist.
func lockCollection(ctx context.Context, tx pgx.Tx, cid string, n int64) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, "UPDATE collections SET version = version + $2 WHERE id = $1 RETURNING version", cid, n).Scan(&v)
	if isNoRows(err) {
		return 0, notFound("collection %s", cid)
	}
	if err != nil {
		return 0, fmt.Errorf("lock collection %s: %w", cid, err)
	}
	return v, nil
}

// existing finds which of the features' ids are stored already, and
// keeps in w.prior those whose version has no doc of its own in the
// history (the write supersedes it: writeHistory).
func existing(ctx context.Context, tx pgx.Tx, fs []*geo.Feature, w *writer) (map[[2]string]bool, error) {
	cs := make([]string, len(fs))
	ids := make([]string, len(fs))
	for i, f := range fs {
		cs[i], ids[i] = f.Collection(), f.ID()
	}
	rows, err := tx.Query(ctx, `SELECT f.collection, f.id, `+priorCols+` FROM features f
		JOIN unnest($1::text[], $2::text[]) AS u(c, i) ON f.collection = u.c AND f.id = u.i`+priorJoin, cs, ids)
	if err != nil {
		return nil, fmt.Errorf("find existing features: %w", err)
	}
	out := map[[2]string]bool{}
	var c, i string
	var p prior
	_, err = pgx.ForEachRow(rows, []any{&c, &i, &p.version, &p.props, &p.geom}, func() error {
		if out[[2]string{c, i}] { // the batch names it twice
			return nil
		}
		out[[2]string{c, i}] = true
		return w.keep(c, i, p)
	})
	if err != nil {
		return nil, fmt.Errorf("find existing features: %w", err)
	}
	return out, nil
}

// priorCols and priorJoin read, with a features row f, its version and,
// when the version's history row has no doc (it is current), its
// properties and geometry, for writer.keep.
const (
	priorCols = "f.version, CASE WHEN pv.seq IS NOT NULL THEN f.props END, CASE WHEN pv.seq IS NOT NULL THEN ST_AsBinary(f.geom) END"
	priorJoin = ` LEFT JOIN feature_versions pv ON pv.collection = f.collection AND pv.id = f.id AND pv.version = f.version
		AND pv.doc IS NULL AND pv.change <> 'deleted'`
)

// prior is a stored feature's row as priorCols read it.
type prior struct {
	version     int64
	props, geom []byte
}

// keep adds the stored feature of p to w.prior, if its history row needs
// its doc.
func (w *writer) keep(cid, fid string, p prior) error {
	if p.props == nil {
		return nil
	}
	f, err := decodeFeature(cid, fid, p.version, p.props, p.geom)
	if err != nil {
		return err
	}
	w.prior = append(w.prior, f)
	return nil
}

// current locks the feature a replace or delete acts on, checks the
// expected version and keeps the stored feature for its history
// (writer.keep). The caller holds the collection's lock.
func current(ctx context.Context, tx pgx.Tx, w *writer, cid, fid string, version int64) error {
	var p prior
	err := tx.QueryRow(ctx, "SELECT "+priorCols+" FROM features f"+priorJoin+" WHERE f.collection = $1 AND f.id = $2",
		cid, fid).Scan(&p.version, &p.props, &p.geom)
	if isNoRows(err) {
		return notFound("feature %s/%s", cid, fid)
	}
	if err != nil {
		return fmt.Errorf("get %s/%s: %w", cid, fid, err)
	}
	if version != 0 && version != p.version {
		return store.Errorf(store.ErrVersionMismatch, "feature %s/%s is at version %d, not %d", cid, fid, p.version, version)
	}
	return w.keep(cid, fid, p)
}

// Replace overwrites an existing feature.
func (s *Store) Replace(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error) {
	return s.replace(ctx, f, version, store.Replaced)
}

// Patch overwrites an existing feature with a patched copy.
func (s *Store) Patch(ctx context.Context, f *geo.Feature, version int64) (*geo.Feature, error) {
	return s.replace(ctx, f, version, store.Patched)
}

func (s *Store) replace(ctx context.Context, f *geo.Feature, version int64, typ store.ChangeType) (*geo.Feature, error) {
	var stored *geo.Feature
	err := s.write(ctx, func(tx pgx.Tx, w *writer) error {
		v, err := lockCollection(ctx, tx, f.Collection(), 1)
		if err != nil {
			return err
		}
		if err := current(ctx, tx, w, f.Collection(), f.ID(), version); err != nil {
			return err
		}
		stored = w.put(f.WithVersion(v), typ)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// Delete removes a feature.
func (s *Store) Delete(ctx context.Context, cid, fid string, version int64) error {
	return s.write(ctx, func(tx pgx.Tx, w *writer) error {
		v, err := lockCollection(ctx, tx, cid, 1)
		if err != nil {
			return err
		}
		if err := current(ctx, tx, w, cid, fid, version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM features WHERE collection = $1 AND id = $2", cid, fid); err != nil {
			return fmt.Errorf("delete %s/%s: %w", cid, fid, err)
		}
		w.record(store.Deleted, cid, fid, v)
		w.feats = append(w.feats, nil)
		return nil
	})
}

// writer gathers one transaction's rows and changes.
type writer struct {
	bulk    bool // the features table was empty, and is locked (lockEmpty)
	now     time.Time
	rows    []*geo.Feature
	index   map[[2]string]int // position in rows, so a batch writes an id once
	changes []store.Change
	feats   []*geo.Feature // what each change wrote, for history.go (nil: a deletion)
	prior   []*geo.Feature // stored versions the write supersedes whose history needs their doc (keep)
}

// isCurrent reports whether f, which the write put, is what its features
// row will hold (not a version the same batch wrote again).
func (w *writer) isCurrent(f *geo.Feature) bool {
	i, ok := w.index[[2]string{f.Collection(), f.ID()}]
	return ok && w.rows[i] == f
}

// grow makes room for n more rows and changes at once (a bulk load's
// 222,000 would otherwise be copied as they grow).
func (w *writer) grow(n int) {
	if len(w.index) == 0 {
		w.index = make(map[[2]string]int, n)
	}
	w.rows = slices.Grow(w.rows, n)
	w.changes = slices.Grow(w.changes, n)
	w.feats = slices.Grow(w.feats, n)
}

// put adds a row and returns the feature as it will be stored.
func (w *writer) put(f *geo.Feature, typ store.ChangeType) *geo.Feature {
	if !f.Has("updated") {
		f = f.WithString("updated", w.now.Format(time.RFC3339Nano))
	}
	key := [2]string{f.Collection(), f.ID()}
	if i, ok := w.index[key]; ok {
		w.rows[i] = f
	} else {
		w.index[key] = len(w.rows)
		w.rows = append(w.rows, f)
	}
	w.record(typ, f.Collection(), f.ID(), f.Version())
	w.feats = append(w.feats, f)
	return f
}

func (w *writer) record(typ store.ChangeType, cid, fid string, version int64) {
	w.changes = append(w.changes, store.Change{Type: typ, Collection: cid, ID: fid, Version: version, Time: w.now})
}

// write runs fn in a transaction, then writes the rows fn put, numbers the
// changes, logs and notifies them, and commits. Once committed, the changes
// go to this Store's subscribers at once (other Stores get them by
// NOTIFY). On any error nothing is written and nothing is published.
func (s *Store) write(ctx context.Context, fn func(pgx.Tx, *writer) error) error {
	w := &writer{now: s.now().UTC(), index: map[[2]string]int{}}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := fn(tx, w); err != nil {
			return err
		}
		if w.bulk {
			return s.bulkWrite(ctx, tx, w, store.EditorOf(ctx))
		}
		if err := upsert(ctx, tx, w.rows, false); err != nil {
			return err
		}
		if len(w.changes) == 0 {
			return nil
		}
		if err := number(ctx, tx, w.changes); err != nil {
			return err
		}
		if err := writeHistory(ctx, tx, w, store.EditorOf(ctx)); err != nil {
			return err
		}
		return s.notify(ctx, tx, w.changes)
	})
	if err != nil {
		return fmt.Errorf("postgis: write: %w", err)
	}
	s.hub.Publish(w.changes)
	if len(w.rows) >= analyzeAfter {
		s.refreshStatistics()
	}
	return nil
}

// refreshStatistics asks the database for fresh planner statistics after
// a large write, of the columns queries filter on (the history's
// documents would cost half the time and guide no plan), rather than
// leaving them to autovacuum, a minute or so later (as ogr2ogr does). It
// does not wait for them, a fifth of an import's time: the write has
// committed, and the database completes ANALYZE whether or not this
// process is still connected (it notices a gone client only when it
// answers). Close waits until the statements are sent. Best effort.
func (s *Store) refreshStatistics() {
	s.analyzing.Add(1)
	go func() {
		sent := false
		defer func() {
			if !sent {
				s.analyzing.Done()
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, s.listenCfg)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		results := conn.PgConn().Exec(ctx, "ANALYZE features (collection, geom, terms, valid_from, valid_to); "+
			"ANALYZE feature_versions (collection, id, version, at, change, superseded)")
		sent = true
		s.analyzing.Done()
		_ = results.Close()
	}()
}

// number gives the changes their Seqs.
func number(ctx context.Context, tx pgx.Tx, changes []store.Change) error {
	var last int64
	if err := tx.QueryRow(ctx, "UPDATE sitmap_seq SET seq = seq + $1 RETURNING seq", int64(len(changes))).Scan(&last); err != nil {
		return fmt.Errorf("sequence: %w", err)
	}
	first := last - int64(len(changes)) + 1
	for i := range changes {
		changes[i].Seq = first + int64(i)
	}
	return nil
}

// analyzeAfter is the batch size from which a write refreshes the
// planner's statistics.
const analyzeAfter = 10000

// upsertChunk bounds the rows one INSERT sends.
const upsertChunk = 2000

const upsertSQL = `
INSERT INTO features (collection, id, version, geom, min_x, min_y, max_x, max_y, props, terms,
	text_terms, name_lower, name_local_lower, updated, valid_from, valid_from_ns, valid_to, valid_to_ns)
SELECT c, i, v, ST_GeomFromEWKB(w), x0, y0, x1, y1, d, string_to_array(t, ',')::integer[],
	string_to_array(tt, ',')::integer[], nl, ll, u, vf, vfn, vt, vtn
FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::float8[], $6::float8[], $7::float8[],
	$8::float8[], $9::bytea[], $10::text[], $11::text[], $12::bytea[], $13::bytea[], $14::bytea[],
	$15::timestamptz[], $16::int2[], $17::timestamptz[], $18::int2[])
	AS u(c, i, v, w, x0, y0, x1, y1, d, t, tt, nl, ll, u, vf, vfn, vt, vtn)
` + onConflictSQL

const onConflictSQL = `
ON CONFLICT (collection, id) DO UPDATE SET
	version = excluded.version, geom = excluded.geom,
	min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y,
	props = excluded.props, terms = excluded.terms, text_terms = excluded.text_terms,
	name_lower = excluded.name_lower, name_local_lower = excluded.name_local_lower,
	updated = excluded.updated,
	valid_from = excluded.valid_from, valid_from_ns = excluded.valid_from_ns,
	valid_to = excluded.valid_to, valid_to_ns = excluded.valid_to_ns`

// columns is a chunk of rows as one array per column, ready for upsertSQL.
type columns struct {
	cs, ids        []string
	terms          [][]int32
	textTerms      [][]int32
	vers           []int64
	wkbs, props    [][]byte
	order          []int64
	nls, lls, ups  [][]byte
	x0, y0, x1, y1 []float64
	vf, vt         []pgtype.Timestamptz
	vfn, vtn       []int16
	err            error
}

// encodeColumns encodes a chunk, spreading the work over the CPUs.
func encodeColumns(fs []*geo.Feature, ts []rowTerms, codes map[string]int32) *columns {
	n := len(fs)
	c := &columns{
		cs: make([]string, n), ids: make([]string, n), terms: make([][]int32, n), textTerms: make([][]int32, n),
		vers: make([]int64, n), wkbs: make([][]byte, n), props: make([][]byte, n), order: make([]int64, n),
		nls: make([][]byte, n), lls: make([][]byte, n), ups: make([][]byte, n),
		x0: make([]float64, n), y0: make([]float64, n), x1: make([]float64, n), y1: make([]float64, n),
		vf: make([]pgtype.Timestamptz, n), vt: make([]pgtype.Timestamptz, n),
		vfn: make([]int16, n), vtn: make([]int16, n),
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/256))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keys updatedKeys
			for i := w; i < n; i += workers {
				r, err := encodeRow(fs[i], ts[i], codes, &keys)
				if err != nil {
					mu.Lock()
					c.err = err
					mu.Unlock()
					return
				}
				c.cs[i], c.ids[i], c.vers[i], c.wkbs[i] = r.collection, r.id, r.version, r.wkb
				c.x0[i], c.y0[i], c.x1[i], c.y1[i] = r.xmin, r.ymin, r.xmax, r.ymax
				c.props[i], c.order[i] = []byte(r.props), r.order
				c.terms[i], c.textTerms[i] = r.terms, r.textTerms
				c.nls[i], c.lls[i], c.ups[i] = []byte(r.nameLower), []byte(r.localLower), []byte(r.updated)
				c.vf[i], c.vfn[i], c.vt[i], c.vtn[i] = r.validFrom, r.validFromNs, r.validTo, r.validToNs
			}
		}()
	}
	wg.Wait()
	return c
}

// joinCodes writes each row's terms or text_terms as "1,2,...", for
// upsertSQL (an array parameter cannot hold rows of different lengths).
func joinCodes(rows [][]int32) []string {
	out := make([]string, len(rows))
	var b []byte
	for i, hs := range rows {
		b = b[:0]
		for j, h := range hs {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(h), 10)
		}
		out[i] = string(b)
	}
	return out
}

// bulkThreshold is the batch size from which a write into an empty table
// is a bulk load (bulkLoad).
const bulkThreshold = 10000

// encodeChunks encodes fs chunk by chunk into chunks, until done or stop.
func encodeChunks(fs []*geo.Feature, ts []rowTerms, codes map[string]int32, chunks chan<- *columns, stop <-chan struct{}) {
	defer close(chunks)
	for i := 0; i < len(fs); i += upsertChunk {
		j := min(i+upsertChunk, len(fs))
		c := encodeColumns(fs[i:j], ts[i:j], codes)
		select {
		case chunks <- c:
		case <-stop:
			return
		}
	}
}

// codeTerms finds the terms of fs (on every core) and the codes of their
// exact terms, giving the new ones theirs.
func codeTerms(ctx context.Context, tx pgx.Tx, fs []*geo.Feature) ([]rowTerms, map[string]int32, error) {
	ts := termsOfAll(fs)
	codes, err := resolveCodes(ctx, tx, exactOf(ts))
	return ts, codes, err
}

// termsOfAll finds the terms of fs, on every core.
func termsOfAll(fs []*geo.Feature) []rowTerms {
	ts := make([]rowTerms, len(fs))
	_ = par.Do(len(fs), func(i int) error {
		ts[i] = termsOf(fs[i])
		return nil
	})
	return ts
}

// exactOf lists the distinct exact terms of ts.
func exactOf(ts []rowTerms) []string {
	seen := map[string]bool{}
	var distinct []string
	for _, t := range ts {
		for _, e := range t.exact {
			if !seen[e] {
				seen[e] = true
				distinct = append(distinct, e)
			}
		}
	}
	return distinct
}

// resolveCodes returns the code of each term in sitmap_terms, adding the
// terms it lacks (in order, so concurrent writers wait for each other
// rather than deadlock; a term another writer adds meanwhile is left to
// it, and the second statement sees it).
func resolveCodes(ctx context.Context, tx pgx.Tx, terms []string) (map[string]int32, error) {
	codes := make(map[string]int32, len(terms))
	if len(terms) == 0 {
		return codes, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sitmap_terms (term)
		SELECT t FROM unnest($1::text[]) t WHERE NOT EXISTS (SELECT 1 FROM sitmap_terms d WHERE d.term = t)
		ORDER BY t ON CONFLICT (term) DO NOTHING`, terms); err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT term, code FROM sitmap_terms WHERE term = ANY($1)", terms)
	if err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	var t string
	var c int32
	if _, err := pgx.ForEachRow(rows, []any{&t, &c}, func() error {
		codes[t] = c
		return nil
	}); err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	if len(codes) != len(terms) {
		return nil, fmt.Errorf("terms: %d of %d coded", len(codes), len(terms))
	}
	return codes, nil
}

// copyThreshold is the batch size from which upsert goes through COPY
// and a temporary table rather than INSERTs of unnested arrays.
const copyThreshold = 1000

// upsert writes features, small batches in chunks of one array per column,
// large ones with COPY, into an empty table (bulk: locked by lockEmpty)
// a bulk load; either way the next chunk is encoded while the database
// writes the last.
func upsert(ctx context.Context, tx pgx.Tx, fs []*geo.Feature, bulk bool) error {
	if len(fs) == 0 {
		return nil
	}
	ts, codes, err := codeTerms(ctx, tx, fs)
	if err != nil {
		return err
	}
	if !bulk && len(fs) >= bulkThreshold {
		if bulk, err = lockEmpty(ctx, tx); err != nil {
			return err
		}
	}
	if bulk {
		fs, ts = spatialOrder(fs, ts)
		chunks := make(chan tupleChunk, 1)
		stop := make(chan struct{})
		defer close(stop)
		go tupleChunks(fs, ts, codes, chunks, stop)
		return bulkLoad(ctx, tx, chunks)
	}
	chunks := make(chan *columns, 1)
	stop := make(chan struct{})
	defer close(stop)
	go encodeChunks(fs, ts, codes, chunks, stop)
	if len(fs) >= copyThreshold {
		return copyUpsert(ctx, tx, chunks)
	}
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		_, err := tx.Exec(ctx, upsertSQL, c.cs, c.ids, c.vers, c.wkbs, c.x0, c.y0, c.x1, c.y1, c.props, joinCodes(c.terms),
			joinCodes(c.textTerms), c.nls, c.lls, c.ups, c.vf, c.vfn, c.vt, c.vtn)
		if err != nil {
			return fmt.Errorf("write features: %w", err)
		}
	}
	return nil
}

const copyCreateSQL = `CREATE TEMPORARY TABLE sitmap_load (
	c text, i text, v int8, w bytea, x0 float8, y0 float8, x1 float8, y1 float8, d bytea, k int8, t integer[], tt integer[],
	nl bytea, ll bytea, u bytea, vf timestamptz, vfn int2, vt timestamptz, vtn int2) ON COMMIT DROP`

var copyColumns = []string{"c", "i", "v", "w", "x0", "y0", "x1", "y1", "d", "k", "t", "tt", "nl", "ll", "u", "vf", "vfn", "vt", "vtn"}

const copyInsertSQL = `
INSERT INTO features (collection, id, version, geom, min_x, min_y, max_x, max_y, props, terms,
	text_terms, name_lower, name_local_lower, updated, valid_from, valid_from_ns, valid_to, valid_to_ns)
SELECT c, i, v, ST_GeomFromEWKB(w), x0, y0, x1, y1, d, t, tt, nl, ll, u, vf, vfn, vt, vtn
FROM sitmap_load ORDER BY c, k` + onConflictSQL

// copyUpsert COPYs the rows into a temporary table and upserts from it.
func copyUpsert(ctx context.Context, tx pgx.Tx, chunks <-chan *columns) error {
	if _, err := tx.Exec(ctx, copyCreateSQL); err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	src := &copySource{chunks: chunks, i: -1}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sitmap_load"}, copyColumns, src); err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	if _, err := tx.Exec(ctx, copyInsertSQL); err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	return nil
}

// copySource feeds CopyFrom from the encoded chunks.
type copySource struct {
	chunks <-chan *columns
	c      *columns
	i      int
	err    error
}

func (s *copySource) Next() bool {
	for s.c == nil || s.i+1 >= len(s.c.ids) {
		c, ok := <-s.chunks
		if !ok {
			return false
		}
		if c.err != nil {
			s.err = c.err
			return false
		}
		s.c, s.i = c, -1
	}
	s.i++
	return true
}

func (s *copySource) Values() ([]any, error) {
	c, i := s.c, s.i
	return []any{c.cs[i], c.ids[i], c.vers[i], c.wkbs[i], c.x0[i], c.y0[i], c.x1[i], c.y1[i], c.props[i], c.order[i], nonNil(c.terms[i]),
		nonNil(c.textTerms[i]), c.nls[i], c.lls[i], c.ups[i], c.vf[i], c.vfn[i], c.vt[i], c.vtn[i]}, nil
}

func (s *copySource) Err() error { return s.err }

// nonNil makes a row without terms an empty array, not NULL.
func nonNil(hs []int32) []int32 {
	if hs == nil {
		return []int32{}
	}
	return hs
}
