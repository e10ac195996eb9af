// Package assets embeds everything the binary ships: the map page, the
// vendored front-end libraries, the seed data set, the MapLibre styles and
// their fonts, and the basemap. `make assets` refreshes the vendored files
// and the basemap from npm; the results are committed, so a build needs
// no npm.
//
// It holds files, not logic, and imports no sitmap package; cmd/sitmap
// hands FS to web and internal/dataset, which take any fs.FS.
package assets
