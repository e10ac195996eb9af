package geo_test

import (
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
)

func TestTimeExtentPrefersTheDeclaredPeriod(t *testing.T) {
	computed := geo.Interval{Start: time.Date(2017, 9, 14, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name      string
		temporal  []string
		wantStart time.Time
		wantEnd   time.Time
	}{
		{"computed", nil, computed.Start, time.Time{}},
		{"declared", []string{"2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z"},
			time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := geo.Collection{ID: "c", Time: computed, Temporal: tt.temporal}
			got := c.TimeExtent()
			if !got.Start.Equal(tt.wantStart) || !got.End.Equal(tt.wantEnd) {
				t.Errorf("TimeExtent = %v .. %v, want %v .. %v", got.Start, got.End, tt.wantStart, tt.wantEnd)
			}
		})
	}
}
