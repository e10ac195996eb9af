// Package dataset moves features between files and a store: import (validate
// everything, then write everything or nothing), export, and the one-time
// load of the embedded seed data set.
//
// It imports geo and internal/store (the interface, never a backend) and no HTTP.
package dataset
