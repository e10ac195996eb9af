package storetest_test

import (
	"testing"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/storetest"
)

// A backend's test runs the contract with a function that opens a fresh,
// empty store reading its clock from the suite.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now store.Clock) store.Store {
			s, err := bunt.Open(":memory:", bunt.WithClock(now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	}
}
