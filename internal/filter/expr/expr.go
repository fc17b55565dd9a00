// Package expr owns the --where filter language: a small tcpdump/nfdump-like
// expression compiled once into a tree of predicates that tests a parsed
// flow log record without allocating.
//
// A term on a field that is absent from a record ("-" in the line) is false,
// like a comparison with NULL in SQL, so "not bytes > 1M" holds for a NODATA
// record. docs/query-language.md describes the language for users.
package expr

import (
	"github.com/flowlog/flowlog/internal/record"
)

// Expr is a compiled expression. It is safe for concurrent use unless it
// looks names of addresses up (CompileWith): then each goroutine matches
// with its own copy from ForWorker.
type Expr struct {
	root   node
	fields record.FieldSet

	// For names of addresses (CompileWith): the source and options to
	// compile a worker's copy from.
	src       string
	opts      Options
	perWorker bool
}

// Compile parses an expression into a predicate. Its errors are
// *SyntaxError.
func Compile(src string) (*Expr, error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Expr{root: root, fields: root.fields()}, nil
}

// Match reports whether r satisfies the expression. It reads only the
// fields in Fields and allocates nothing.
func (e *Expr) Match(r *record.Record) bool { return e.root.match(r) }

// Fields returns the record fields Match reads, so a scanner can parse only
// those.
func (e *Expr) Fields() record.FieldSet { return e.fields }

// String returns the expression in a canonical, fully parenthesised form
// that compiles to the same predicate.
func (e *Expr) String() string { return e.root.String() }
