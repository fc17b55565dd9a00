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

// checkLineEndAndSpaces compares the vector version with the portable one
// on p, placed where a read past its end faults, and returns whether p
// starts with a line of single-spaced fields.
func checkLineEndAndSpaces(t *testing.T, p []byte) bool {
	t.Helper()
	p = atPageEnd(t, p)
	var vec, gen [NumFields - 1]int32
	nVec, okVec := lineEndAndSpacesAVX512(p, &vec)
	nGen, okGen := lineEndAndSpacesPortable(p, &gen)
	if nVec != nGen || okVec != okGen || okVec && vec != gen {
		t.Fatalf("%q: vector %d %v %v, portable %d %v %v", p, nVec, okVec, vec, nGen, okGen, gen)
	}
	return okGen
}

func FuzzLineEndAndSpaces(f *testing.F) {
	for _, line := range simulatedLines(f)[:20] {
		f.Add([]byte(line + "\n" + line))
		f.Add([]byte(line + "\r\n"))
		f.Add([]byte(line))
	}
	f.Add([]byte(strings.Repeat("a ", 13) + "b\n"))
	f.Add([]byte(strings.Repeat("ab", 128) + "\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		if !hasAVX512Line {
			t.Skip("no AVX-512")
		}
		checkLineEndAndSpaces(t, p)
	})
}

func TestLineEndAndSpacesEveryLength(t *testing.T) {
	if !hasAVX512Line {
		t.Skip("no AVX-512")
	}
	// Lines of every length up to past the vector version's reach, with
	// the spaces in every 64-byte block and at block edges; each line
	// alone, ended by a newline, by a carriage return and a newline, and
	// followed by more text.
	for n := 0; n <= maxSingleSpacedLine+8; n++ {
		for shift := 0; shift < 14; shift++ {
			line := []byte(strings.Repeat("x", n))
			step := (n - 2) / 13
			if step > 0 {
				for k := range 13 {
					line[1+shift%step+k*step] = ' '
				}
			}
			for _, end := range []string{"", "\n", "\r\n", "\nx y\n"} {
				ok := checkLineEndAndSpaces(t, append(line[:n:n], end...))
				if want := step > 1 && n < maxSingleSpacedLine && end[0:min(len(end), 1)] == "\n"; ok != want {
					t.Fatalf("n=%d shift=%d end %q: ok %v, want %v", n, shift, end, ok, want)
				}
			}
		}
	}
}

// checkParseFourNumbers compares the vector version with the portable one on
// the fields of line between the spaces at b, the line placed where a read
// past its end faults, and returns whether they were converted.
func checkParseFourNumbers(t *testing.T, line []byte, b [5]int32) bool {
	t.Helper()
	line = atPageEnd(t, line)
	var vec, gen [4]uint64
	okVec := parseFourNumbersAVX512(line, &b, &vec)
	okGen := parseFourNumbersPortable(line, &b, &gen)
	if okVec != okGen || okVec && vec != gen {
		t.Fatalf("%q %v: vector %v %v, portable %v %v", line, b, okVec, vec, okGen, gen)
	}
	return okGen
}

func FuzzParseFourNumbers(f *testing.F) {
	for _, line := range simulatedLines(f)[:20] {
		var sp [NumFields - 1]int32
		if findSingleSpacesPortable([]byte(line), &sp) {
			f.Add([]byte(line), uint8(sp[7]), uint8(sp[8]), uint8(sp[9]), uint8(sp[10]), uint8(sp[11]))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte, b0, b1, b2, b3, b4 uint8) {
		if !hasAVX512Numbers {
			t.Skip("no AVX-512 VBMI")
		}
		b := [5]int32{int32(b0), int32(b1), int32(b2), int32(b3), int32(b4)}
		for i := range 4 {
			if b[i] >= b[i+1] {
				t.Skip("positions out of order")
			}
		}
		if int(b[4]) > len(line) {
			t.Skip("positions past the line")
		}
		checkParseFourNumbers(t, line, b)
	})
}

func TestParseFourNumbersEveryLength(t *testing.T) {
	if !hasAVX512Numbers {
		t.Skip("no AVX-512 VBMI")
	}
	// Every length from 0 to 17 digits in each of the four fields, after
	// prefixes that move the window, with digits that are all different,
	// and then each digit of the longest fields in turn made a non-digit.
	const digits = "98765432109876543210"
	converted := 0
	for prefix := 13; prefix <= 40; prefix += 9 {
		for n := 0; n <= 17; n++ {
			for field := range 4 {
				lens := [4]int{10, 3, 10, 10}
				lens[field] = n
				line := []byte(strings.Repeat("x", prefix) + " ")
				b := [5]int32{int32(prefix)}
				for i, l := range lens {
					line = append(line, digits[i:i+l]...)
					b[i+1] = int32(len(line))
					if i < 3 {
						line = append(line, ' ')
					}
				}
				if checkParseFourNumbers(t, line, b) {
					converted++
				}
				// The same fields in lines that go on for long after them.
				for extra := 180; extra < 330; extra += 3 {
					checkParseFourNumbers(t, append(line[:len(line):len(line)], " "+strings.Repeat("y", extra)...), b)
				}
				for j := b[field] + 1; j < b[field+1]; j++ {
					for _, c := range []byte{'/', ':', '-', 0, 0xff} {
						bad := append([]byte(nil), line...)
						bad[j] = c
						if checkParseFourNumbers(t, bad, b) {
							t.Fatalf("%q: converted with %q in a field", bad, c)
						}
					}
				}
			}
		}
	}
	// Lengths 1 to 16 convert, in every field after every prefix (but a
	// first field of one digit after the shortest prefix): 255 lines.
	if converted != 255 {
		t.Fatalf("only %d lines converted", converted)
	}
}
