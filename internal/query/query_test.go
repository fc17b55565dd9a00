package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/record"
)

// line returns a valid record whose start time encodes input i and record j,
// so output order can be checked.
func line(i, j int, action string) string {
	return fmt.Sprintf("2 1 eni-%d 10.0.%d.%d 192.0.2.1 40000 443 6 2 %d %d %d %s OK\n",
		i, i%256, j%256, 100*(j+1), 1_000_000*i+j, 1_000_000*i+j+1, action)
}

func memInput(name string, data []byte) Input {
	return Input{Name: name, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

func gz(t testing.TB, text string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(text))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// corpus makes n inputs of varying sizes (some large enough to span several
// chunks, some empty), half of them gzip.
func corpus(t testing.TB, n int) ([]Input, []string) {
	var inputs []Input
	var want []string
	for i := range n {
		var sb strings.Builder
		records := (i * 7919) % 3000
		if i%5 == 0 {
			records = 0
		}
		for j := range records {
			action := "ACCEPT"
			if j%3 == 0 {
				action = "REJECT"
			}
			l := line(i, j, action)
			sb.WriteString(l)
			if action == "REJECT" {
				want = append(want, l)
			}
		}
		data := []byte(sb.String())
		if i%2 == 0 {
			data = gz(t, sb.String())
		}
		inputs = append(inputs, memInput(fmt.Sprintf("in-%03d", i), data))
	}
	return inputs, want
}

type actionIs record.Action

func (a actionIs) Match(r *record.Record) bool { return r.Action == record.Action(a) }
func (a actionIs) Fields() record.FieldSet     { return record.FieldSet(0).With(record.ActionField) }

func rawEncode() Encode {
	return func(dst []byte, r *record.Record) []byte { return append(append(dst, r.Line...), '\n') }
}

func TestPrintKeepsInputOrder(t *testing.T) {
	inputs, want := corpus(t, 60)
	for _, workers := range []int{1, 2, 3, 8} {
		q := &Query{Inputs: inputs, Filter: actionIs(record.Reject), Workers: workers}
		var out bytes.Buffer
		stats, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != strings.Join(want, "") {
			t.Fatalf("workers=%d: output differs from inputs in order (%d bytes, want %d)", workers, len(got), len(strings.Join(want, "")))
		}
		if stats.Matched != int64(len(want)) || stats.Sources != len(inputs) {
			t.Errorf("workers=%d: stats %+v, want %d matched from %d sources", workers, stats, len(want), len(inputs))
		}
	}
}

func TestPrintLimit(t *testing.T) {
	inputs, want := corpus(t, 30)
	for _, limit := range []int64{1, 7, 1500, int64(len(want)), int64(len(want)) + 10} {
		q := &Query{Inputs: inputs, Filter: actionIs(record.Reject), Workers: 4}
		var out bytes.Buffer
		_, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, limit)
		if err != nil {
			t.Fatal(err)
		}
		n := min(int(limit), len(want))
		if out.String() != strings.Join(want[:n], "") {
			t.Errorf("limit %d: got %d lines, want the first %d", limit, strings.Count(out.String(), "\n"), n)
		}
	}
}

func TestFirstErrorInInputOrder(t *testing.T) {
	inputs, _ := corpus(t, 40)
	bad := func(name string) Input { return memInput(name, []byte("2 1 eni 1.2.3.4\n")) }
	// Input 25 is broken and fast; input 10 is broken but comes first. The
	// error reported must always be input 10's, whatever finishes first.
	inputs[10] = bad("in-010")
	inputs[25] = bad("in-025")
	for run := range 20 {
		// Every other run reads ahead, and counts inputs as they arrive.
		q := &Query{Inputs: inputs, Workers: 4, InFlight: 16 * (run % 2)}
		_, _, err := q.Count(context.Background())
		var le *record.LineError
		if !errors.As(err, &le) || le.Source != "in-010" || le.Line != 1 {
			t.Fatalf("Count error = %v, want in-010:1", err)
		}
		_, err = q.Print(context.Background(), 0, rawEncode, func([]byte) error { return nil }, 0)
		if !errors.As(err, &le) || le.Source != "in-010" {
			t.Fatalf("Print error = %v, want in-010", err)
		}
	}
}

func TestCountAndAggregate(t *testing.T) {
	inputs, want := corpus(t, 25)
	q := &Query{Inputs: inputs, Filter: actionIs(record.Reject)}
	n, _, err := q.Count(context.Background())
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(want))
	}

	keys, err := ParseGroupKeys("srcaddr/16")
	if err != nil {
		t.Fatal(err)
	}
	groups, _, err := q.Aggregate(context.Background(), keys, SortBytes, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Every source is in 10.0.0.0/16: one group holding every reject.
	if len(groups) != 1 || groups[0].Key[0].String() != "10.0.0.0/16" || groups[0].Flows != uint64(len(want)) {
		t.Fatalf("groups = %+v", groups)
	}
	var bytesWant uint64
	for _, l := range want {
		var r record.Record
		if err := record.Parse([]byte(strings.TrimSpace(l)), record.AllFields, &r); err != nil {
			t.Fatal(err)
		}
		bytesWant += r.Bytes
	}
	if groups[0].Bytes != bytesWant {
		t.Errorf("bytes = %d, want %d", groups[0].Bytes, bytesWant)
	}

	keys, _ = ParseGroupKeys("interface_id")
	groups, _, err = q.Aggregate(context.Background(), keys, SortFlows, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 || groups[0].Flows < groups[1].Flows || groups[1].Flows < groups[2].Flows {
		t.Errorf("top 3 by flows not in order: %+v", groups)
	}
}

func TestParseGroupKeys(t *testing.T) {
	tests := []struct {
		in, names, err string
	}{
		{in: "srcaddr", names: "srcaddr"},
		{in: "srcaddr/24,dstport", names: "srcaddr/24 dstport"},
		{in: "dstaddr/16/48", names: "dstaddr/16/48"},
		{in: "src,proto", names: "srcaddr protocol"},
		{in: "bytes/8", err: "only srcaddr and dstaddr take a mask"},
		{in: "srcaddr/33", err: "IPv4 mask must be 0 to 32"},
		{in: "nope", err: `unknown field "nope"`},
		{in: "srcaddr,srcaddr", err: "named twice"},
	}
	for _, tt := range tests {
		keys, err := ParseGroupKeys(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseGroupKeys(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		var names []string
		for _, k := range keys {
			names = append(names, k.Name())
		}
		if err != nil || strings.Join(names, " ") != tt.names {
			t.Errorf("ParseGroupKeys(%q) = %v, %v; want %s", tt.in, names, err, tt.names)
		}
	}
}

func TestPrintManySmallInputsDoesNotHang(t *testing.T) {
	// Inputs that finish at once used to take every read-ahead slot ahead
	// of an input still waiting for one: a deadlock.
	var inputs []Input
	for i := range 2000 {
		data := []byte(line(i, 0, "ACCEPT"))
		if i%3 == 0 {
			data = nil
		}
		inputs = append(inputs, memInput(fmt.Sprintf("in-%04d", i), data))
	}
	for round := range 30 {
		q := &Query{Inputs: inputs, Filter: actionIs(record.Reject), Workers: 2}
		done := make(chan error, 1)
		go func() {
			_, err := q.Print(context.Background(), 0, rawEncode, func([]byte) error { return nil }, 0)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: Print hung", round)
		}
	}
}

func TestPrintWritesRecordsBeforeAnError(t *testing.T) {
	var sb strings.Builder
	for j := range 5000 {
		sb.WriteString(line(1, j, "ACCEPT"))
	}
	sb.WriteString("garbage\n")
	inputs := []Input{memInput("big.log", []byte(sb.String()))}

	var out bytes.Buffer
	q := &Query{Inputs: inputs}
	_, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 0)
	var le *record.LineError
	if !errors.As(err, &le) || le.Line != 5001 {
		t.Fatalf("err = %v, want big.log:5001", err)
	}
	if n := strings.Count(out.String(), "\n"); n != 5000 {
		t.Errorf("printed %d records before the error, want all 5000", n)
	}

	// A limit reached before the bad line is a success.
	out.Reset()
	_, err = q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 5)
	if err != nil || strings.Count(out.String(), "\n") != 5 {
		t.Errorf("limit 5: err %v, %d lines", err, strings.Count(out.String(), "\n"))
	}
}

// TestAggregateAgreesWithReference checks every kind of group table
// against sums computed the obvious way, over enough distinct addresses to
// grow the tables several times, with IPv6, absent fields, masks, and any
// number of workers.
func TestAggregateAgreesWithReference(t *testing.T) {
	var inputs []Input
	var lines []string
	for i := range 6 {
		var sb strings.Builder
		for j := range 4000 {
			n := i*4000 + j
			src := fmt.Sprintf("10.%d.%d.%d", n%7, (n/7)%256, (n*31)%256)
			switch {
			case n%11 == 0:
				src = fmt.Sprintf("2001:db8:%x::%x", n%5, n%97)
			case n%13 == 0:
				src = "-"
			case n%17 == 0:
				src = "::ffff:192.0.2.7"
			}
			start := fmt.Sprint(1_700_000_000 + n)
			if n%19 == 0 {
				start = "-"
			}
			l := fmt.Sprintf("2 1 eni-%d %s 198.51.%d.%d %d %d 6 %d %d %s %d ACCEPT OK", n%3, src, n%4, n%9, 1024+n%50, []int{22, 80, 443}[n%3], 1+n%4, 40*(1+n%1000), start, 1_700_000_100+n)
			sb.WriteString(l + "\n")
			lines = append(lines, l)
		}
		inputs = append(inputs, memInput(fmt.Sprintf("in-%d", i), gz(t, sb.String())))
	}

	for _, spec := range []string{"srcaddr", "srcaddr/24", "srcaddr/0", "dstaddr/16/48", "srcaddr/20/56,dstport", "interface_id", "srcaddr,interface_id"} {
		keys, err := ParseGroupKeys(spec)
		if err != nil {
			t.Fatal(err)
		}
		// The reference: group by the printed key values.
		want := map[string]groupSums{}
		for _, l := range lines {
			var r record.Record
			if err := record.Parse([]byte(l), record.AllFields, &r); err != nil {
				t.Fatal(err)
			}
			var name []string
			for _, k := range keys {
				v := KeyValue{}
				if r.Has(k.Field) {
					v.Present = true
					switch k.Field {
					case record.SrcAddr, record.DstAddr:
						a := r.SrcAddr
						if k.Field == record.DstAddr {
							a = r.DstAddr
						}
						bits := k.Bits6
						if a.Is4() {
							bits = k.Bits4
						}
						p, _ := a.Prefix(bits)
						v.Addr = p
					case record.InterfaceID:
						v.Text = string(r.InterfaceID)
					default:
						v.Num, _ = r.Uint(k.Field)
					}
				}
				name = append(name, v.String())
			}
			a := want[strings.Join(name, " ")]
			a.add(&r)
			want[strings.Join(name, " ")] = a
		}

		var first []Group
		for _, workers := range []int{1, 3} {
			q := &Query{Inputs: inputs, Workers: workers}
			groups, _, err := q.Aggregate(context.Background(), keys, SortBytes, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(groups) != len(want) {
				t.Fatalf("%s, %d workers: %d groups, want %d", spec, workers, len(groups), len(want))
			}
			for i, g := range groups {
				var name []string
				for _, v := range g.Key {
					name = append(name, v.String())
				}
				w, ok := want[strings.Join(name, " ")]
				got := groupSums{g.Flows, g.Packets, g.Bytes, g.FirstStart, g.LastEnd}
				if !ok || got != w {
					t.Fatalf("%s, %d workers: group %q = %+v, want %+v (known: %v)", spec, workers, name, got, w, ok)
				}
				if i > 0 && groups[i-1].Bytes < g.Bytes {
					t.Fatalf("%s: groups not sorted by bytes at %d", spec, i)
				}
			}
			if first == nil {
				first = groups
			} else if fmt.Sprint(first) != fmt.Sprint(groups) {
				t.Fatalf("%s: the order of groups depends on the number of workers", spec)
			}
			// --top keeps the first groups of the full order.
			for _, top := range []int{1, 7, 64, 65, 500} {
				for _, sortBy := range []SortBy{SortBytes, SortFlows} {
					all, _, err := q.Aggregate(context.Background(), keys, sortBy, 0)
					if err != nil {
						t.Fatal(err)
					}
					some, _, err := q.Aggregate(context.Background(), keys, sortBy, top)
					if err != nil {
						t.Fatal(err)
					}
					if n := min(top, len(all)); fmt.Sprint(some) != fmt.Sprint(all[:n]) {
						t.Fatalf("%s --top %d --sort %s: not the first %d groups", spec, top, sortBy, n)
					}
				}
			}
		}
	}
}

// cancelingReader cancels a context once it has handed out after bytes.
type cancelingReader struct {
	r      io.Reader
	after  int
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.after <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p[:min(len(p), max(c.after, 1))])
	c.after -= n
	return n, err
}

func TestCancelStopsARead(t *testing.T) {
	// A query cancelled in the middle of an input, the gzip header
	// included, stops with the plain cancellation, not a complaint about
	// the input.
	var sb strings.Builder
	for j := range 20000 {
		sb.WriteString(line(0, j, "ACCEPT"))
	}
	data := gz(t, sb.String())
	keys, err := ParseGroupKeys("srcaddr")
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{2, 5, 1000, len(data) / 2} {
		ctx, cancel := context.WithCancel(context.Background())
		in := Input{Name: "in.log.gz", Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(&cancelingReader{r: bytes.NewReader(data), after: after, cancel: cancel}), nil
		}}
		q := &Query{Inputs: []Input{in}, Workers: 1}
		if _, _, err := q.Aggregate(ctx, keys, SortBytes, 10); err != context.Canceled {
			t.Errorf("cancelled after %d bytes: Aggregate returned %v, want context.Canceled", after, err)
		}
		cancel()
	}
}

func TestSourceFailingInGzipHeader(t *testing.T) {
	// A source that fails while the gzip header is read is reported as
	// failing, not as corrupt.
	data := gz(t, line(0, 0, "ACCEPT"))
	broken := errors.New("connection reset")
	in := Input{Name: "in.log.gz", Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(bytes.NewReader(data[:4]), iotest.ErrReader(broken))), nil
	}}
	q := &Query{Inputs: []Input{in}, Workers: 1}
	_, _, err := q.Count(context.Background())
	if !errors.Is(err, broken) || strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), "in.log.gz") {
		t.Fatalf("Count returned %v, want the source's error, naming the input", err)
	}
}
