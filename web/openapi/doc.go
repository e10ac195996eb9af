// Package openapi writes the OpenAPI 3.0 document of sitmap from its
// route table (so the document and the router cannot drift apart), and
// renders it as an HTML page that needs no script.
//
// It imports web/api and web/query, never web itself.
package openapi
