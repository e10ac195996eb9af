// Package basemap holds the offline basemap (countries, borders, coasts,
// lakes, rivers and place names) in memory, indexed on a one-degree grid,
// and hands out the features of each layer that reach a tile.
//
// It imports geo and orb only; it knows nothing of HTTP or stores.
package basemap
