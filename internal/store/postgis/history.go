package postgis

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// A version's row keeps no doc (nor bounds) while the version is current
// and not a deletion: the features row at that version holds it, once.
// Before a write replaces or deletes such a feature, the write reads the
// stored feature (existing, current: w.prior) and writeHistory gives its
// row the doc and bounds, so a superseded version and a deletion always
// have theirs. (A NULL doc of a deletion means the feature predates the
// history, as before.)

// writeHistory keeps, in the write's transaction, the version each change
// wrote (w.feats, parallel to w.changes; nil for a deletion, which keeps
// the feature's last written version), and marks the versions they
// supersede (supersede). A bulk load COPYs its versions (bulkWrite).
func writeHistory(ctx context.Context, tx pgx.Tx, w *writer, editor string) error {
	at := w.now.UTC().Format(store.TimeKey)
	if err := keepPrior(ctx, tx, w.prior); err != nil {
		return err
	}
	n := len(w.changes)
	seqs, vers := make([]int64, n), make([]int64, n)
	cids, ids, changes := make([]string, n), make([]string, n), make([]string, n)
	docs := make([]pgtype.Text, n)
	bounds := make([][]pgtype.Float8, 4)
	for i := range bounds {
		bounds[i] = make([]pgtype.Float8, n)
	}
	for i, c := range w.changes {
		seqs[i], cids[i], ids[i], vers[i], changes[i] = c.Seq, c.Collection, c.ID, c.Version, string(c.Type)
		if f := w.feats[i]; f != nil && !w.isCurrent(f) {
			docs[i] = pgtype.Text{String: f.JSON(), Valid: true}
			b := f.Bound()
			for j, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
				bounds[j][i] = pgtype.Float8{Float64: v, Valid: true}
			}
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO feature_versions (seq, collection, id, version, at, editor, change, doc, min_x, min_y, max_x, max_y)
		SELECT s, c, i, v, $5, $6, ch, CASE WHEN ch = 'deleted' THEN (SELECT p.doc FROM feature_versions p
			WHERE p.collection = u.c AND p.id = u.i ORDER BY p.version DESC LIMIT 1) ELSE d END, x0, y0, x1, y1
		FROM unnest($1::int8[], $2::text[], $3::text[], $4::int8[], $7::text[], $8::text[],
			$9::float8[], $10::float8[], $11::float8[], $12::float8[]) AS u(s, c, i, v, ch, d, x0, y0, x1, y1)`,
		seqs, cids, ids, vers, at, editor, changes, docs, bounds[0], bounds[1], bounds[2], bounds[3])
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return supersede(ctx, tx, w.changes, at)
}

// keepPrior gives the rows of the stored versions a write replaces or
// deletes their docs and bounds, from the features rows read before the
// write changed them.
func keepPrior(ctx context.Context, tx pgx.Tx, prior []*geo.Feature) error {
	if len(prior) == 0 {
		return nil
	}
	n := len(prior)
	cids, ids, docs := make([]string, n), make([]string, n), make([]string, n)
	vers := make([]int64, n)
	bounds := [4][]float64{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	for i, f := range prior {
		cids[i], ids[i], vers[i], docs[i] = f.Collection(), f.ID(), f.Version(), f.JSON()
		b := f.Bound()
		bounds[0][i], bounds[1][i], bounds[2][i], bounds[3][i] = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	}
	_, err := tx.Exec(ctx, `UPDATE feature_versions v SET doc = u.d, min_x = u.x0, min_y = u.y0, max_x = u.x1, max_y = u.y1
		FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])
			AS u(c, i, ver, d, x0, y0, x1, y1)
		WHERE v.collection = u.c AND v.id = u.i AND v.version = u.ver AND v.doc IS NULL AND v.change <> 'deleted'`,
		cids, ids, vers, docs, bounds[0], bounds[1], bounds[2], bounds[3])
	if err != nil {
		return fmt.Errorf("history: keep prior versions: %w", err)
	}
	return nil
}

var historyColumns = []string{"seq", "collection", "id", "version", "at", "editor", "change", "doc", "min_x", "min_y", "max_x", "max_y"}

// historyChunks encodes a bulk write's versions as binary COPY tuples
// (copybin.go), chunk by chunk into out as the COPY takes them, until
// done or stop; each change wrote a feature (w.feats has no nil), and
// only those the batch wrote again have docs.
func historyChunks(w *writer, at, editor string, out chan<- tupleChunk, stop <-chan struct{}) {
	defer close(out)
	const chunk = 8192
	for lo := 0; lo < len(w.changes); lo += chunk {
		hi := min(lo+chunk, len(w.changes))
		b := make([]byte, 0, (hi-lo)*(100+len(at)+len(editor)))
		for i := lo; i < hi; i++ {
			b = appendVersion(b, w, i, at, editor)
		}
		select {
		case out <- tupleChunk{parts: [][]byte{b}}:
		case <-stop:
			return
		}
	}
}

// appendVersion appends the tuple of the version change i wrote.
func appendVersion(b []byte, w *writer, i int, at, editor string) []byte {
	c := w.changes[i]
	b = binary.BigEndian.AppendUint16(b, uint16(len(historyColumns)))
	b = appendInt8(b, c.Seq)
	b = appendField(appendField(b, c.Collection), c.ID)
	b = appendInt8(b, c.Version)
	b = appendField(appendField(appendField(b, at), editor), string(c.Type))
	if f := w.feats[i]; !w.isCurrent(f) {
		bd := f.Bound()
		b = appendField(b, f.JSON())
		for _, v := range []float64{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]} {
			b = appendInt8(b, int64(math.Float64bits(v)))
		}
		return b
	}
	for range 5 {
		b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // NULL: the features row holds it
	}
	return b
}

// supersede marks, for each change that was not a create, the versions of
// its feature written before it and still current as superseded at at
// (one batch may write an id twice: the first is superseded at once). A
// batch of creates only, such as an import, skips it.
func supersede(ctx context.Context, tx pgx.Tx, changes []store.Change, at string) error {
	var cids, ids []string
	var seqs []int64
	for _, c := range changes {
		if c.Type != store.Created {
			cids, ids, seqs = append(cids, c.Collection), append(ids, c.ID), append(seqs, c.Seq)
		}
	}
	if len(cids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE feature_versions v SET superseded = $4
		FROM (SELECT c, i, max(s) AS s FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(c, i, s) GROUP BY c, i) u
		WHERE v.collection = u.c AND v.id = u.i AND v.seq < u.s AND v.superseded IS NULL AND v.change <> 'deleted'`,
		cids, ids, seqs, at)
	if err != nil {
		return fmt.Errorf("history: supersede: %w", err)
	}
	return nil
}

// versionCols are a version's columns and, for a current one, its
// features row's (versionsFrom joins them).
const versionCols = "v.seq, v.collection, v.id, v.version, v.at, v.editor, v.change, v.doc, f.props, ST_AsBinary(f.geom)"

// versionsFrom is feature_versions v with the features row f of each
// version that has no doc of its own.
const versionsFrom = ` FROM feature_versions v LEFT JOIN features f ON v.doc IS NULL AND v.change <> 'deleted'
	AND f.collection = v.collection AND f.id = v.id AND f.version = v.version`

func scanVersions(rows pgx.Rows) ([]store.Version, error) {
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		var (
			v       store.Version
			at, chg string
			doc     pgtype.Text
			props   []byte
			geom    []byte
		)
		if err := rows.Scan(&v.Seq, &v.Collection, &v.ID, &v.Version, &at, &v.Editor, &chg, &doc, &props, &geom); err != nil {
			return nil, err
		}
		t, err := time.Parse(store.TimeKey, at)
		if err != nil {
			return nil, fmt.Errorf("version %s/%s %d: %w", v.Collection, v.ID, v.Version, err)
		}
		v.Time, v.Change = t, store.ChangeType(chg)
		switch {
		case doc.Valid:
			v.Feature, err = geo.DecodeFeature([]byte(doc.String))
		case props != nil:
			v.Feature, err = decodeFeature(v.Collection, v.ID, v.Version, props, geom)
		}
		if err != nil {
			return nil, fmt.Errorf("version %s/%s %d: %w", v.Collection, v.ID, v.Version, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Versions returns a feature's kept versions, newest first.
func (s *Store) Versions(ctx context.Context, cid, fid string) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+versionCols+versionsFrom+`
		WHERE v.collection = $1 AND v.id = $2 ORDER BY v.version DESC`, cid, fid)
	if err != nil {
		return nil, fmt.Errorf("postgis: versions of %s/%s: %w", cid, fid, err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgis: versions of %s/%s: %w", cid, fid, err)
	}
	if len(vs) == 0 {
		return nil, notFound("feature %s/%s has no history", cid, fid)
	}
	return vs, nil
}

// Changes returns the writes q selects, in sequence order.
func (s *Store) Changes(ctx context.Context, q store.ChangesQuery) ([]store.Version, error) {
	var a args
	sql := "SELECT " + versionCols + versionsFrom + " WHERE v.seq > " + a.add(q.After) +
		" AND v.at >= " + a.add(q.Since.UTC().Format(store.TimeKey))
	if q.Collection != "" {
		sql += " AND v.collection = " + a.add(q.Collection)
	}
	sql += " ORDER BY v.seq"
	if q.Limit > 0 {
		sql += " LIMIT " + a.add(int64(q.Limit))
	}
	rows, err := s.pool.Query(ctx, sql, a...)
	if err != nil {
		return nil, fmt.Errorf("postgis: changes: %w", err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgis: changes: %w", err)
	}
	return vs, nil
}

// queryAsOf answers a query from the superseded versions current at
// q.AsOf (the as_of index) and the current features recorded by then
// (the features' index); the filters are geo's, applied in Go.
func (s *Store) queryAsOf(ctx context.Context, q store.Query) (store.Page, error) {
	if _, err := s.Version(ctx, q.Collection); err != nil {
		return store.Page{}, err
	}
	var a args
	cid, asOf := a.add(q.Collection), a.add(q.AsOf.UTC().Format(store.TimeKey))
	old := "v.collection = " + cid + " AND v.superseded IS NOT NULL AND v.change <> 'deleted' AND v.at <= " + asOf + " AND v.superseded > " + asOf
	cur := "f.collection = " + cid + " AND v.at <= " + asOf
	if q.BBox != nil {
		var olds, curs []string
		for _, b := range q.BBox.Bounds() {
			env := fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, 4326)", a.add(b.Min[0]), a.add(b.Min[1]), a.add(b.Max[0]), a.add(b.Max[1]))
			olds = append(olds, "ST_MakeEnvelope(v.min_x, v.min_y, v.max_x, v.max_y, 4326) && "+env)
			curs = append(curs, "f.geom && "+env)
		}
		old += " AND (" + strings.Join(olds, " OR ") + ")"
		cur += " AND (" + strings.Join(curs, " OR ") + ")"
	}
	cols := "v.seq, v.collection, v.id, v.version, v.at, v.editor, v.change, v.doc"
	sql := "SELECT " + cols + ", NULL::bytea, NULL::bytea FROM feature_versions v WHERE " + old + " UNION ALL SELECT " + cols +
		", CASE WHEN v.doc IS NULL THEN f.props END, CASE WHEN v.doc IS NULL THEN ST_AsBinary(f.geom) END FROM features f JOIN feature_versions v ON v.collection = " + cid + " AND v.id = f.id AND v.version = f.version WHERE " + cur
	rows, err := s.pool.Query(ctx, sql, a...)
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s as of: %w", q.Collection, err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s as of: %w", q.Collection, err)
	}
	var fs []*geo.Feature
	for _, v := range vs {
		if f := v.StoredAt(); f != nil && q.Match(f) {
			fs = append(fs, f)
		}
	}
	return store.PageOf(fs, q), nil
}

// PruneHistory drops versions written before t, except each feature's
// latest.
func (s *Store) PruneHistory(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM feature_versions v WHERE v.at < $1 AND v.version <
		(SELECT max(m.version) FROM feature_versions m WHERE m.collection = v.collection AND m.id = v.id)`,
		before.UTC().Format(store.TimeKey))
	if err != nil {
		return 0, fmt.Errorf("postgis: prune history: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
