package dataset_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// BenchmarkImportWorkload is `sitmap import` of the 222,000-feature
// workload minus reading the file: decode, validate, one fsynced write.
func BenchmarkImportWorkload(b *testing.B) {
	var buf bytes.Buffer
	if err := workload.WriteGeoJSON(&buf, workload.Generate(1)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := bunt.Open(b.TempDir() + "/import.db")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		_, err = dataset.Import(context.Background(), st,
			[]dataset.Input{{Name: "workload.geojson", R: bytes.NewReader(buf.Bytes())}}, dataset.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/import")
		st.Close()
	}
}
