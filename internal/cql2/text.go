package cql2

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseText parses a cql2-text filter.
func ParseText(src string) (Expr, error) {
	if len(src) > MaxBytes {
		return nil, &Error{Pos: MaxBytes, Msg: fmt.Sprintf("the filter is longer than %d bytes", MaxBytes)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.boolExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.expected(t, "AND, OR or the end of the filter")
	}
	return e, check(e, false)
}

type parser struct {
	toks     []token
	i        int
	depth    int
	vertices int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw, and takes it.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) op(op string) bool {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(op string) error {
	if !p.op(op) {
		return p.expected(p.peek(), fmt.Sprintf("%q", op))
	}
	return nil
}

func (p *parser) expected(t token, what string) error {
	return &Error{Pos: t.pos, Msg: fmt.Sprintf("expected %s, found %s", what, t)}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("the filter nests deeper than %d levels", MaxDepth)}
	}
	return nil
}

func (p *parser) boolExpr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.logical("or", p.boolTerm)
}

func (p *parser) boolTerm() (Expr, error) { return p.logical("and", p.boolFactor) }

// logical parses operand {op operand}.
func (p *parser) logical(op string, operand func() (Expr, error)) (Expr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.keyword(op) {
		e, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return Logical{Op: op, Args: args}, nil
}

func (p *parser) boolFactor() (Expr, error) {
	if p.keyword("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		e, err := p.boolFactor()
		if err != nil {
			return nil, err
		}
		return Not{Arg: e}, nil
	}
	if p.op("(") {
		e, err := p.boolExpr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	}
	return p.predicate()
}

// predicate parses a function that is a predicate (S_, T_), or an operand
// followed by a comparison, LIKE, BETWEEN, IN or IS NULL.
func (p *parser) predicate() (Expr, error) {
	start := p.peek()
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch l.(type) {
	case Spatial, Temporal:
		return l, nil
	}
	t := p.peek()
	if t.kind == tOp {
		switch t.text {
		case "=", "<>", "<", "<=", ">", ">=":
			p.next()
			r, err := p.operand()
			if err != nil {
				return nil, err
			}
			return Compare{Op: t.text, L: l, R: r}, nil
		}
	}
	negate := p.keyword("not")
	var e Expr
	switch {
	case p.keyword("like"):
		var pat Expr
		if pat, err = p.operand(); err == nil {
			e = Like{L: l, Pattern: pat}
		}
	case p.keyword("between"):
		e, err = p.between(l)
	case p.keyword("in"):
		e, err = p.in(l)
	case !negate && p.keyword("is"):
		negate = p.keyword("not")
		if !p.keyword("null") {
			return nil, p.expected(p.peek(), "NULL")
		}
		e = IsNull{V: l}
	default:
		if b, ok := l.(Bool); ok && !negate {
			return b, nil
		}
		what := "a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL"
		if negate {
			what = "LIKE, BETWEEN or IN"
		}
		return nil, p.expected(p.peek(), what+" after "+start.String())
	}
	if err != nil {
		return nil, err
	}
	if negate {
		return Not{Arg: e}, nil
	}
	return e, nil
}

func (p *parser) between(v Expr) (Expr, error) {
	lo, err := p.operand()
	if err != nil {
		return nil, err
	}
	if !p.keyword("and") {
		return nil, p.expected(p.peek(), "AND of BETWEEN")
	}
	hi, err := p.operand()
	if err != nil {
		return nil, err
	}
	return Between{V: v, Lo: lo, Hi: hi}, nil
}

func (p *parser) in(v Expr) (Expr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var list []Expr
	for {
		e, err := p.operand()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if !p.op(",") {
			break
		}
	}
	return In{V: v, List: list}, p.expect(")")
}

// operand parses a literal, a property or a function call.
func (p *parser) operand() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return String{V: t.text}, nil
	case tQuoted:
		return Property{Name: t.text}, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("%q is not a number", t.text)}
		}
		return Number{V: f}, nil
	case tIdent:
		return p.identOperand(t)
	}
	return nil, p.expected(t, "a property, a literal or a function")
}

func (p *parser) identOperand(t token) (Expr, error) {
	kw := strings.ToLower(t.text)
	switch kw {
	case "true", "false":
		return Bool{V: kw == "true"}, nil
	case "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection", "bbox":
		p.i--
		return p.geometry()
	}
	if p.peek().kind != tOp || p.peek().text != "(" {
		if reserved[kw] {
			return nil, p.expected(t, "a property, a literal or a function (quote a property named like a keyword: \""+t.text+"\")")
		}
		return Property{Name: t.text}, nil
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next() // (
	switch {
	case kw == "date" || kw == "timestamp":
		s := p.next()
		if s.kind != tString {
			return nil, p.expected(s, "a quoted "+kw)
		}
		in, err := parseInstant(s.text, kw == "date")
		if err != nil {
			return nil, &Error{Pos: s.pos, Msg: err.Error()}
		}
		return in, p.expect(")")
	case kw == "interval":
		return p.interval()
	case kw == "casei" || kw == "accenti":
		arg, err := p.operand()
		if err != nil {
			return nil, err
		}
		return Func{Name: kw, Arg: arg}, p.expect(")")
	case spatialOps[kw] || temporalOps[kw]:
		l, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		if spatialOps[kw] {
			return Spatial{Op: kw, L: l, R: r}, p.expect(")")
		}
		return Temporal{Op: kw, L: l, R: r}, p.expect(")")
	}
	return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("unsupported function %s: use CASEI, ACCENTI, DATE, TIMESTAMP, INTERVAL, BBOX, an S_ or a T_ function", t.text)}
}

func (p *parser) interval() (Expr, error) {
	var ends [2]Expr
	for i := range ends {
		if i == 1 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		t := p.peek()
		switch t.kind {
		case tString:
			p.next()
			if t.text == ".." {
				ends[i] = Open{}
				break
			}
			in, err := parseInstant(t.text, !strings.Contains(t.text, "T"))
			if err != nil {
				return nil, &Error{Pos: t.pos, Msg: err.Error()}
			}
			ends[i] = in
		default:
			e, err := p.operand()
			if err != nil {
				return nil, err
			}
			switch e.(type) {
			case Property, Instant:
			default:
				return nil, p.expected(t, "a date, a timestamp, '..' or a property as an end of INTERVAL")
			}
			ends[i] = e
		}
	}
	return Interval{Start: ends[0], End: ends[1]}, p.expect(")")
}

// reserved words cannot name a property unless double-quoted.
var reserved = map[string]bool{"and": true, "or": true, "not": true, "like": true, "between": true, "in": true,
	"is": true, "null": true, "date": true, "timestamp": true, "interval": true}

var spatialOps = map[string]bool{"s_intersects": true, "s_equals": true, "s_disjoint": true, "s_touches": true,
	"s_within": true, "s_overlaps": true, "s_crosses": true, "s_contains": true}

var temporalOps = map[string]bool{"t_after": true, "t_before": true, "t_contains": true, "t_disjoint": true,
	"t_during": true, "t_equals": true, "t_finishedby": true, "t_finishes": true, "t_intersects": true,
	"t_meets": true, "t_metby": true, "t_overlappedby": true, "t_overlaps": true, "t_startedby": true, "t_starts": true}
