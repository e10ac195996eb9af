package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
)

// Collections lists the collections in id order, with their extents.
func (s *Store) Collections(ctx context.Context) ([]geo.Collection, error) {
	var out []geo.Collection
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, "SELECT id, meta, version FROM collections ORDER BY id")
		if err != nil {
			return fmt.Errorf("postgis: collections: %w", err)
		}
		type head struct {
			id      string
			meta    []byte
			version int64
		}
		heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (head, error) {
			var h head
			return h, r.Scan(&h.id, &h.meta, &h.version)
		})
		if err != nil {
			return fmt.Errorf("postgis: collections: %w", err)
		}
		out = make([]geo.Collection, 0, len(heads))
		for _, h := range heads {
			c, err := s.extents(ctx, q, h.id, h.meta, h.version)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// Collection returns one collection with its extents.
func (s *Store) Collection(ctx context.Context, id string) (geo.Collection, error) {
	var c geo.Collection
	err := s.read(ctx, func(q querier) error {
		var meta []byte
		var version int64
		err := q.QueryRow(ctx, "SELECT meta, version FROM collections WHERE id = $1", id).Scan(&meta, &version)
		if isNoRows(err) {
			return notFound("collection %s", id)
		}
		if err != nil {
			return fmt.Errorf("postgis: collection %s: %w", id, err)
		}
		c, err = s.extents(ctx, q, id, meta, version)
		return err
	})
	return c, err
}

// extentSQL computes a collection's count, bounds and temporal extent, with
// the version they are valid at (one statement, one snapshot).
const extentSQL = `
SELECT c.version, a.n, a.x0, a.y0, a.x1, a.y1, a.open_from, a.open_to,
	s.valid_from, s.valid_from_ns, e.valid_to, e.valid_to_ns
FROM collections c
CROSS JOIN LATERAL (
	SELECT count(*) AS n, min(min_x) AS x0, min(min_y) AS y0, max(max_x) AS x1, max(max_y) AS y1,
		coalesce(bool_or(valid_from IS NULL), false) AS open_from,
		coalesce(bool_or(valid_to IS NULL), false) AS open_to
	FROM features WHERE collection = c.id) a
LEFT JOIN LATERAL (
	SELECT valid_from, valid_from_ns FROM features
	WHERE collection = c.id AND valid_from IS NOT NULL
	ORDER BY valid_from, valid_from_ns LIMIT 1) s ON true
LEFT JOIN LATERAL (
	SELECT valid_to, valid_to_ns FROM features
	WHERE collection = c.id AND valid_to IS NOT NULL
	ORDER BY valid_to DESC, valid_to_ns DESC LIMIT 1) e ON true
WHERE c.id = $1`

// extents returns the collection's metadata with its computed fields. They
// are cached by version, which every write bumps, so asking costs a
// query only after a change.
func (s *Store) extents(ctx context.Context, q querier, id string, meta []byte, version int64) (geo.Collection, error) {
	var c geo.Collection
	if err := json.Unmarshal(meta, &c); err != nil {
		return c, fmt.Errorf("postgis: collection %s: metadata: %w", id, err)
	}
	c.ID = id
	s.extMu.Lock()
	cached, ok := s.ext[id]
	s.extMu.Unlock()
	if !ok || cached.Version != version {
		var (
			n                int64
			x0, y0, x1, y1   pgtype.Float8
			openFrom, openTo bool
			from, to         pgtype.Timestamptz
			fromNs, toNs     pgtype.Int2
			ext              geo.Collection
		)
		err := q.QueryRow(ctx, extentSQL, id).Scan(&ext.Version, &n, &x0, &y0, &x1, &y1,
			&openFrom, &openTo, &from, &fromNs, &to, &toNs)
		if isNoRows(err) {
			return geo.Collection{}, notFound("collection %s", id)
		}
		if err != nil {
			return geo.Collection{}, fmt.Errorf("postgis: extent of %s: %w", id, err)
		}
		ext.Count = int(n)
		if n > 0 {
			ext.Bound = orb.Bound{Min: orb.Point{x0.Float64, y0.Float64}, Max: orb.Point{x1.Float64, y1.Float64}}
			if !openFrom {
				ext.Time.Start = decodeTime(from, fromNs.Int16)
			}
			if !openTo {
				ext.Time.End = decodeTime(to, toNs.Int16)
			}
		}
		s.extMu.Lock()
		if old, ok := s.ext[id]; !ok || old.Version <= ext.Version {
			s.ext[id] = ext
		}
		s.extMu.Unlock()
		cached = ext
	}
	c.Count, c.Bound, c.Time, c.Version = cached.Count, cached.Bound, cached.Time, cached.Version
	return c, nil
}

// CollectionVersions lists every collection's id and change version, in
// id order (store.VersionLister): one query, no metadata to decode, for
// the tile set of every collection, which asks on each request.
func (s *Store) CollectionVersions(ctx context.Context) ([]store.CollectionVersion, error) {
	var out []store.CollectionVersion
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, "SELECT id, version FROM collections ORDER BY id")
		if err != nil {
			return fmt.Errorf("postgis: collection versions: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CollectionVersion, error) {
			var v store.CollectionVersion
			return v, r.Scan(&v.ID, &v.Version)
		})
		if err != nil {
			return fmt.Errorf("postgis: collection versions: %w", err)
		}
		return nil
	})
	return out, err
}

// Version returns the collection's change version.
func (s *Store) Version(ctx context.Context, id string) (int64, error) {
	var v int64
	err := s.read(ctx, func(q querier) error { return version(ctx, q, id, &v) })
	return v, err
}

func version(ctx context.Context, q querier, id string, v *int64) error {
	err := q.QueryRow(ctx, "SELECT version FROM collections WHERE id = $1", id).Scan(v)
	if isNoRows(err) {
		return notFound("collection %s", id)
	}
	if err != nil {
		return fmt.Errorf("postgis: version of %s: %w", id, err)
	}
	return nil
}

// Get returns one feature.
func (s *Store) Get(ctx context.Context, cid, fid string) (*geo.Feature, error) {
	var f *geo.Feature
	err := s.read(ctx, func(q querier) error {
		var version int64
		var props, g []byte
		err := q.QueryRow(ctx,
			"SELECT version, props, ST_AsBinary(geom) FROM features WHERE collection = $1 AND id = $2",
			cid, fid).Scan(&version, &props, &g)
		if isNoRows(err) {
			return notFound("feature %s/%s", cid, fid)
		}
		if err != nil {
			return fmt.Errorf("postgis: get %s/%s: %w", cid, fid, err)
		}
		f, err = decodeFeature(cid, fid, version, props, g)
		return err
	})
	return f, err
}

// args collects query parameters and names them $1, $2, ...
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// Query filters in SQL: the GiST index narrows the bbox with && and
// ST_Intersects decides; every other filter and sort key is a column
// derived in Go (see row). The matches are counted and paged in one
// statement, so the count and the page agree.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Page, error) {
	p, err := s.dispatch(ctx, q)
	if err != nil && q.CQL != nil && ctx.Err() != nil {
		return p, fmt.Errorf("postgis: %w: %w", cql2.ErrTimeout, err)
	}
	return p, err
}

// dispatch sends queries SQL cannot answer alone to their Go paths.
func (s *Store) dispatch(ctx context.Context, q store.Query) (store.Page, error) {
	if !q.AsOf.IsZero() {
		return s.queryAsOf(ctx, q)
	}
	if statusAtInstant(q) {
		return s.queryStatusAt(ctx, q)
	}
	return s.query(ctx, q)
}

func (s *Store) query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.CQL != nil && q.BBox == nil {
		// The filter's own box, if it has one, lets the GiST index find
		// the candidates as for a bbox query.
		if b, ok := cql2.Bound(q.CQL); ok && b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1] {
			q.BBox = &geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
		}
	}
	from, conds, a, err := filterSQL(q)
	if err != nil {
		return store.Page{}, err
	}
	var page store.Page
	if q.Limit == 0 && q.Offset == 0 && len(q.Sort) == 0 {
		err = s.read(ctx, func(db querier) (err error) {
			page, err = queryAll(ctx, db, q.Collection, from, conds, a)
			return err
		})
		return page, err
	}
	sql := pagedSQL(q, from, conds, &a)
	err = s.read(ctx, func(db querier) (err error) {
		page, err = queryPage(ctx, db, q.Collection, sql, a)
		return err
	})
	return page, err
}

// filterSQL turns the filter into a FROM item and WHERE conditions.
func filterSQL(q store.Query) (from string, conds []string, a args, err error) {
	cid := a.add(q.Collection)
	conds = []string{"f.collection = " + cid}
	from = "features f"
	if q.BBox != nil {
		var ors, boxes []string
		for _, b := range q.BBox.Bounds() {
			g, err := wkb.Marshal(boundGeometry(b))
			if err != nil {
				return "", nil, nil, err
			}
			w, s, e, n := a.add(b.Min[0]), a.add(b.Min[1]), a.add(b.Max[0]), a.add(b.Max[1])
			// A geometry whose exact bounds lie in the box intersects it
			// (every point does): only the others need ST_Intersects.
			ors = append(ors, fmt.Sprintf(`(f.geom && ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4326) AND (
				(f.min_x >= %[1]s AND f.max_x <= %[3]s AND f.min_y >= %[2]s AND f.max_y <= %[4]s)
				OR ST_Intersects(f.geom, ST_GeomFromWKB(%[5]s, 4326))))`, w, s, e, n, a.add(g)))
			boxes = append(boxes, fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", w, s, e, n))
		}
		// The GiST index on geom finds the candidates (a collection's
		// rows lie in heap pages of their own). The fence (OFFSET 0)
		// leaves the planner only the bbox and the collection to choose
		// indexes by, not the exact tests below.
		from = "(SELECT ctid, * FROM features WHERE collection = " + cid + " AND (" + strings.Join(boxes, " OR ") + ") OFFSET 0) f"
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if !q.Time.Start.IsZero() {
		t, ns := encodeTime(q.Time.Start)
		conds = append(conds, fmt.Sprintf("(f.valid_to IS NULL OR (f.valid_to, f.valid_to_ns) >= (%s::timestamptz, %s::smallint))", a.add(t), a.add(ns)))
	}
	if !q.Time.End.IsZero() {
		t, ns := encodeTime(q.Time.End)
		conds = append(conds, fmt.Sprintf("(f.valid_from IS NULL OR (f.valid_from, f.valid_from_ns) <= (%s::timestamptz, %s::smallint))", a.add(t), a.add(ns)))
	}
	if len(q.Props) > 0 {
		conds = append(conds, a.equalitySQL(q.Props)...)
	}
	if q.Text != "" {
		p := a.add([]byte(strings.ToLower(q.Text)))
		conds = append(conds, fmt.Sprintf("(position(%s::bytea in f.name_lower) > 0 OR position(%s::bytea in f.name_local_lower) > 0)", p, p))
	}
	if q.CQL != nil {
		c, err := a.cqlSQL(q.CQL)
		if err != nil {
			return "", nil, nil, err
		}
		conds = append(conds, c)
	}
	return from, conds, a, nil
}

// equalitySQL are the conditions of property equality filters: the codes
// of the exact terms behind the GIN index, and for a free-text property
// the exact term's (rows with exactTerms) or the hash and then the value.
func (a *args) equalitySQL(props map[string]string) []string {
	var exact, conds []string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		t := term(k, v)
		if !freeText[k] {
			exact = append(exact, t)
			continue
		}
		c := "f.terms @> (SELECT sitmap_codes(ARRAY[" + a.add(t) + "::text]))"
		if utf8.ValidString(v) && !strings.Contains(v, "\x00") { // else no SQL text holds it
			c = fmt.Sprintf("(%s OR (f.text_terms @> ARRAY[%s::integer] AND sitmap_has_value(f.props, %s, %s)))",
				c, a.add(termHash(t)), a.add(k), a.add(v))
		}
		conds = append(conds, c)
	}
	if len(exact) > 0 {
		conds = append(conds, "f.terms @> (SELECT sitmap_codes("+a.add(exact)+"::text[]))")
	}
	return conds
}

// pagedSQL counts the matches and cuts the page in one statement (one
// snapshot, so the count and the page agree): the matches' ctids, ids and
// sort keys are materialised, and only the page's rows are read whole, by
// ctid. The join with collections gives a row (and the count) even when
// the page is empty, and none when the collection does not exist.
func pagedSQL(q store.Query, from string, conds []string, a *args) string {
	var cols, inner, outer []string
	for i, srt := range q.Sort {
		col := "f.id"
		switch srt.Property {
		case geo.SortName:
			col = "f.name_lower"
		case geo.SortUpdated:
			col = "f.updated"
		}
		alias := fmt.Sprintf("s%d", i)
		dir := ""
		if srt.Descending {
			dir = " DESC"
		}
		cols = append(cols, col+" AS "+alias)
		inner = append(inner, "m."+alias+dir)
		outer = append(outer, "p."+alias+dir)
	}
	inner = append(inner, "m.id")
	outer = append(outer, "p.id")
	limit := "ALL"
	if q.Limit > 0 {
		limit = a.add(int64(q.Limit))
	}
	offset := a.add(int64(max(q.Offset, 0)))
	sel := "f.ctid AS t, f.id"
	psel := "m.t, m.id"
	for i := range cols {
		sel += ", " + cols[i]
		psel += fmt.Sprintf(", m.s%d", i)
	}
	return fmt.Sprintf(`
WITH m AS MATERIALIZED (SELECT %s FROM %s WHERE %s)
SELECT n.n, p.id, f.version, f.props, ST_AsBinary(f.geom)
FROM collections k
CROSS JOIN (SELECT count(*) AS n FROM m) n
LEFT JOIN LATERAL (SELECT %s FROM m ORDER BY %s LIMIT %s OFFSET %s) p ON true
LEFT JOIN features f ON f.ctid = p.t
WHERE k.id = %s
ORDER BY %s`, sel, from, strings.Join(conds, " AND "), psel, strings.Join(inner, ", "), limit, offset, "$1", strings.Join(outer, ", "))
}

// queryPage runs pagedSQL.
func queryPage(ctx context.Context, db querier, cid, sql string, a args) (store.Page, error) {
	rows, err := db.Query(ctx, sql, a...)
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
	}
	defer rows.Close()
	var page store.Page
	found := false
	for rows.Next() {
		found = true
		var (
			n       int64
			id      pgtype.Text
			version pgtype.Int8
			props   []byte
			g       []byte
		)
		if err := rows.Scan(&n, &id, &version, &props, &g); err != nil {
			return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
		}
		page.Matched = int(n)
		if !id.Valid {
			continue // no row in this page
		}
		f, err := decodeFeature(cid, id.String, version.Int64, props, g)
		if err != nil {
			return store.Page{}, err
		}
		page.Features = append(page.Features, f)
	}
	if err := rows.Err(); err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
	}
	if !found {
		return store.Page{}, notFound("collection %s", cid)
	}
	return page, nil
}

// queryAll answers a query for every match in id order (tiles, export):
// with no page to cut, the count is the number of rows, and the plain scan
// of the index hits costs a third of the paged query.
func queryAll(ctx context.Context, db querier, cid, from string, conds []string, a args) (store.Page, error) {
	sql := fmt.Sprintf(`SELECT f.id, f.version, f.props, ST_AsBinary(f.geom) FROM %s WHERE %s ORDER BY f.id`,
		from, strings.Join(conds, " AND "))
	rows, err := db.Query(ctx, sql, a...)
	if err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
	}
	defer rows.Close()
	var page store.Page
	for rows.Next() {
		var (
			id      string
			version int64
			props   []byte
			g       []byte
		)
		if err := rows.Scan(&id, &version, &props, &g); err != nil {
			return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
		}
		f, err := decodeFeature(cid, id, version, props, g)
		if err != nil {
			return store.Page{}, err
		}
		page.Features = append(page.Features, f)
	}
	if err := rows.Err(); err != nil {
		return store.Page{}, fmt.Errorf("postgis: query %s: %w", cid, err)
	}
	page.Matched = len(page.Features)
	if page.Matched == 0 {
		var v int64
		if err := version(ctx, db, cid, &v); err != nil {
			return store.Page{}, err
		}
	}
	return page, nil
}

// boundGeometry is the query box as a geometry ST_Intersects can test
// exactly: a polygon, or a line or point when the box has no area (an
// envelope of zero width is not a valid polygon).
func boundGeometry(b orb.Bound) orb.Geometry {
	switch {
	case b.Min == b.Max:
		return b.Min
	case b.Min[0] == b.Max[0] || b.Min[1] == b.Max[1]:
		return orb.LineString{b.Min, b.Max}
	}
	return b.ToPolygon()
}
