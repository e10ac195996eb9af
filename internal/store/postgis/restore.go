package postgis

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/sitmap/sitmap/internal/store"
)

// Restore writes a history into a database without features or history,
// in one transaction. It takes the collections' rows first, as writers
// do, then locks both tables against writers until it commits.
func (s *Store) Restore(ctx context.Context, r store.Restoration) error {
	if err := r.Check(); err != nil {
		return err
	}
	vers, seq := r.Heads()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := createCollections(ctx, tx, r.Create); err != nil {
			return err
		}
		for _, cid := range slices.Sorted(maps.Keys(vers)) {
			tag, err := tx.Exec(ctx, "UPDATE collections SET version = GREATEST(version, $2) WHERE id = $1", cid, vers[cid])
			if err != nil {
				return fmt.Errorf("collection %s: %w", cid, err)
			}
			if tag.RowsAffected() == 0 {
				return notFound("collection %s", cid)
			}
		}
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		if err := upsert(ctx, tx, r.Current(), false); err != nil {
			return err
		}
		if err := copyVersions(ctx, tx, r.Versions); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE sitmap_seq SET seq = GREATEST(seq, $1)", seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgis: restore: %w", err)
	}
	_, _ = s.pool.Exec(ctx, "ANALYZE features; ANALYZE feature_versions")
	return nil
}

func checkEmpty(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "LOCK TABLE features, feature_versions IN EXCLUSIVE MODE"); err != nil {
		return err
	}
	var features, history bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM features), EXISTS (SELECT 1 FROM feature_versions)").Scan(&features, &history)
	switch {
	case err != nil:
		return err
	case features:
		return store.Errorf(store.ErrConflict, "the store is not empty (it holds features): a history restores into an empty store only")
	case history:
		return store.Errorf(store.ErrConflict, "the store is not empty (it holds history): a history restores into an empty store only")
	}
	return nil
}

// copyVersions COPYs the versions in as writeHistory and supersede would
// have written them: a deletion without its feature keeps the version
// before it, and each state's superseded time is its next version's.
func copyVersions(ctx context.Context, tx pgx.Tx, vs []store.Version) error {
	next := make([]int, len(vs))
	last := map[[2]string]int{}
	for i := len(vs) - 1; i >= 0; i-- {
		k := [2]string{vs[i].Collection, vs[i].ID}
		next[i] = -1
		if j, ok := last[k]; ok {
			next[i] = j
		}
		last[k] = i
	}
	docs := map[[2]string]*string{} // each feature's last doc so far
	rows := make([][]any, len(vs))
	for i, v := range vs {
		k := [2]string{v.Collection, v.ID}
		row := []any{v.Seq, v.Collection, v.ID, v.Version, v.Time.UTC().Format(store.TimeKey), v.Editor, string(v.Change), docs[k], nil, nil, nil, nil, nil}
		if f := v.Feature; f != nil {
			doc, b := f.JSON(), f.Bound()
			docs[k], row[7] = &doc, &doc
			if v.Change != store.Deleted {
				row[9], row[10], row[11], row[12] = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
			}
		}
		if n := next[i]; n >= 0 && v.Change != store.Deleted {
			row[8] = vs[n].Time.UTC().Format(store.TimeKey)
		}
		rows[i] = row
	}
	cols := []string{"seq", "collection", "id", "version", "at", "editor", "change", "doc", "superseded", "min_x", "min_y", "max_x", "max_y"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"feature_versions"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}
