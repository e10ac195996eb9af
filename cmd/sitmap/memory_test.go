package main

import (
	"testing"
	"time"
)

// TestIdleFree: memory goes back once per burst, after the server has been
// quiet for quietTicks checks, and no sooner than freeGap after the last.
func TestIdleFree(t *testing.T) {
	const mb = 1 << 20
	t0 := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		allocs []uint64 // growth at each check, a second apart
		free   []int    // the checks that return memory
	}{
		{"idle from the start", []uint64{0, 0, 0, 0, 0}, nil},
		{"health checks only", []uint64{mb / 8, mb / 8, mb / 8, mb / 8}, nil},
		{"one burst", []uint64{50 * mb, 80 * mb, 0, 0, 0, 0}, []int{3}},
		{"a pause too short", []uint64{50 * mb, 0, 50 * mb, 0, 0}, []int{4}},
		{"a second burst waits for the gap", []uint64{
			50 * mb, 0, 0, // returned at check 2 (t0+2s)
			50 * mb, 0, 0, 0, 0, 0, 0, 0, 0, 0, // quiet again at check 5, the gap ends at check 12
			0, 0}, []int{2, 12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := idleFree{lastFree: t0.Add(-time.Hour)}
			var total uint64
			var got []int
			for i, g := range tc.allocs {
				total += g
				if d.check(total, t0.Add(time.Duration(i)*time.Second)) {
					got = append(got, i)
				}
			}
			if len(got) != len(tc.free) {
				t.Fatalf("returned at checks %v, want %v", got, tc.free)
			}
			for i := range got {
				if got[i] != tc.free[i] {
					t.Fatalf("returned at checks %v, want %v", got, tc.free)
				}
			}
		})
	}
}
