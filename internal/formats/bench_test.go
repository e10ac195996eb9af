package formats_test

import (
	"io"
	"testing"

	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/internal/workload"
)

// BenchmarkEncode encodes a tenth of the workload (22,200 features) in
// each format, without a store: the encoders' own cost.
func BenchmarkEncode(b *testing.B) {
	fs := workload.Generate(0.1)
	cols := workload.Collections()
	byID := map[string]int{}
	for i, c := range cols {
		byID[c.ID] = i
	}
	// Encoders take features grouped by collection.
	groups := make([][]int, len(cols))
	for i, f := range fs {
		groups[byID[f.Collection()]] = append(groups[byID[f.Collection()]], i)
	}
	for _, ff := range formats.Files {
		b.Run(string(ff), func(b *testing.B) {
			for b.Loop() {
				enc, err := formats.NewEncoder(ff, io.Discard, cols)
				if err != nil {
					b.Fatal(err)
				}
				for _, g := range groups {
					for _, i := range g {
						if err := enc.Write(fs[i]); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := enc.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(fs)), "µs/feature")
		})
	}
}
