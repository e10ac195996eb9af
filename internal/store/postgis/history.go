package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// writeHistory keeps, in the write's transaction, the version each change
// wrote (w.feats, parallel to w.changes; nil for a deletion, which keeps
// the feature's last written version).
func writeHistory(ctx context.Context, tx pgx.Tx, w *writer, editor string) error {
	n := len(w.changes)
	seqs, vers := make([]int64, n), make([]int64, n)
	cids, ids, changes := make([]string, n), make([]string, n), make([]string, n)
	docs := make([]pgtype.Text, n)
	for i, c := range w.changes {
		seqs[i], cids[i], ids[i], vers[i], changes[i] = c.Seq, c.Collection, c.ID, c.Version, string(c.Type)
		if f := w.feats[i]; f != nil {
			docs[i] = pgtype.Text{String: f.JSON(), Valid: true}
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO feature_versions (seq, collection, id, version, at, editor, change, doc)
		SELECT s, c, i, v, $5, $6, ch, COALESCE(d, (SELECT p.doc FROM feature_versions p
			WHERE p.collection = u.c AND p.id = u.i ORDER BY p.version DESC LIMIT 1))
		FROM unnest($1::int8[], $2::text[], $3::text[], $4::int8[], $7::text[], $8::text[]) AS u(s, c, i, v, ch, d)`,
		seqs, cids, ids, vers, w.now.UTC().Format(store.TimeKey), editor, changes, docs)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

const versionCols = "seq, collection, id, version, at, editor, change, doc"

func scanVersions(rows pgx.Rows) ([]store.Version, error) {
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		var (
			v       store.Version
			at, chg string
			doc     pgtype.Text
		)
		if err := rows.Scan(&v.Seq, &v.Collection, &v.ID, &v.Version, &at, &v.Editor, &chg, &doc); err != nil {
			return nil, err
		}
		t, err := time.Parse(store.TimeKey, at)
		if err != nil {
			return nil, fmt.Errorf("version %s/%s %d: %w", v.Collection, v.ID, v.Version, err)
		}
		v.Time, v.Change = t, store.ChangeType(chg)
		if doc.Valid {
			if v.Feature, err = geo.DecodeFeature([]byte(doc.String)); err != nil {
				return nil, fmt.Errorf("version %s/%s %d: %w", v.Collection, v.ID, v.Version, err)
			}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Versions returns a feature's kept versions, newest first.
func (s *Store) Versions(ctx context.Context, cid, fid string) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+versionCols+` FROM feature_versions
		WHERE collection = $1 AND id = $2 ORDER BY version DESC`, cid, fid)
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
	sql := "SELECT " + versionCols + " FROM feature_versions WHERE seq > " + a.add(q.After) +
		" AND at >= " + a.add(q.Since.UTC().Format(store.TimeKey))
	if q.Collection != "" {
		sql += " AND collection = " + a.add(q.Collection)
	}
	sql += " ORDER BY seq"
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

// queryAsOf answers a query from the latest version of each feature at
// q.AsOf; the filters are geo's, applied in Go (store.PageAsOf).
func (s *Store) queryAsOf(ctx context.Context, q store.Query) (store.Page, error) {
	if _, err := s.Version(ctx, q.Collection); err != nil {
		return store.Page{}, err
	}
	rows, err := s.pool.Query(ctx, "SELECT DISTINCT ON (id) "+versionCols+` FROM feature_versions
		WHERE collection = $1 AND at <= $2 ORDER BY id, version DESC`, q.Collection, q.AsOf.UTC().Format(store.TimeKey))
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s as of: %w", q.Collection, err)
	}
	vs, err := scanVersions(rows)
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s as of: %w", q.Collection, err)
	}
	return store.PageAsOf(vs, q), nil
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
