// Package flatgeobuf is the FlatBuffers code that Debian's flatc
// (flatbuffers-compiler 2.0.8) generates from FlatGeobuf's schema
// (schema/*.fbs, from the flatgeobuf repository, BSD 2-clause: schema/LICENSE).
// Regenerate with go generate; never edit the generated files.
package flatgeobuf

//go:generate flatc --go --go-namespace flatgeobuf -o .. schema/header.fbs schema/feature.fbs
