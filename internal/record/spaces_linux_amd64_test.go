package record

import (
	"strings"
	"syscall"
	"testing"
)

// atPageEnd copies p to the end of a page that an unreadable page follows,
// so that reading past the end of p faults.
func atPageEnd(tb testing.TB, p []byte) []byte {
	tb.Helper()
	size := syscall.Getpagesize()
	n := (len(p)/size + 1) * size
	mem, err := syscall.Mmap(-1, 0, n+size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[n:], syscall.PROT_NONE); err != nil {
		tb.Fatal(err)
	}
	q := mem[n-len(p) : n : n]
	copy(q, p)
	return q
}

// checkFirstLineSpaces compares the vector version with the portable one
// on p, placed where a read past its end faults, and returns whether p
// starts with a line of single-spaced fields.
func checkFirstLineSpaces(t *testing.T, p []byte) bool {
	t.Helper()
	p = atPageEnd(t, p)
	var vec, gen [NumFields - 1]int32
	nVec, okVec := firstLineSpacesAVX512(p, &vec)
	nGen, okGen := firstLineSpacesGeneric(p, &gen)
	if nVec != nGen || okVec != okGen || okVec && vec != gen {
		t.Fatalf("%q: vector %d %v %v, portable %d %v %v", p, nVec, okVec, vec, nGen, okGen, gen)
	}
	return okGen
}

func FuzzFirstLineSpaces(f *testing.F) {
	for _, line := range simulatedLines(f)[:20] {
		f.Add([]byte(line + "\n" + line))
		f.Add([]byte(line + "\r\n"))
		f.Add([]byte(line))
	}
	f.Add([]byte(strings.Repeat("a ", 13) + "b\n"))
	f.Add([]byte(strings.Repeat("ab", 128) + "\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		if !hasLineVector {
			t.Skip("no AVX-512")
		}
		checkFirstLineSpaces(t, p)
	})
}

func TestFirstLineSpacesEveryLength(t *testing.T) {
	if !hasLineVector {
		t.Skip("no AVX-512")
	}
	// Lines of every length up to past the vector version's reach, with
	// the spaces in every 64-byte block and at block edges; each line
	// alone, ended by a newline, by a carriage return and a newline, and
	// followed by more text.
	for n := 0; n <= maxSingleLine+8; n++ {
		for shift := 0; shift < 14; shift++ {
			line := []byte(strings.Repeat("x", n))
			step := (n - 2) / 13
			if step > 0 {
				for k := range 13 {
					line[1+shift%step+k*step] = ' '
				}
			}
			for _, end := range []string{"", "\n", "\r\n", "\nx y\n"} {
				ok := checkFirstLineSpaces(t, append(line[:n:n], end...))
				if want := step > 1 && n < maxSingleLine && end[0:min(len(end), 1)] == "\n"; ok != want {
					t.Fatalf("n=%d shift=%d end %q: ok %v, want %v", n, shift, end, ok, want)
				}
			}
		}
	}
}
