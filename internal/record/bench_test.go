package record

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// benchNeeds are the fields of each kind of query: every field, a filter
// on the action, and a group-by on the source address.
var benchNeeds = []struct {
	name string
	need FieldSet
}{
	{"all", AllFields},
	{"action", FieldSet(0).With(ActionField)},
	{"group-by", FieldSet(0).With(SrcAddr).With(Packets).With(Bytes).With(Start).With(End)},
}

// BenchmarkParseSimulated parses the simulator's lines with the fields of
// each kind of query, on the fast path and, for comparison, the general.
func BenchmarkParseSimulated(b *testing.B) {
	var lines [][]byte
	size := 0
	for _, l := range simulatedLines(b) {
		lines = append(lines, []byte(l))
		size += len(l)
	}
	for _, n := range benchNeeds {
		for path, parse := range map[string]func([]byte, FieldSet, *Record) error{
			"fast":    Parse,
			"general": parseGeneral,
		} {
			b.Run(n.name+"/"+path, func(b *testing.B) {
				var r Record
				b.SetBytes(int64(size / len(lines)))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if err := parse(lines[i%len(lines)], n.need, &r); err != nil {
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
	for _, p := range parserPaths() {
		for _, n := range benchNeeds {
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

// BenchmarkParseCustom scans the simulated records rewritten in an AWS
// custom format (the version-2 fields shuffled, with vpc-id, tcp-flags and
// pkt-srcaddr added), as BenchmarkParse scans them in version 2, for the
// fields of each kind of query.
func BenchmarkParseCustom(b *testing.B) {
	const header = "vpc-id srcaddr dstaddr srcport dstport protocol tcp-flags packets bytes start end action log-status pkt-srcaddr version account-id interface-id"
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	lines := simulatedLines(b)
	for buf.Len() < 1<<20 {
		for _, l := range lines {
			f := strings.Fields(l)
			fmt.Fprintf(&buf, "vpc-0a1b2c3d %s %s %s %s %s 19 %s %s %s %s %s %s %s %s %s %s\n",
				f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[3], f[0], f[1], f[2])
		}
	}
	data := buf.Bytes()
	for _, n := range benchNeeds {
		b.Run(n.name, func(b *testing.B) {
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
