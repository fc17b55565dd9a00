package expr

import (
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// FuzzCompile checks that Compile never panics, and that the canonical form
// of anything it accepts compiles again to the same form, the same fields
// and the same verdict on every test record.
func FuzzCompile(f *testing.F) {
	for _, tc := range matchTests {
		f.Add(tc.expr)
	}
	for _, tc := range errorTests {
		f.Add(tc.expr)
	}
	for _, tc := range fieldMatchTests {
		f.Add(tc.expr)
	}
	var recs []*record.Record
	var names []string
	for _, l := range testLines {
		recs = append(recs, parseLine(f, l.line, record.AllFields))
		names = append(names, l.name)
	}
	for _, l := range customLines {
		recs = append(recs, parseCustom(f, l.line))
		names = append(names, l.name)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Compile(%q) returned %T, want *SyntaxError", src, err)
			}
			if se.Pos < 1 || se.Pos > len([]rune(src))+1 {
				t.Fatalf("Compile(%q): column %d outside the expression", src, se.Pos)
			}
			_ = se.Caret()
			return
		}
		s := e.String()
		e2, err := Compile(s)
		if err != nil {
			t.Fatalf("Compile(%q) = %q, which does not compile: %v", src, s, err)
		}
		if s2 := e2.String(); s2 != s {
			t.Fatalf("Compile(%q) = %q, which compiles to %q", src, s, s2)
		}
		if e.Fields() != e2.Fields() {
			t.Fatalf("Compile(%q): Fields %b, but %b after a round trip", src, e.Fields(), e2.Fields())
		}
		for i, r := range recs {
			if e.Match(r) != e2.Match(r) {
				t.Fatalf("Compile(%q) and its String %q disagree on %s", src, s, names[i])
			}
		}
	})
}
