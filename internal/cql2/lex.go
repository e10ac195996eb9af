package cql2

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "double-quoted" property name
	tString
	tNumber
	tOp // = <> < <= > >= ( ) ,
)

type token struct {
	kind tokKind
	text string // identifiers as written; strings unescaped
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tString:
		return fmt.Sprintf("the string '%s'", t.text)
	case tQuoted:
		return fmt.Sprintf("the property %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// lex splits cql2-text into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '\'':
			s, n, err := lexQuoted(src, i, '\'')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, s, i})
			i = n
		case r == '"':
			s, n, err := lexQuoted(src, i, '"')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tQuoted, s, i})
			i = n
		case isDigit(r) || ((r == '-' || r == '+' || r == '.') && i+1 < len(src) && (isDigit(rune(src[i+1])) || src[i+1] == '.')):
			j := i + 1
			for j < len(src) && (isDigit(rune(src[j])) || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				((src[j] == '-' || src[j] == '+') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		case isIdentStart(r):
			j := i + size
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if !isIdentPart(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		default:
			op := string(r)
			if two := src[i:min(i+2, len(src))]; two == "<>" || two == "<=" || two == ">=" {
				op = two
			} else if !strings.ContainsRune("=<>(),", r) {
				return nil, &Error{Pos: i, Msg: fmt.Sprintf("unexpected character %q", r)}
			}
			toks = append(toks, token{tOp, op, i})
			i += len(op)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

// lexQuoted reads a string quoted with q, where a doubled q stands for one.
func lexQuoted(src string, start int, q byte) (string, int, error) {
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		if src[i] == q {
			if i+1 < len(src) && src[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(src[i])
		i++
	}
	return "", 0, &Error{Pos: start, Msg: fmt.Sprintf("unterminated %c-quoted string", q)}
}

func isDigit(r rune) bool      { return r >= '0' && r <= '9' }
func isIdentStart(r rune) bool { return unicode.IsLetter(r) || r == '_' || r == ':' }
func isIdentPart(r rune) bool {
	return isIdentStart(r) || isDigit(r) || r == '.' || unicode.Is(unicode.Mn, r)
}
