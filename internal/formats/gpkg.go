package formats

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver: the binary stays static

	"github.com/sitmap/sitmap/geo"
)

// srsWGS84 is the GeoPackage's spatial reference system: EPSG:4326, with
// x the longitude as GeoPackage stores it.
const srsWGS84 = 4326

// wkt4326 is EPSG's WKT 1 definition of WGS 84, as GDAL writes it.
const wkt4326 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// gpkgHeader creates the tables every GeoPackage 1.3 has.
var gpkgHeader = []string{
	`PRAGMA application_id = 1196444487`, // "GPKG"
	`PRAGMA user_version = 10300`,
	`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
		organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES
		('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
		('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
		('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + wkt4326 + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
	`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
		description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
		min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
		CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
		CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
		CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
		CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
	`CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
		definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
}

// gpkgType is the GeoPackage column type of each kind; JSON is TEXT.
var gpkgType = map[Kind]string{String: "TEXT", DateTime: "DATETIME", Number: "DOUBLE", Integer: "INTEGER", Boolean: "BOOLEAN", JSON: "TEXT"}

type gpkgLayer struct {
	insert, index *sql.Stmt
	bound         orb.Bound
	n             int64
}

// gpkgEncoder writes one table per collection into a temporary SQLite file
// (one transaction, no journal) and copies the file to w on Close.
type gpkgEncoder struct {
	w      io.Writer
	file   string
	db     *sql.DB
	tx     *sql.Tx
	schema *Schema
	layers map[string]*gpkgLayer
	cols   []geo.Collection
	buf    []byte
	args   []any
}

func newGPKGEncoder(w io.Writer, cols []geo.Collection, s *Schema) (Encoder, error) {
	tmp, err := os.CreateTemp("", "sitmap-*.gpkg")
	if err != nil {
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	tmp.Close()
	ss := *s
	ss.UTCTimes = true
	e := &gpkgEncoder{w: w, file: tmp.Name(), schema: &ss, layers: map[string]*gpkgLayer{}, cols: cols}
	if err := e.start(); err != nil {
		e.abort()
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	return e, nil
}

func (e *gpkgEncoder) start() error {
	var err error
	// One connection: the pragmas and the transaction must share it.
	if e.db, err = sql.Open("sqlite", e.file+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)"); err != nil {
		return err
	}
	e.db.SetMaxOpenConns(1)
	for _, q := range gpkgHeader {
		if _, err := e.db.Exec(q); err != nil {
			return fmt.Errorf("%.40s: %w", q, err)
		}
	}
	if e.tx, err = e.db.Begin(); err != nil {
		return err
	}
	for _, c := range e.cols {
		if err := e.createTable(c); err != nil {
			return fmt.Errorf("table %s: %w", c.ID, err)
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// geometryTypeName is the declared type of a collection's geometry column:
// its one type, else GEOMETRY.
func geometryTypeName(c geo.Collection) string {
	if len(c.Geometry) == 1 {
		return strings.ToUpper(c.Geometry[0])
	}
	return "GEOMETRY"
}

func (e *gpkgEncoder) createTable(c geo.Collection) error {
	t := quoteIdent(c.ID)
	defs := []string{"fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "geom " + geometryTypeName(c)}
	marks := []string{"?"}
	for _, f := range e.schema.Fields {
		defs = append(defs, quoteIdent(f.Name)+" "+gpkgType[f.Kind])
		marks = append(marks, "?")
	}
	rt := quoteIdent("rtree_" + c.ID + "_geom")
	stmts := []string{
		"CREATE TABLE " + t + " (" + strings.Join(defs, ", ") + ")",
		"CREATE VIRTUAL TABLE " + rt + " USING rtree(id, minx, maxx, miny, maxy)",
	}
	for _, q := range stmts {
		if _, err := e.tx.Exec(q); err != nil {
			return err
		}
	}
	if _, err := e.tx.Exec(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)`,
		c.ID, c.Title, c.Description, srsWGS84); err != nil {
		return err
	}
	if _, err := e.tx.Exec(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`, c.ID, geometryTypeName(c), srsWGS84); err != nil {
		return err
	}
	if _, err := e.tx.Exec(`INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, c.ID); err != nil {
		return err
	}
	cols := make([]string, 0, len(e.schema.Fields)+1)
	cols = append(cols, "geom")
	for _, f := range e.schema.Fields {
		cols = append(cols, quoteIdent(f.Name))
	}
	l := &gpkgLayer{bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
	var err error
	if l.insert, err = e.tx.Prepare("INSERT INTO " + t + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"); err != nil {
		return err
	}
	if l.index, err = e.tx.Prepare("INSERT INTO " + rt + " VALUES (?, ?, ?, ?, ?)"); err != nil {
		return err
	}
	e.layers[c.ID] = l
	return nil
}

func (e *gpkgEncoder) Write(f *geo.Feature) error {
	l := e.layers[f.Collection()]
	if l == nil {
		return fmt.Errorf("gpkg: feature %s of collection %q, which the file has no table for", f.ID(), f.Collection())
	}
	var err error
	if e.buf, err = gpkgGeometry(e.buf[:0], f.Geometry()); err != nil {
		return fmt.Errorf("gpkg: feature %s: %w", f.ID(), err)
	}
	args := append(e.args[:0], e.buf)
	for i, v := range e.schema.Row(f) {
		args = append(args, sqlValue(e.schema.Fields[i].Kind, v))
	}
	e.args = args
	res, err := l.insert.Exec(args...)
	if err != nil {
		return fmt.Errorf("gpkg: feature %s: %w", f.ID(), err)
	}
	fid, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("gpkg: feature %s: %w", f.ID(), err)
	}
	b := f.Geometry().Bound()
	if _, err := l.index.Exec(fid, b.Min[0], b.Max[0], b.Min[1], b.Max[1]); err != nil {
		return fmt.Errorf("gpkg: index feature %s: %w", f.ID(), err)
	}
	l.bound = l.bound.Union(b)
	l.n++
	return nil
}

func sqlValue(k Kind, v Value) any {
	if v.Null {
		return nil
	}
	switch k {
	case Number:
		return v.F
	case Integer:
		return v.I
	case Boolean:
		return v.B
	}
	return v.S
}

// gpkgGeometry is a GeoPackage geometry blob: the "GP" header (version 0,
// little-endian, an envelope unless the geometry is a point, SRS id) and
// the geometry as little-endian WKB.
func gpkgGeometry(buf []byte, g orb.Geometry) ([]byte, error) {
	_, isPoint := g.(orb.Point)
	flags := byte(1) // little-endian
	if !isPoint {
		flags |= 1 << 1 // envelope [minx, maxx, miny, maxy]
	}
	buf = append(buf, 'G', 'P', 0, flags)
	buf = binary.LittleEndian.AppendUint32(buf, srsWGS84)
	if !isPoint {
		b := g.Bound()
		for _, v := range []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	w, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	return append(buf, w...), nil
}

// gpkgTriggers keep a table's R-tree up to date when a GIS tool later
// edits the file (GeoPackage 1.3, annex F.3; the ST_ functions are the
// tool's). They are created after the writes, which fill the R-tree
// directly.
func gpkgTriggers(table string) []string {
	t, c := table, "geom"
	rt := quoteIdent("rtree_" + t + "_" + c)
	name := func(s string) string { return quoteIdent("rtree_" + t + "_" + c + "_" + s) }
	qt := quoteIdent(t)
	ins := func(id string) string {
		return "INSERT OR REPLACE INTO " + rt + " VALUES (" + id + ", ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));"
	}
	return []string{
		"CREATE TRIGGER " + name("insert") + " AFTER INSERT ON " + qt + " WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN " + ins("NEW.fid") + " END",
		"CREATE TRIGGER " + name("update1") + " AFTER UPDATE OF geom ON " + qt + " WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN " + ins("NEW.fid") + " END",
		"CREATE TRIGGER " + name("update2") + " AFTER UPDATE OF geom ON " + qt + " WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM " + rt + " WHERE id = OLD.fid; END",
		"CREATE TRIGGER " + name("update3") + " AFTER UPDATE ON " + qt + " WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM " + rt + " WHERE id = OLD.fid; " + ins("NEW.fid") + " END",
		"CREATE TRIGGER " + name("update4") + " AFTER UPDATE ON " + qt + " WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM " + rt + " WHERE id IN (OLD.fid, NEW.fid); END",
		"CREATE TRIGGER " + name("delete") + " AFTER DELETE ON " + qt + " WHEN old.geom NOT NULL BEGIN DELETE FROM " + rt + " WHERE id = OLD.fid; END",
	}
}

func (e *gpkgEncoder) Close() error {
	defer e.abort()
	if err := e.finish(); err != nil {
		return fmt.Errorf("gpkg: %w", err)
	}
	f, err := os.Open(e.file)
	if err != nil {
		return fmt.Errorf("gpkg: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(e.w, f); err != nil {
		return fmt.Errorf("gpkg: %w", err)
	}
	return nil
}

// finish records each table's extent and commits.
func (e *gpkgEncoder) finish() error {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	for _, c := range e.cols {
		l := e.layers[c.ID]
		var err error
		if l.n > 0 {
			_, err = e.tx.Exec(`UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?`,
				l.bound.Min[0], l.bound.Min[1], l.bound.Max[0], l.bound.Max[1], now, c.ID)
		} else {
			_, err = e.tx.Exec(`UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?`, now, c.ID)
		}
		if err != nil {
			return err
		}
		for _, q := range gpkgTriggers(c.ID) {
			if _, err := e.tx.Exec(q); err != nil {
				return fmt.Errorf("trigger on %s: %w", c.ID, err)
			}
		}
		l.insert.Close()
		l.index.Close()
	}
	if err := e.tx.Commit(); err != nil {
		return err
	}
	e.tx = nil
	err := e.db.Close()
	e.db = nil
	return err
}

// abort drops the temporary file (and the connection, after a failure).
func (e *gpkgEncoder) abort() {
	if e.tx != nil {
		_ = e.tx.Rollback()
	}
	if e.db != nil {
		_ = e.db.Close()
	}
	_ = os.Remove(e.file)
}

// openGPKG opens a GeoPackage read-only.
func openGPKG(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	var app int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		db.Close()
		return nil, fmt.Errorf("not a GeoPackage: %w", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_geometry_columns'").Scan(&n); err != nil || n == 0 {
		db.Close()
		return nil, errors.New("not a GeoPackage: no gpkg_geometry_columns table")
	}
	return db, nil
}
