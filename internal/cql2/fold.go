package cql2

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CASEI and ACCENTI fold text through two fixed tables of one character
// to one character, so that the embedded store (here) and PostGIS
// (translate() with the same tables as bind parameters) fold alike,
// whatever the database's locale.

// foldRanges are the scripts the tables cover: Latin, Greek, Cyrillic.
var foldRanges = [][2]rune{{0x41, 0x24f}, {0x370, 0x3ff}, {0x400, 0x52f}, {0x1e00, 0x1eff}}

// accentExtra are letters whose stroke or bar is not a combining mark.
var accentExtra = map[rune]rune{'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ø': 'o', 'Ø': 'O', 'ħ': 'h', 'Ħ': 'H', 'ı': 'i', 'ŧ': 't', 'Ŧ': 'T'}

// FoldTable is a folding as two strings of equal length in characters:
// From[i] becomes To[i].
type FoldTable struct {
	From, To string
	m        map[rune]rune
}

var (
	caseTable   = buildTable(func(r rune) rune { return unicode.ToLower(r) })
	accentTable = buildTable(stripAccent)
)

func buildTable(f func(rune) rune) FoldTable {
	var from, to strings.Builder
	m := map[rune]rune{}
	for _, rg := range foldRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if t := f(r); t != r && t != utf8.RuneError {
				from.WriteRune(r)
				to.WriteRune(t)
				m[r] = t
			}
		}
	}
	return FoldTable{From: from.String(), To: to.String(), m: m}
}

func stripAccent(r rune) rune {
	if t, ok := accentExtra[r]; ok {
		return t
	}
	d := []rune(norm.NFD.String(string(r)))
	if len(d) < 2 {
		return r
	}
	for _, c := range d[1:] {
		if !unicode.Is(unicode.Mn, c) {
			return r
		}
	}
	return d[0]
}

// Fold returns the table of a folding function: "casei" or "accenti".
func Fold(name string) FoldTable {
	if name == "casei" {
		return caseTable
	}
	return accentTable
}

func fold(name, s string) string {
	m := Fold(name).m
	return strings.Map(func(r rune) rune {
		if t, ok := m[r]; ok {
			return t
		}
		return r
	}, s)
}
