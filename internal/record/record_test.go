package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	kgzip "github.com/klauspost/compress/gzip"
)

// The examples from the service's documentation, which any reader must handle.
const productExamples = `2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 172.17.1.101 59113 20756 6 17 1325 1587983051 1587983052 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA
2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
`

func TestParseProductExamples(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(productExamples), "\n")
	var r Record
	for _, line := range lines {
		if err := Parse([]byte(line), AllFields, &r); err != nil {
			t.Fatalf("Parse(%q): %v", line, err)
		}
		if got := string(AppendText(nil, &r)); got != line {
			t.Errorf("round trip:\n got %s\nwant %s", got, line)
		}
	}

	if err := Parse([]byte(lines[0]), AllFields, &r); err != nil {
		t.Fatal(err)
	}
	if r.SrcAddr != netip.MustParseAddr("172.17.1.100") || r.DstPort != 20756 || r.Protocol != 6 ||
		r.Packets != 17 || r.Bytes != 1325 || r.Start != 1587983051 || r.Action != Accept || r.Status != OK {
		t.Errorf("fields of first example wrong: %+v", r)
	}

	if err := Parse([]byte(lines[1]), AllFields, &r); err != nil {
		t.Fatal(err)
	}
	if r.Has(SrcAddr) || r.Has(Packets) || r.Has(ActionField) || !r.Has(Start) || r.Status != NoData {
		t.Errorf("NODATA record: present=%b status=%v", r.Present, r.Status)
	}
	if _, ok := r.Uint(Bytes); ok {
		t.Error("absent bytes reported present")
	}

	if err := Parse([]byte(lines[4]), AllFields, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Has(SrcPort) || r.SrcPort != 0 || r.Protocol != 1 {
		t.Errorf("ICMP record must keep port 0 as a present zero: %+v", r)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT", "expected 14 fields, found 13"},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK extra", "expected 14 fields, found 15"},
		{"2 1 eni 1.2.3.256 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK", `invalid srcaddr "1.2.3.256"`},
		{"2 1 eni 1.2.3.4 fe80::1%eth0 1 2 6 1 1 1 2 ACCEPT OK", `invalid dstaddr "fe80::1%eth0"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 65536 2 6 1 1 1 2 ACCEPT OK", `invalid srcport "65536"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 256 1 1 1 2 ACCEPT OK", `invalid protocol "256"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 -1 1 1 2 ACCEPT OK", `invalid packets "-1"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 18446744073709551616 1 2 ACCEPT OK", `invalid bytes "18446744073709551616"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ALLOW OK", `invalid action "ALLOW"`},
		{"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT FINE", `invalid log_status "FINE"`},
		{"2 1 eni 01.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK", `invalid srcaddr "01.2.3.4"`},
	}
	var r Record
	for _, tt := range tests {
		err := Parse([]byte(tt.line), AllFields, &r)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestParseOnlyNeededFields(t *testing.T) {
	// A bad address in a field the query does not need does not stop it; the
	// field count is always checked.
	line := []byte("2 1 eni not-an-ip 5.6.7.8 1 2 6 1 1 1 2 REJECT OK")
	var r Record
	if err := Parse(line, FieldSet(0).With(ActionField), &r); err != nil {
		t.Fatalf("Parse(action only): %v", err)
	}
	if r.Action != Reject || r.Present != FieldSet(0).With(ActionField) {
		t.Errorf("action only: %+v", r)
	}
	if err := Parse(line, AllFields, &r); err == nil {
		t.Error("full parse accepted a bad srcaddr")
	}
}

// scannerInput is a text as the service and other tools write it: a
// header, the product examples with \r\n line ends, a blank line, and a
// last record without a newline. Six records, one of them a reject.
var scannerInput = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\r\n" +
	strings.ReplaceAll(strings.TrimSpace(productExamples), "\n", "\r\n") + "\r\n\r\n" +
	"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 REJECT OK" // no final newline

func TestScanner(t *testing.T) {
	in := scannerInput
	var gz bytes.Buffer
	// Two gzip members back to back, as concatenated objects are.
	half := len(in) / 2
	for _, part := range []string{in[:half], in[half:]} {
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(part))
		zw.Close()
	}

	for name, data := range map[string][]byte{"plain": []byte(in), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			text, err := gunzipIfNeeded(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, s, err := eachLines(t, text, AllFields, false)
			if err != nil {
				t.Fatal(err)
			}
			rejects := 0
			for _, line := range got {
				if strings.Contains(line, " REJECT ") {
					rejects++
				}
			}
			if len(got) != 6 || rejects != 1 || s.Records() != 6 {
				t.Errorf("got %d records (Records says %d), %d rejects; want 6, 1", len(got), s.Records(), rejects)
			}
		})
	}
}

func TestTruncatedGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat("2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK\n", 1000)))
	zw.Close()
	data := gz.Bytes()[:gz.Len()/2]
	text, err := gunzipIfNeeded(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(nil, "x.log.gz", AllFields)
	err = s.Each(text, func(*Record) bool { return true })
	var se *SourceError
	if !errors.As(err, &se) || se.Source != "x.log.gz" {
		t.Fatalf("Each = %v, want a SourceError naming x.log.gz", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, line := range strings.Split(productExamples, "\n") {
		f.Add([]byte(line))
	}
	f.Add([]byte("2 1 eni ::ffff:1.2.3.4 fe80::1 1 2 6 1 1 1 2 REJECT OK"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		err := Parse(line, AllFields, &r)
		// The fast path for single-spaced lines and the general path agree
		// on every line and every choice of fields: both accept it with the
		// same values, or the fast path declines it and the general one
		// decides.
		// So on every path the processor can run; the last is the one it
		// runs by default.
		var cache addrCache
		for _, p := range parserPaths() {
			p.use(t)
			for _, need := range append(fuzzNeeds, fuzzNeeds...) {
				// The second round finds the line's addresses in the cache.
				var fast, general Record
				if !parseSingleSpaced(line, need, &fast, &cache) {
					continue
				}
				if err := parseGeneral(line, need, &general); err != nil {
					t.Fatalf("%s, need %b: fast path accepted %q, general path: %v", p.name, need, line, err)
				}
				if fast.Present != general.Present || string(AppendText(nil, &fast)) != string(AppendText(nil, &general)) {
					t.Fatalf("%s, need %b: %q parsed differently:\nfast    %+v\ngeneral %+v", p.name, need, line, fast, general)
				}
			}
		}
		if err != nil {
			return
		}
		// Whatever is needed of a line, it is accepted or refused alike.
		for _, need := range fuzzNeeds {
			var some Record
			if err := Parse(line, need, &some); err != nil {
				t.Fatalf("need %b: %q refused (%v) though a full parse accepts it", need, line, err)
			}
		}
		// A line that parses prints back to a line that parses to the same record.
		text := AppendText(nil, &r)
		var again Record
		if err := Parse(text, AllFields, &again); err != nil {
			t.Fatalf("re-parse of %q: %v", text, err)
		}
		if string(AppendText(nil, &again)) != string(text) {
			t.Fatalf("round trip changed %q", text)
		}
	})
}

// fuzzNeeds are the field sets the fuzz tests parse with: all, none, the
// trailing fields of --action/--status, and an aggregation's.
var fuzzNeeds = []FieldSet{
	AllFields,
	0,
	FieldSet(0).With(ActionField).With(LogStatus).With(Start).With(End),
	FieldSet(0).With(SrcAddr).With(Packets).With(Bytes).With(Start).With(End),
	KnownFields,
	FieldSet(0).With(VPCID).With(PktSrcAddr).With(TCPFlags).With(ActionField).With(RejectReason),
}

// knownText is r's every known field in text form, "-" when absent.
func knownText(r *Record) string {
	var b []byte
	for f := range Field(NumKnownFields) {
		if f > 0 {
			b = append(b, ' ')
		}
		b = AppendField(b, r, f)
	}
	return string(b)
}

// eachLines runs a Scanner's Each over r and returns the records' text.
func eachLines(t *testing.T, r io.Reader, need FieldSet, skip bool) ([]string, *Scanner, error) {
	t.Helper()
	s := NewScanner(nil, "push.log", need)
	s.SkipInvalid(skip)
	var got []string
	err := s.Each(r, func(rec *Record) bool {
		got = append(got, knownText(rec))
		return true
	})
	return got, s, err
}

// scanPlainly is what a Scanner must make of data by its rules (see
// Scanner), in the plainest code: the text split at every newline, a
// carriage return trimmed from the end of each line, and each record
// parsed by Parse. It returns the records' text, how many malformed lines
// were skipped, and the error that stops a scan, as Each does.
func scanPlainly(data []byte, source string, need FieldSet, skip bool) (records []string, skipped int, err error) {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		// The newline ends the last line: no line follows it.
		lines = lines[:len(lines)-1]
	}
	first, headed := true, false
	var layout *Layout
	header := func(i int, line []byte) error {
		l, err := ParseHeader(line)
		if err != nil {
			return &LineError{Source: source, Line: i + 1, Err: err}
		}
		layout, headed = l, true
		return nil
	}
	for i, line := range lines {
		var malformed error
		if len(line) > MaxLineLength {
			malformed = fmt.Errorf("line longer than %d bytes", MaxLineLength)
		} else {
			line = bytes.TrimSuffix(line, []byte("\r"))
			if blank(line) {
				continue
			}
			if first {
				first = false
				if isHeader(line) {
					if err := header(i, line); err != nil {
						return records, skipped, err
					}
					continue
				}
			}
			var r Record
			if layout != nil {
				malformed = layout.Parse(line, need, &r)
			} else {
				malformed = Parse(line, need, &r)
			}
			if malformed == nil {
				records = append(records, knownText(&r))
				continue
			}
			if _, herr := ParseHeader(line); isHeader(line) && (herr == nil || !strings.HasPrefix(strings.TrimLeft(string(line), " \t"), "#")) {
				if err := header(i, line); err != nil {
					return records, skipped, err
				}
				continue
			}
			if se, ok := malformed.(*SyntaxError); ok && se.WrongCount && !headed && len(records) == 0 && skipped == 0 {
				se.FirstLine = true
			}
		}
		if !skip {
			return records, skipped, &LineError{Source: source, Line: i + 1, Err: malformed}
		}
		skipped++
	}
	return records, skipped, nil
}

func TestEachMatchesPlainScan(t *testing.T) {
	want, skipped, err := scanPlainly([]byte(scannerInput), "push.log", AllFields, false)
	if err != nil || len(want) != 6 || skipped != 0 {
		t.Fatalf("plain scan: %d records, %d skipped, %v; want 6, 0, nil", len(want), skipped, err)
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(scannerInput))
	zw.Close()

	readers := map[string]func() io.Reader{
		// One byte per Write: every line is carried across writes.
		"one byte at a time": func() io.Reader { return iotest.OneByteReader(strings.NewReader(scannerInput)) },
		// klauspost gzip hands over its window through WriteTo.
		"gzip WriteTo": func() io.Reader {
			r, err := gunzipIfNeeded(bytes.NewReader(gz.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
		"bufio WriteTo": func() io.Reader { return bufio.NewReaderSize(strings.NewReader(scannerInput), 16) },
	}
	for _, p := range parserPaths() {
		p.use(t)
		for name, open := range readers {
			got, _, err := eachLines(t, open(), AllFields, false)
			if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s, %s: got %d records (%v), want %d", p.name, name, len(got), err, len(want))
			}
		}
	}
}

func TestEachErrorsAndStop(t *testing.T) {
	in := "2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK\n" +
		"garbage line\n" +
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 REJECT OK\n" +
		strings.Repeat("x", MaxLineLength+10) + "\n" +
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 REJECT OK\n" +
		strings.Repeat("y", MaxLineLength+10) // over-long and unterminated

	_, _, err := eachLines(t, iotest.HalfReader(strings.NewReader(in)), AllFields, false)
	var le *LineError
	if !errors.As(err, &le) || le.Source != "push.log" || le.Line != 2 {
		t.Fatalf("err = %v, want push.log:2", err)
	}
	if got := err.Error(); got != "push.log:2: expected 14 fields, found 2" {
		t.Errorf("message = %q", got)
	}

	got, sc, err := eachLines(t, iotest.HalfReader(strings.NewReader(in)), AllFields, true)
	if err != nil || len(got) != 3 || sc.Skipped() != 3 {
		t.Errorf("skip-invalid: %d records, %d skipped, %v; want 3, 3, nil", len(got), sc.Skipped(), err)
	}

	// fn returning false stops early without an error.
	s := NewScanner(nil, "stop.log", AllFields)
	n := 0
	err = s.Each(strings.NewReader(strings.Repeat("2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK\n", 100)), func(*Record) bool {
		n++
		return n < 10
	})
	if err != nil || n != 10 {
		t.Errorf("stop: n=%d err=%v", n, err)
	}

	// A read error is a SourceError naming the source.
	s = NewScanner(nil, "broken.log.gz", AllFields)
	err = s.Each(iotest.TimeoutReader(strings.NewReader(strings.Repeat("2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK\n", 5000))), func(*Record) bool { return true })
	var se *SourceError
	if !errors.As(err, &se) || se.Source != "broken.log.gz" {
		t.Errorf("read error = %v, want a SourceError", err)
	}

}

func FuzzEach(f *testing.F) {
	f.Add([]byte(productExamples), uint8(7))
	f.Add([]byte(productExamples), uint8(0x40))
	f.Add([]byte(strings.ReplaceAll(productExamples, "\n", "\r\n")), uint8(0x40))
	f.Add([]byte("version account-id\n\r\n\n"), uint8(1))
	f.Add([]byte(customInput), uint8(0x40))
	f.Add([]byte(customInput), uint8(5))
	f.Add([]byte(productExamples+customInput), uint8(0x40))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		// Each makes of every input what the plainest reading of the
		// Scanner's rules does, however the input is cut, on every path,
		// whatever fields are needed, skipping malformed lines or not.
		// Small pieces cut every line; with bit 6 of chunk set, the lines
		// lie whole in one piece, for the one-pass line kernel.
		n := int(chunk%64) + 1
		if chunk&0x40 != 0 {
			n = 1 << 16
		}
		for _, need := range fuzzNeeds {
			// One Scanner for each field set, Reset for every scan, as a
			// query's reader is for every object.
			s := NewScanner(nil, "fuzz", need)
			for _, skip := range []bool{true, false} {
				want, wantSkipped, wantErr := scanPlainly(data, "fuzz", need, skip)
				for _, p := range parserPaths() {
					p.use(t)
					s.Reset(nil, "fuzz")
					s.SkipInvalid(skip)
					var got []string
					err := s.Each(&chunkReader{data: data, n: n}, func(r *Record) bool {
						got = append(got, knownText(r))
						return true
					})
					if fmt.Sprint(err) != fmt.Sprint(wantErr) {
						t.Fatalf("%s, need %b, skip %v: error %v, want %v", p.name, need, skip, err, wantErr)
					}
					if strings.Join(got, "\n") != strings.Join(want, "\n") || s.Skipped() != wantSkipped {
						t.Fatalf("%s, need %b, skip %v: %d records, %d skipped; want %d, %d\ngot  %q\nwant %q",
							p.name, need, skip, len(got), s.Skipped(), len(want), wantSkipped, got, want)
					}
					if s.Records() != len(got) {
						t.Fatalf("%s: Records() says %d, but %d were", p.name, s.Records(), len(got))
					}
				}
			}
		}
	})
}

// chunkReader returns at most n bytes per Read, and writes at most n bytes
// per Write in WriteTo, as a decompressor hands over its window.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var written int64
	for len(c.data) > 0 {
		k := min(c.n, len(c.data))
		n, err := w.Write(c.data[:k])
		written += int64(n)
		c.data = c.data[k:]
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.data))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

func FuzzCountFields(f *testing.F) {
	f.Add([]byte("2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK"))
	f.Add([]byte("  a  b   c "))
	f.Fuzz(func(t *testing.T, line []byte) {
		// The eight-bytes-at-a-time count agrees with the obvious one.
		want := 0
		inField := false
		for _, c := range line {
			if c != ' ' && !inField {
				want++
			}
			inField = c != ' '
		}
		if got := countFields(line); got != want {
			t.Fatalf("countFields(%q) = %d, want %d", line, got, want)
		}
	})
}

func TestParseRefusesMissingFieldWithDoubledSpace(t *testing.T) {
	// Thirteen spaces, but end is missing and a space doubled: thirteen
	// fields, refused whichever fields a query needs.
	line := []byte("2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 172.17.1.101 59113 20756 6 17 1325 1587983051  ACCEPT OK")
	for _, need := range fuzzNeeds {
		var r Record
		err := Parse(line, need, &r)
		var se *SyntaxError
		if !errors.As(err, &se) || !se.WrongCount || se.Fields != 13 {
			t.Errorf("need %b: err = %v, want 13 fields found", need, err)
		}
	}
}

func TestParseSingleSpacedAndGeneralAgree(t *testing.T) {
	lines := append(strings.Split(strings.TrimSpace(productExamples), "\n"), simulatedLines(t)...)
	lines = append(lines,
		"2 1 eni - - - - - - - - - - NODATA",
		"2 1 eni 1.2.3.4 5.6.7.8 0 0 1 1 84 - - REJECT OK",
		"2 1 eni ::ffff:1.2.3.4 fe80::1 65535 0 255 18446744073709551615 1 9223372036854775807 0 ACCEPT SKIPDATA",
	)
	for _, p := range parserPaths() {
		p.use(t)
		var cache addrCache
		for _, line := range append(lines, lines...) {
			for _, need := range fuzzNeeds {
				var fast, general Record
				if !parseSingleSpaced([]byte(line), need, &fast, &cache) {
					t.Errorf("%s: fast path declined %q", p.name, line)
					continue
				}
				if err := parseGeneral([]byte(line), need, &general); err != nil {
					t.Fatalf("general path refused %q: %v", line, err)
				}
				if fast.Present != general.Present || string(AppendText(nil, &fast)) != string(AppendText(nil, &general)) {
					t.Fatalf("%s, need %b: %q:\nfast    %+v\ngeneral %+v", p.name, need, line, fast, general)
				}
			}
		}
	}
	// Lines the fast path must leave to the general one.
	for _, line := range []string{
		"2  1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK",  // a doubled space
		" 2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK",  // a leading space
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK ",  // a trailing space
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 ACCEPT OK",     // thirteen fields
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK x", // fifteen
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT\tOK",  // a tab
		"2 1 eni 1.2.3.4 5.6.7.8 1 70000 6 1 1 1 2 ACCEPT OK",
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 1x 2 ACCEPT OK",
		"2 1 eni 1.2.3.4 5.6.7.8 1 2 6 1 1 99999999999999999999 2 ACCEPT OK",
	} {
		var r Record
		if parseSingleSpaced([]byte(line), AllFields, &r, nil) {
			t.Errorf("fast path accepted %q", line)
		}
	}
}

// simulatedLines returns lines written by flowlog simulate (testdata): many
// shapes of address, port and counter, IPv6, NODATA and SKIPDATA.
func simulatedLines(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/simulated.log")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "255.255.255.255", "0.0.0.0", "01.2.3.4", "1.2.3.256", "1.2.3", "1.2.3.4.5", "1..2.3", "::1", "1.2.3.4 "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The fast path agrees with netip on every dotted quad it accepts,
		// and accepts every IPv4 address netip accepts.
		got, ok := parseIPv4(b)
		want, err := netip.ParseAddr(string(b))
		if ok && (err != nil || got != want) {
			t.Fatalf("parseIPv4(%q) = %v, netip: %v, %v", b, got, want, err)
		}
		if !ok && err == nil && want.Is4() {
			t.Fatalf("parseIPv4(%q) refused what netip reads as %v", b, want)
		}
	})
}

// gunzipIfNeeded returns a reader of r's text, detecting gzip by its magic
// bytes as the query reader does.
func gunzipIfNeeded(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return kgzip.NewReader(br)
	}
	return br, nil
}

func FuzzParseIPv6(f *testing.F) {
	for _, s := range []string{"::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
		"1::2::3", ":1::", "1:", "12345::", "::ffff:1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7:8"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Whatever the fast path accepts, netip reads as the same address.
		got, ok := parseIPv6(b)
		want, err := netip.ParseAddr(string(b))
		if ok && (err != nil || got != want) {
			t.Fatalf("parseIPv6(%q) = %v, netip: %v, %v", b, got, want, err)
		}
	})
}

func TestParseIPv6TakesHexGroups(t *testing.T) {
	// Every address netip writes without an IPv4 part, compressed or in
	// full, takes the fast path: random addresses, and runs of zero groups
	// in every place for the "::".
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b [16]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		for j := range b {
			if i&(1<<(j/2)) != 0 {
				b[j] = 0
			}
		}
		a := netip.AddrFrom16(b)
		for _, text := range []string{a.String(), a.StringExpanded(), strings.ToUpper(a.StringExpanded())} {
			if strings.Contains(text, ".") {
				continue
			}
			got, ok := parseIPv6([]byte(text))
			if !ok || got != a {
				t.Fatalf("parseIPv6(%q) = %v, %v; want %v", text, got, ok, a)
			}
		}
	}
}
