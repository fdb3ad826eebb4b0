// Package archtest holds no code. Its test reads the module's import graph
// (go list) and fails when a package imports what the layering rules in
// docs/design.md forbid, so that the rules hold by the graph and not only
// by review.
package archtest
