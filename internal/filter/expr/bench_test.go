package expr

import (
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

func BenchmarkMatch(b *testing.B) {
	e := mustCompile(b, specExample)
	var recs []*record.Record
	for _, l := range testLines {
		recs = append(recs, parseLine(b, l.line, e.Fields()))
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if e.Match(recs[i%len(recs)]) {
			n++
		}
	}
	_ = n
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(specExample); err != nil {
			b.Fatal(err)
		}
	}
}
