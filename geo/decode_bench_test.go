package geo

import "testing"

const benchFeature = `{"type":"Feature","id":"pt-000123","geometry":{"type":"Point","coordinates":[23.456789,52.123456]},"properties":{"collection":"points","confidence":"reported","country":"PL","kind":"depot","name":"Point 123 near Brest","sources":[{"title":"generated","publisher":"workload","date":"2025-09-12","url":"https://example.org/w"}],"status":"active","valid_from":"2025-09-12"}}`

// The fast path against the general one, on a feature like the workload's.
func BenchmarkDecodeFeature(b *testing.B) {
	for _, bm := range []struct {
		name   string
		decode func([]byte) (*Feature, error)
	}{{"fast", DecodeFeature}, {"general", decodeSlow}} {
		b.Run(bm.name, func(b *testing.B) {
			data := []byte(benchFeature)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
