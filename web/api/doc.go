// Package api is what every HTTP resource of sitmap shares: the
// vocabulary (media types, link relations, conformance classes, parameter
// names), the route type that both the router and the OpenAPI document
// are built from, the one error shape and the one place errors become
// statuses (Classify), content negotiation, links and the HTML pages.
//
// It knows HTTP and the store's sentinels, not a backend, and imports no
// other web package: the resource packages (web/tileapi) and web itself
// build on it.
package api
