package record

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

var benchLines = [][]byte{
	[]byte("2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 172.17.1.101 59113 20756 6 17 1325 1587983051 1587983052 ACCEPT OK"),
	[]byte("2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 203.0.113.12 10.7.1.9 443 51234 6 1200 1048576 1587983051 1587983112 REJECT OK"),
	[]byte("2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK"),
}

func benchmarkParse(b *testing.B, need FieldSet) {
	var r Record
	n := 0
	for _, l := range benchLines {
		n += len(l)
	}
	b.SetBytes(int64(n / len(benchLines)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := Parse(benchLines[i%len(benchLines)], need, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAll(b *testing.B)    { benchmarkParse(b, AllFields) }
func BenchmarkParseAction(b *testing.B) { benchmarkParse(b, FieldSet(0).With(ActionField)) }

// BenchmarkParseSimulated parses the simulator's lines with the fields of
// each kind of query, on the fast path and, for comparison, the general.
func BenchmarkParseSimulated(b *testing.B) {
	var lines [][]byte
	size := 0
	for _, l := range simulatedLines(b) {
		lines = append(lines, []byte(l))
		size += len(l)
	}
	needs := map[string]FieldSet{
		"all":      AllFields,
		"action":   FieldSet(0).With(ActionField),
		"group-by": FieldSet(0).With(SrcAddr).With(Packets).With(Bytes).With(Start).With(End),
	}
	for name, need := range needs {
		for path, parse := range map[string]func([]byte, FieldSet, *Record) error{
			"fast":    Parse,
			"general": parseGeneral,
		} {
			b.Run(name+"/"+path, func(b *testing.B) {
				var r Record
				b.SetBytes(int64(size / len(lines)))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if err := parse(lines[i%len(lines)], need, &r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseIPv6 compares the fast path for IPv6 addresses with netip
// on the addresses of the simulated lines.
func BenchmarkParseIPv6(b *testing.B) {
	var addrs [][]byte
	for _, line := range simulatedLines(b) {
		f := strings.Fields(line)
		if len(f) > 4 && strings.Contains(f[3], ":") {
			addrs = append(addrs, []byte(f[3]), []byte(f[4]))
		}
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			for _, a := range addrs {
				parseIPv6(a)
			}
		}
	})
	b.Run("netip", func(b *testing.B) {
		for b.Loop() {
			for _, a := range addrs {
				netip.ParseAddr(string(a))
			}
		}
	})
}

// BenchmarkParse scans the simulated lines in push mode, as a query reads
// a decompressed object, on every path the processor can run and with the
// fields of each kind of query.
func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	lines := simulatedLines(b)
	for buf.Len() < 1<<20 {
		for _, l := range lines {
			buf.WriteString(l)
			buf.WriteByte('\n')
		}
	}
	data := buf.Bytes()
	needs := []struct {
		name string
		need FieldSet
	}{
		{"all", AllFields},
		{"action", FieldSet(0).With(ActionField)},
		{"group-by", FieldSet(0).With(SrcAddr).With(Packets).With(Bytes).With(Start).With(End)},
	}
	for _, p := range parserPaths() {
		for _, n := range needs {
			b.Run(p.name+"/"+n.name, func(b *testing.B) {
				p.use(b)
				s := NewScanner(nil, "bench", n.need)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					s.Reset(nil, "bench")
					if err := s.Each(bytes.NewReader(data), func(*Record) bool { return true }); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
