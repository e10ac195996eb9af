// Package storetest is the contract every store.Store backend must pass.
// A backend's test calls Run with a function that opens a fresh, empty
// store; each subtest opens its own. Reopening a store (durability) is the
// backend's own test, since only the backend knows how to reopen.
//
// It is for tests only: no production package imports it.
package storetest
