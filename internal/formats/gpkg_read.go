package formats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
)

// localFile gives a path to the reader's bytes: the file itself, or a
// temporary copy (removed by the returned function).
func localFile(r io.Reader, pattern string) (string, func(), error) {
	if f, ok := r.(*os.File); ok {
		return f.Name(), func() {}, nil
	}
	tmp, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	done := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, r); err != nil {
		done()
		return "", nil, err
	}
	return tmp.Name(), done, nil
}

// decodeGPKG reads every feature table: the table name is the collection
// unless a collection column says otherwise.
func decodeGPKG(r io.Reader) ([]*geo.Feature, error) {
	path, done, err := localFile(r, "sitmap-import-*.gpkg")
	if err != nil {
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	defer done()
	ctx := context.Background()
	db, err := openGPKG(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT g.table_name, g.column_name FROM gpkg_geometry_columns g
		JOIN gpkg_contents c ON c.table_name = g.table_name WHERE c.data_type = 'features' ORDER BY g.table_name`)
	if err != nil {
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	var tables [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("gpkg: %w", err)
		}
		tables = append(tables, [2]string{t, c})
	}
	rows.Close()
	var out []*geo.Feature
	for _, t := range tables {
		if out, err = readGPKGTable(ctx, db, t[0], t[1], out); err != nil {
			return nil, fmt.Errorf("gpkg table %s: %w", t[0], err)
		}
	}
	return out, nil
}

type gpkgColumn struct {
	name, typ string
	pk        bool
}

func gpkgColumns(ctx context.Context, db *sql.DB, table string) ([]gpkgColumn, error) {
	rows, err := db.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []gpkgColumn
	for rows.Next() {
		var c gpkgColumn
		var pk int
		if err := rows.Scan(&c.name, &c.typ, &pk); err != nil {
			return nil, err
		}
		c.typ, c.pk = strings.ToUpper(c.typ), pk > 0
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func readGPKGTable(ctx context.Context, db *sql.DB, table, geomCol string, out []*geo.Feature) ([]*geo.Feature, error) {
	cols, err := gpkgColumns(ctx, db, table)
	if err != nil {
		return nil, err
	}
	// Every value is read as SQLite holds it (the driver would turn DATETIME
	// text into time.Time and lose its exact form).
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = quoteIdent(c.name)
		if strings.HasPrefix(c.typ, "DATE") {
			sel[i] = "CAST(" + sel[i] + " AS TEXT)"
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+quoteIdent(table)+" ORDER BY 1")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		i := len(out)
		p := newProps()
		var g orb.Geometry
		for j, c := range cols {
			switch {
			case c.name == geomCol:
				if g, err = parseGPKGGeometry(vals[j]); err != nil {
					return nil, invalidAt(i, p.id, "geometry", "%v", err)
				}
			case c.pk && strings.Contains(c.typ, "INT"):
			default:
				p.sqlCell(c, vals[j])
			}
		}
		if _, ok := p.m["collection"]; !ok {
			p.text("collection", table)
		}
		f, err := p.feature(i, g)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// sqlCell sets one column's value by the column's declared type.
func (p *props) sqlCell(c gpkgColumn, v any) {
	switch v := v.(type) {
	case nil:
	case int64:
		if c.typ == "BOOLEAN" {
			p.boolean(c.name, v != 0)
		} else {
			p.integer(c.name, v)
		}
	case float64:
		p.number(c.name, v)
	case string:
		p.text(c.name, v)
	case []byte:
		p.text(c.name, string(v))
	case bool:
		p.boolean(c.name, v)
	}
}

// parseGPKGGeometry reads a GeoPackage geometry blob.
func parseGPKGGeometry(v any) (orb.Geometry, error) {
	b, ok := v.([]byte)
	if !ok {
		if v == nil {
			return nil, errors.New("is empty")
		}
		return nil, fmt.Errorf("is a %T, not a GeoPackage geometry blob", v)
	}
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, errors.New("not a GeoPackage geometry blob")
	}
	flags := b[3]
	if flags&(1<<4) != 0 {
		return nil, errors.New("is empty")
	}
	env := map[byte]int{0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags>>1)&7]
	if len(b) < 8+env {
		return nil, errors.New("truncated GeoPackage geometry blob")
	}
	g, err := wkb.Unmarshal(b[8+env:])
	if err != nil {
		return nil, fmt.Errorf("WKB: %v", err)
	}
	return g, nil
}
