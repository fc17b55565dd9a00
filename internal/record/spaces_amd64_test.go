package record

import (
	"strings"
	"testing"
)

func FuzzFindSingleSpaces(f *testing.F) {
	for _, line := range simulatedLines(f)[:20] {
		f.Add([]byte(line))
	}
	f.Add([]byte(strings.Repeat("a ", 13) + "b"))
	f.Add([]byte(strings.Repeat("ab", 128)))
	f.Fuzz(func(t *testing.T, line []byte) {
		if !hasAVX2 || len(line) < 32 || len(line) > maxSingleSpacedLine {
			t.Skip("outside the vector version's domain")
		}
		// The vector version agrees with the portable one on every line.
		var vec, gen [NumFields - 1]int32
		okVec := findSingleSpacesAVX2(line, &vec)
		okGen := findSingleSpacesPortable(line, &gen)
		if okVec != okGen || okVec && vec != gen {
			t.Fatalf("%q: vector %v %v, portable %v %v", line, okVec, vec, okGen, gen)
		}
	})
}

func TestFindSingleSpacesEveryLength(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	// Lines of every length the vector version takes, with the spaces in
	// every 32-byte block and at block edges.
	for n := 32; n <= maxSingleSpacedLine; n++ {
		for shift := 0; shift < 14; shift++ {
			line := []byte(strings.Repeat("x", n))
			step := (n - 2) / 13
			for k := range 13 {
				line[1+shift%step+k*step] = ' '
			}
			var vec, gen [NumFields - 1]int32
			okVec := findSingleSpacesAVX2(line, &vec)
			okGen := findSingleSpacesPortable(line, &gen)
			if okVec != okGen || okVec && vec != gen || !okGen && step > 1 {
				t.Fatalf("n=%d shift=%d %q: vector %v %v, portable %v %v", n, shift, line, okVec, vec, okGen, gen)
			}
		}
	}
}
