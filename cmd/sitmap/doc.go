// Command sitmap is the one binary: serve, import, export, migrate and
// version. It parses flags and wires the parts together; logic lives in the
// packages it imports (web, internal/dataset, internal/store/...), and
// nothing imports it.
package main
