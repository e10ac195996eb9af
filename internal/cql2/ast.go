package cql2

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// Expr is a node of the tree. The node types are the ones below; String
// gives the canonical cql2-text, which two equal trees share.
type Expr interface {
	String() string
	node()
}

// Logical is AND or OR over two or more operands.
type Logical struct {
	Op   string // "and" or "or"
	Args []Expr
}

// Not negates its operand.
type Not struct{ Arg Expr }

// Compare is one of = <> < <= > >=.
type Compare struct {
	Op   string
	L, R Expr
}

// Like matches a string against a pattern: % is any run, _ one
// character, \ escapes the next.
type Like struct{ L, Pattern Expr }

// Between is V BETWEEN Lo AND Hi, both ends included.
type Between struct{ V, Lo, Hi Expr }

// In is V IN (List...).
type In struct {
	V    Expr
	List []Expr
}

// IsNull holds when the property is absent or JSON null.
type IsNull struct{ V Expr }

// Spatial is one of the S_ functions (lower-case op, e.g. "s_intersects").
type Spatial struct {
	Op   string
	L, R Expr
}

// Temporal is one of the T_ functions (lower-case op, e.g. "t_during").
type Temporal struct {
	Op   string
	L, R Expr
}

// Func is CASEI or ACCENTI (lower-case name) of a character expression.
type Func struct {
	Name string
	Arg  Expr
}

// Property names a property of the feature ("geometry" is its geometry).
type Property struct{ Name string }

// String is a character literal.
type String struct{ V string }

// Number is a numeric literal.
type Number struct{ V float64 }

// Bool is TRUE or FALSE.
type Bool struct{ V bool }

// Instant is DATE('...') or TIMESTAMP('...'). A date stands for its whole
// day: Start is its first instant, End its last.
type Instant struct {
	Start, End time.Time
	Date       bool
}

// Interval is INTERVAL(a, b): each end an Instant, a Property or Open.
type Interval struct{ Start, End Expr }

// Open is the '..' end of an interval.
type Open struct{}

// Geometry is a geometry literal in CRS84; BBOX literals are polygons
// (IsBBox keeps their form for String).
type Geometry struct {
	G      orb.Geometry
	IsBBox bool
}

func (Logical) node()  {}
func (Not) node()      {}
func (Compare) node()  {}
func (Like) node()     {}
func (Between) node()  {}
func (In) node()       {}
func (IsNull) node()   {}
func (Spatial) node()  {}
func (Temporal) node() {}
func (Func) node()     {}
func (Property) node() {}
func (String) node()   {}
func (Number) node()   {}
func (Bool) node()     {}
func (Instant) node()  {}
func (Interval) node() {}
func (Open) node()     {}
func (Geometry) node() {}

func (e Logical) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, " "+strings.ToUpper(e.Op)+" ") + ")"
}
func (e Not) String() string     { return "NOT " + e.Arg.String() }
func (e Compare) String() string { return "(" + e.L.String() + " " + e.Op + " " + e.R.String() + ")" }
func (e Like) String() string    { return "(" + e.L.String() + " LIKE " + e.Pattern.String() + ")" }
func (e Between) String() string {
	return "(" + e.V.String() + " BETWEEN " + e.Lo.String() + " AND " + e.Hi.String() + ")"
}
func (e In) String() string {
	parts := make([]string, len(e.List))
	for i, a := range e.List {
		parts[i] = a.String()
	}
	return "(" + e.V.String() + " IN (" + strings.Join(parts, ", ") + "))"
}
func (e IsNull) String() string { return "(" + e.V.String() + " IS NULL)" }
func (e Spatial) String() string {
	return strings.ToUpper(e.Op) + "(" + e.L.String() + ", " + e.R.String() + ")"
}
func (e Temporal) String() string {
	return strings.ToUpper(e.Op) + "(" + e.L.String() + ", " + e.R.String() + ")"
}
func (e Func) String() string     { return strings.ToUpper(e.Name) + "(" + e.Arg.String() + ")" }
func (e Property) String() string { return strconv.Quote(e.Name) }
func (e String) String() string   { return "'" + strings.ReplaceAll(e.V, "'", "''") + "'" }
func (e Number) String() string   { return strconv.FormatFloat(e.V, 'g', -1, 64) }
func (e Bool) String() string     { return strings.ToUpper(strconv.FormatBool(e.V)) }
func (e Instant) String() string {
	if e.Date {
		return "DATE('" + e.Start.Format(time.DateOnly) + "')"
	}
	return "TIMESTAMP('" + e.Start.Format(time.RFC3339Nano) + "')"
}
func (e Interval) String() string {
	return "INTERVAL(" + e.Start.String() + ", " + e.End.String() + ")"
}
func (Open) String() string { return "'..'" }
func (e Geometry) String() string {
	if b, ok := e.G.(orb.Polygon); ok && e.IsBBox {
		bd := b.Bound()
		return fmt.Sprintf("BBOX(%s, %s, %s, %s)", num(bd.Min[0]), num(bd.Min[1]), num(bd.Max[0]), num(bd.Max[1]))
	}
	return wkt.MarshalString(e.G)
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
