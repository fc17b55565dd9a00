package parquetio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/parquetio/pqtest"
	"github.com/flowlog/flowlog/internal/record"
)

// sample lines: the service's examples (NODATA, SKIPDATA, IPv6, port 0)
// and the edges of every numeric field.
var sampleLines = []string{
	"2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 172.17.1.101 59113 20756 6 17 1325 1587983051 1587983052 ACCEPT OK",
	"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
	"2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
	"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
	"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK",
	"3 - - 0.0.0.0 255.255.255.255 65535 1 255 0 9223372036854775807 0 1 REJECT -",
	"2 1 i :: ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff - - 17 - - 1432917027 - REJECT OK",
}

func parseLines(t testing.TB, lines []string) []Row {
	t.Helper()
	in := Interner{}
	var rows []Row
	for _, l := range lines {
		var r record.Record
		if err := record.Parse([]byte(l), record.AllFields, &r); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		rows = append(rows, RowOf(&r, in))
	}
	return rows
}

func writeRows(t testing.TB, rows []Row, opts WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFile(&buf, rows, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readLines reads every record back in its text form.
func readLines(t testing.TB, data []byte, b Bounds) []string {
	t.Helper()
	f, err := Open(bytes.NewReader(data), int64(len(data)), "test.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var rd Reader
	var got []string
	if _, err := rd.Each(f, 0, true, b, func(r *record.Record) bool {
		got = append(got, string(r.Line))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	rows := parseLines(t, sampleLines)
	data := writeRows(t, rows, WriteOptions{})
	got := readLines(t, data, Bounds{})
	// Rows come back sorted by start; the text form is the record's, with
	// single spaces.
	want := slices.Clone(sampleLines)
	slices.SortStableFunc(want, func(a, b string) int {
		return strings.Compare(strings.Fields(a)[10], strings.Fields(b)[10])
	})
	if !slices.Equal(got, want) {
		t.Fatalf("read back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSomeFields decodes only what a query needs: the fields asked for are
// there, the others absent.
func TestSomeFields(t *testing.T) {
	data := writeRows(t, parseLines(t, sampleLines[:1]), WriteOptions{})
	f, err := Open(bytes.NewReader(data), int64(len(data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	var rd Reader
	need := record.FieldSet(0).With(record.DstPort).With(record.SrcAddr)
	rd.Each(f, need, false, Bounds{}, func(r *record.Record) bool {
		if r.Present != need || r.DstPort != 20756 || r.SrcAddr != netip.MustParseAddr("172.17.1.100") {
			t.Errorf("got %+v", r)
		}
		return true
	})
}

// TestSkipRowGroups writes sorted records in many row groups and checks that
// a window and a verdict skip the row groups that cannot match, and only
// those: every matching record still comes back.
func TestSkipRowGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var lines []string
	for i := range 10000 {
		start := 1_700_000_000 + int64(i)
		action := "ACCEPT"
		if i >= 6000 && i < 7000 || rng.IntN(100) == 0 && i < 3000 {
			action = "REJECT"
		}
		lines = append(lines, fmt.Sprintf("2 1 eni-1 10.0.0.%d 10.1.0.1 %d 443 6 1 100 %d %d %s OK",
			rng.IntN(250), 1024+rng.IntN(60000), start, start+30, action))
	}
	data := writeRows(t, parseLines(t, lines), WriteOptions{RowGroupRows: 1000})
	f, err := Open(bytes.NewReader(data), int64(len(data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		b           Bounds
		keep        func(r *record.Record) bool
		readGroups  int
		matchingMin int
	}{
		{"window", Bounds{Since: 1_700_004_000, Until: 1_700_004_999},
			func(r *record.Record) bool { return r.End >= 1_700_004_000 && r.Start <= 1_700_004_999 }, 2, 1000},
		{"reject", Bounds{Actions: []record.Action{record.Reject}},
			func(r *record.Record) bool { return r.Action == record.Reject }, 4, 1000},
		{"since only", Bounds{Since: 1_700_009_500},
			func(r *record.Record) bool { return r.End >= 1_700_009_500 }, 1, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rd Reader
			matched := 0
			if _, err := rd.Each(f, record.AllFields, false, tc.b, func(r *record.Record) bool {
				if tc.keep(r) {
					matched++
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, row := range parseLines(t, lines) {
				r := record.Record{Start: row.Start, End: row.End, Action: row.Action}
				if tc.keep(&r) {
					want++
				}
			}
			if matched != want || matched < tc.matchingMin {
				t.Errorf("matched %d records, want %d", matched, want)
			}
			if rd.RowGroups != tc.readGroups || rd.RowGroups+rd.Skipped != 10 {
				t.Errorf("read %d row groups and skipped %d, want %d read of 10", rd.RowGroups, rd.Skipped, tc.readGroups)
			}
			// Counting with exact bounds takes the row groups wholly
			// within them from their statistics, and gets the same count.
			exact := tc.b
			exact.Exact = true
			var counted int64
			decoded, whole, err := new(Reader).Count(f, record.AllFields, exact, func(r *record.Record) bool {
				if tc.keep(r) {
					counted++
				}
				return true
			})
			if err != nil || counted+whole != int64(want) || (whole == 0) != (tc.name == "since only") || decoded+whole > int64(tc.readGroups*1000) {
				t.Errorf("exact count: %d decoded, %d matched, %d whole (%v); want %d", decoded, counted, whole, err, want)
			}
			// A verdict count counts the verdict column: no record
			// reaches fn.
			if tc.name == "reject" && (counted != 0 || whole != int64(want)) {
				t.Errorf("verdict count: %d records reached fn, %d counted in the column; want none and %d", counted, whole, want)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	data := writeRows(t, parseLines(t, sampleLines), WriteOptions{})
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"empty", "parquet", nil},
		{"text", "parquet", []byte("2 1 eni ... not parquet at all")},
		{"truncated", "", data[:len(data)/2]},
	} {
		_, err := Open(bytes.NewReader(tc.data), int64(len(tc.data)), "f.parquet")
		if err == nil || !strings.Contains(err.Error(), "f.parquet") {
			t.Errorf("%s: got %v, want an error naming the file", tc.name, err)
		}
	}
}

// FuzzRead feeds damaged files to the reader: it must return an error or
// records, never panic or hang.
// FuzzRead reads corrupted Parquet files: a valid file (flowlog's export
// of the sample lines, or pqtest's one-column file) with bytes flipped by
// edits (three bytes an edit: a big-endian offset, taken modulo the
// length, and the bits to flip) and cut bytes cut from its end. Fuzzing
// edits rather than whole files keeps inputs a few bytes long, which the
// fuzzer minimises in an instant; a file of kilobytes took it minutes, in
// which the fuzzer reported 0 execs/sec.
func FuzzRead(f *testing.F) {
	bases := [][]byte{
		writeRows(f, parseLines(f, sampleLines), WriteOptions{RowGroupRows: 3}),
		pqtest.File(pqtest.Page{Starts: []int64{1700000000, 1700000060, 1700000120}}),
	}
	f.Add(byte(0), []byte{}, uint16(0))
	f.Add(byte(0), []byte{0x00, 0x07, 0x80}, uint16(0))
	f.Add(byte(0), []byte{0x10, 0x00, 0xff}, uint16(0))
	f.Add(byte(1), []byte{0x00, 0x09, 0x70}, uint16(0))
	f.Add(byte(1), []byte{}, uint16(9))
	// The bounds a file's sizes are checked against, lowered: an input
	// that allocates up to the real ones makes fuzzing crawl.
	defer func(pages, values int32, rows int64) {
		maxPageBytes, maxPageValues, maxRowGroupRows = pages, values, rows
	}(maxPageBytes, maxPageValues, maxRowGroupRows)
	maxPageBytes, maxPageValues, maxRowGroupRows = 1<<20, 1<<16, 1<<20
	f.Fuzz(func(t *testing.T, base byte, edits []byte, cut uint16) {
		data := slices.Clone(bases[int(base)%len(bases)])
		for i := 0; i+2 < len(edits); i += 3 {
			data[int(binary.BigEndian.Uint16(edits[i:]))%len(data)] ^= edits[i+2]
		}
		data = data[:len(data)-int(cut)%len(data)]
		file, err := Open(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			return
		}
		var rd Reader
		rd.Each(file, record.AllFields, true, Bounds{Since: 1, Until: 2_000_000_000, Actions: []record.Action{record.Reject}}, func(*record.Record) bool { return true })
		rd.Count(file, record.FieldSet(0).With(record.Start), Bounds{Since: 1, Until: 2_000_000_000, Exact: true}, func(*record.Record) bool { return true })
	})
}

func BenchmarkWriteFile(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var lines []string
	for i := range 100000 {
		lines = append(lines, fmt.Sprintf("2 123456789 eni-1 10.0.%d.%d 10.1.0.1 %d 443 6 %d %d %d %d ACCEPT OK",
			rng.IntN(4), rng.IntN(250), 1024+rng.IntN(60000), rng.IntN(100), rng.IntN(100000), 1_700_000_000+i/10, 1_700_000_000+i/10+rng.IntN(60)))
	}
	rows := parseLines(b, lines)
	b.ResetTimer()
	for range b.N {
		var buf bytes.Buffer
		if err := WriteFile(&buf, rows, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len())/float64(len(rows)), "B/row")
	}
}
