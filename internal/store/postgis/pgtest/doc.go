// Package pgtest gives tests a fresh, empty PostgreSQL database with PostGIS.
//
// On first use in a test binary it creates a throwaway cluster in a temp
// dir (initdb), starts it with pg_ctl on a free port of 127.0.0.1 — never
// the system service — and stops and removes it when the tests end. Every
// DSN call creates a new database with the postgis extension, so tests do
// not see each other's data.
//
// Set SITMAP_TEST_PG=postgres://user@host:port/db to use an existing
// server instead; its user must be allowed to create databases.
//
// A package that uses DSN needs a TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// It is for tests only: no production package imports it.
package pgtest
