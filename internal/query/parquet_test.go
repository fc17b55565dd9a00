package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// awsRow is a record as AWS writes VPC flow logs in Parquet: addresses as
// text only, NULL for "-", and fields beyond version 2 (which the questions
// of TestParquetAnswersEqualText do not ask about).
type awsRow struct {
	Version     int32   `parquet:"version"`
	AccountID   *string `parquet:"account_id,optional"`
	InterfaceID *string `parquet:"interface_id,optional"`
	SrcAddr     *string `parquet:"srcaddr,optional"`
	DstAddr     *string `parquet:"dstaddr,optional"`
	SrcPort     *int32  `parquet:"srcport,optional"`
	DstPort     *int32  `parquet:"dstport,optional"`
	Protocol    *int32  `parquet:"protocol,optional"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       int64   `parquet:"start"`
	End         int64   `parquet:"end"`
	Action      *string `parquet:"action,optional"`
	LogStatus   *string `parquet:"log_status,optional"`
	VpcID       *string `parquet:"vpc_id,optional"`
	TCPFlags    *int32  `parquet:"tcp_flags,optional"`
}

// parquetLines makes records of every kind a query meets: IPv4 and IPv6,
// both verdicts, NODATA lines with "-" fields, spread over two hours.
func parquetLines(n int) []string {
	rng := rand.New(rand.NewPCG(5, 6))
	var lines []string
	for i := range n {
		start := 1_795_564_800 + int64(i*7200/n)
		if i%97 == 0 {
			lines = append(lines, fmt.Sprintf("2 123 eni-%d - - - - - - - %d %d - NODATA", i%3, start, start+60))
			continue
		}
		src := fmt.Sprintf("10.%d.%d.%d", rng.IntN(3), rng.IntN(4), rng.IntN(256))
		dst := "192.0.2.1"
		if rng.IntN(4) == 0 {
			src = fmt.Sprintf("2001:db8:%x::%x", 1+rng.IntN(3), 1+rng.IntN(1000)) // canonical text, as Parquet gives it back
			dst = "2001:db8:ffff::1"
		}
		action := "ACCEPT"
		if rng.IntN(5) == 0 {
			action = "REJECT"
		}
		lines = append(lines, fmt.Sprintf("2 123 eni-%d %s %s %d %d %d %d %d %d %d %s OK",
			i%3, src, dst, 1024+rng.IntN(60000), []int{22, 80, 443, 3389}[rng.IntN(4)], []int{6, 17}[rng.IntN(2)],
			1+rng.IntN(50), 40+rng.IntN(5000), start, start+int64(rng.IntN(120)), action))
	}
	return lines
}

// writeParquet writes rows as parquet-go does, rowsPerGroup to a row group.
func writeParquet[T any](t *testing.T, rows []T, rowsPerGroup int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(rowsPerGroup))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nullText, nullInt32 and nullInt64 are a field of a text record as a
// Parquet value: nil (NULL) for "-".
func nullText(s string) *string {
	if s == "-" {
		return nil
	}
	return &s
}

func nullInt64(t *testing.T, s string) *int64 {
	if s == "-" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return &n
}

func nullInt32(t *testing.T, s string) *int32 {
	if n := nullInt64(t, s); n != nil {
		v := int32(*n)
		return &v
	}
	return nil
}

// answer runs spec on inputs, two workers and inFlight inputs opened ahead,
// and returns the answer as text and how many groups or records it holds.
func answer(t *testing.T, spec Spec, inputs []Input, inFlight int) (string, int64, Stats) {
	t.Helper()
	plan, err := spec.Plan()
	if err != nil {
		t.Fatalf("%+v: %v", spec, err)
	}
	q := &Query{Inputs: inputs, Bounds: spec.Bounds(), Workers: 2, InFlight: inFlight}
	if plan.Filter != nil {
		q.Filter = plan.Filter
	}
	if plan.Grouped() {
		groups, st, err := q.Aggregate(context.Background(), plan.Keys, plan.SortBy, plan.Top)
		if err != nil {
			t.Fatalf("%s %+v: %v", inputs[0].Name, spec, err)
		}
		return fmt.Sprint(groups), int64(len(groups)), st
	}
	n, st, err := q.Count(context.Background())
	if err != nil {
		t.Fatalf("%s %+v: %v", inputs[0].Name, spec, err)
	}
	return strconv.FormatInt(n, 10), n, st
}

// awsV2Row is the fourteen fields of a text record f as AWS writes them
// in Parquet, in a row of format version.
func awsV2Row(t *testing.T, version int32, f []string) awsRow {
	return awsRow{
		Version: version, AccountID: nullText(f[1]), InterfaceID: nullText(f[2]), SrcAddr: nullText(f[3]), DstAddr: nullText(f[4]),
		SrcPort: nullInt32(t, f[5]), DstPort: nullInt32(t, f[6]), Protocol: nullInt32(t, f[7]), Packets: nullInt64(t, f[8]), Bytes: nullInt64(t, f[9]),
		Start: *nullInt64(t, f[10]), End: *nullInt64(t, f[11]), Action: nullText(f[12]), LogStatus: nullText(f[13]),
	}
}

func awsParquet(t *testing.T, lines []string) []byte {
	t.Helper()
	var rows []awsRow
	for _, l := range lines {
		f := strings.Fields(l)
		vpc := "vpc-1"
		row := awsV2Row(t, 2, f)
		row.VpcID, row.TCPFlags = &vpc, nullInt32(t, "2")
		rows = append(rows, row)
	}
	return writeParquet(t, rows, 500)
}

func exportParquet(t *testing.T, lines []string) []byte {
	t.Helper()
	in := parquetio.Interner{}
	var rows []parquetio.Row
	for _, l := range lines {
		var r record.Record
		if err := record.Parse([]byte(l), record.AllFields, &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, parquetio.RowOf(&r, in))
	}
	var buf bytes.Buffer
	if err := parquetio.WriteFile(&buf, rows, parquetio.WriteOptions{RowGroupRows: 400}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetAnswersEqualText asks the same questions of the same records
// as gzip text, as flowlog's own Parquet and as AWS's Parquet, and wants
// the same answers: counts, filters, CIDR, windows, group-by top-N.
func TestParquetAnswersEqualText(t *testing.T) {
	lines := parquetLines(6000)
	half := len(lines) / 2
	sources := map[string][]Input{
		"gzip": {memInput("a.log.gz", gz(t, strings.Join(lines[:half], "\n"))),
			memInput("b.log", []byte(strings.Join(lines[half:], "\n")))},
		"export": {memInput("x.parquet", exportParquet(t, lines))},
		"aws":    {memInput("aws.parquet", awsParquet(t, lines))},
	}
	t0 := time.Unix(1_795_564_800, 0)
	specs := []Spec{
		{},
		{Actions: []string{"REJECT"}},
		{Actions: []string{"accept"}, Protocols: []string{"udp"}},
		{Srcs: []string{"10.1.0.0/16"}},
		{Addrs: []string{"2001:db8:1::/48"}},
		{Since: t0.Add(30 * time.Minute), Until: t0.Add(50 * time.Minute)},
		{Since: t0.Add(90 * time.Minute), Actions: []string{"REJECT"}, DstPorts: []string{"22,3389"}},
		{Statuses: []string{"NODATA"}},
		{Where: "not dst port 443 and bytes > 1000"},
		{GroupBy: "srcaddr/16", Sort: "bytes", Top: 5},
		{GroupBy: "action,status,dstport", Actions: []string{"REJECT"}, Until: t0.Add(time.Hour)},
		{GroupBy: "srcaddr", Top: 10, Since: t0.Add(time.Hour)},
	}
	for _, spec := range specs {
		answers := map[string]string{}
		var records int64
		for name, inputs := range sources {
			var st Stats
			answers[name], records, st = answer(t, spec, inputs, 0)
			if name == "export" && spec.GroupBy == "" && spec.Since.IsZero() && spec.Until.IsZero() && spec.Actions == nil && st.Records != int64(len(lines)) {
				t.Errorf("%+v: read %d records of the export, want all %d", spec, st.Records, len(lines))
			}
		}
		if answers["export"] != answers["gzip"] || answers["aws"] != answers["gzip"] {
			t.Errorf("%+v:\ngzip:   %s\nexport: %s\naws:    %s", spec, answers["gzip"], answers["export"], answers["aws"])
		}
		if records == 0 {
			t.Errorf("%+v: no answer to compare", spec)
		}
	}
}

// TestParquetSkipsRowGroups checks that a window reads only the row
// groups that can match.
func TestParquetSkipsRowGroups(t *testing.T) {
	lines := parquetLines(6000)
	q := &Query{Inputs: []Input{memInput("x.parquet", exportParquet(t, lines))}}
	spec := Spec{Since: time.Unix(1_795_564_800+600, 0), Until: time.Unix(1_795_564_800+1200, 0)}
	plan, _ := spec.Plan()
	q.Filter, q.Bounds = plan.Filter, spec.Bounds()
	_, st, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Records == 0 || st.Records > int64(len(lines))/4 {
		t.Errorf("a 10-minute window of 2 hours decoded %d of %d records", st.Records, len(lines))
	}
}

// TestParquetRawLines prints records of Parquet in their text form.
func TestParquetRawLines(t *testing.T) {
	lines := parquetLines(50)
	q := &Query{Inputs: []Input{memInput("x.parquet", exportParquet(t, lines))}}
	var out bytes.Buffer
	if _, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 0); err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); !reflect.DeepEqual(got, lines) {
		t.Errorf("raw lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
}

// awsCustomRow is a record of a custom AWS format (version 8 fields among
// them) as AWS writes it in Parquet: flowlog's names for the columns.
type awsCustomRow struct {
	awsRow
	SubnetID      *string `parquet:"subnet_id,optional"`
	PktSrcAddr    *string `parquet:"pkt_srcaddr,optional"`
	FlowDirection *string `parquet:"flow_direction,optional"`
	TrafficPath   *int32  `parquet:"traffic_path,optional"`
	RejectReason  *string `parquet:"reject_reason,optional"`
}

// customHeader is the header line of the same records as text.
const customHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id tcp-flags subnet-id pkt-srcaddr flow-direction traffic-path reject-reason"

// customLines adds the fields of customHeader to parquetLines' records,
// "-" among them.
func customLines(n int) []string {
	var lines []string
	for i, l := range parquetLines(n) {
		f := strings.Fields(l)
		vpc, subnet, pkt, dir, path, reason := fmt.Sprintf("vpc-%d", i%3), fmt.Sprintf("subnet-%d", i%7), f[3], "ingress", strconv.Itoa(1+i%8), "-"
		flags := strconv.Itoa([]int{2, 18, 19, 3}[i%4])
		if i%5 == 0 {
			dir, pkt = "egress", fmt.Sprintf("198.51.%d.%d", i%4, i%9)
		}
		if i%11 == 0 {
			path, subnet = "-", "-"
		}
		if f[12] == "REJECT" && i%2 == 0 {
			reason = "BPA"
		}
		if f[13] == "NODATA" {
			vpc, flags, subnet, pkt, dir, path = "-", "-", "-", "-", "-", "-"
		}
		lines = append(lines, strings.Join(append(f, vpc, flags, subnet, pkt, dir, path, reason), " "))
	}
	return lines
}

func awsCustomParquet(t *testing.T, lines []string) []byte {
	t.Helper()
	var rows []awsCustomRow
	for _, l := range lines {
		f := strings.Fields(l)
		row := awsV2Row(t, 8, f)
		row.VpcID, row.TCPFlags = nullText(f[14]), nullInt32(t, f[15])
		rows = append(rows, awsCustomRow{
			awsRow:   row,
			SubnetID: nullText(f[16]), PktSrcAddr: nullText(f[17]), FlowDirection: nullText(f[18]), TrafficPath: nullInt32(t, f[19]), RejectReason: nullText(f[20]),
		})
	}
	return writeParquet(t, rows, 700)
}

// TestAWSParquetCustomFields asks questions of the fields of custom formats
// (vpc_id, tcp_flags, pkt_srcaddr, flow_direction, traffic_path,
// reject_reason) of the same records as AWS's text with a header line and
// as AWS's Parquet, and wants the same answers, and the same values of
// every field record by record, as --fields and JSON print them.
func TestAWSParquetCustomFields(t *testing.T) {
	lines := customLines(3000)
	text := customHeader + "\n" + strings.Join(lines, "\n")
	sources := map[string][]Input{
		"text":    {memInput("aws-custom.log", []byte(text))},
		"parquet": {memInput("aws-custom.parquet", awsCustomParquet(t, lines))},
	}
	specs := []Spec{
		{Where: "vpc-id vpc-1"},
		{Where: "vpc_id in (vpc-0, vpc-2) and flow-direction egress"},
		{Where: "tcp-flags in (18, 19) and not subnet-id subnet-3"},
		{Where: "pkt-src net 198.51.1.0/24 and traffic-path > 4"},
		{Where: "reject-reason BPA", Actions: []string{"REJECT"}},
		{GroupBy: "vpc_id,flow_direction", Sort: "bytes"},
		{GroupBy: "tcp_flags,reject_reason", Top: 5},
		{GroupBy: "pkt_srcaddr/24", Top: 3, Where: "flow-direction egress"},
	}
	for _, spec := range specs {
		answers := map[string]string{}
		for name, inputs := range sources {
			var n int64
			answers[name], n, _ = answer(t, spec, inputs, 0)
			if n < 2 {
				t.Errorf("%s %+v: %d groups or records, too few to compare", name, spec, n)
			}
		}
		if answers["text"] != answers["parquet"] {
			t.Errorf("%+v:\ntext:    %s\nparquet: %s", spec, answers["text"], answers["parquet"])
		}
	}

	// Every field of every record, as --fields and JSON take them.
	custom := []record.Field{record.VPCID, record.TCPFlags, record.SubnetID, record.PktSrcAddr, record.FlowDirection, record.TrafficPath, record.RejectReason}
	var fields record.FieldSet
	for _, f := range custom {
		fields = fields.With(f)
	}
	values := func(inputs []Input) []string {
		var out []string
		encode := func() Encode {
			return func(dst []byte, r *record.Record) []byte {
				s := fmt.Sprint(r.Start, r.SrcAddr)
				for _, f := range custom {
					switch f.Kind() {
					case record.KindText:
						s += fmt.Sprintf(" %s=%q", f, r.Text(f))
					case record.KindAddr:
						a, ok := r.Addr(f)
						s += fmt.Sprintf(" %s=%v/%v", f, a, ok)
					default:
						n, ok := r.Uint(f)
						s += fmt.Sprintf(" %s=%d/%v", f, n, ok)
					}
				}
				return append(append(dst, s...), '\n')
			}
		}
		q := &Query{Inputs: inputs, Workers: 1}
		write := func(b []byte) error {
			out = append(out, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
			return nil
		}
		if _, err := q.Print(context.Background(), fields, encode, write, 0); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := values(sources["parquet"]), values(sources["text"])
	if len(want) != len(lines) || !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("record %d of %d (%d in the text):\nparquet: %s\ntext:    %s", i, len(got), len(want), got[i], want[i])
			}
		}
		t.Fatalf("%d records from Parquet, %d from the text", len(got), len(want))
	}

	// Raw output (the version-2 text form) filtered by a custom field.
	plan, err := Spec{Where: "vpc-id vpc-2"}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]int{}
	for name, inputs := range sources {
		var out bytes.Buffer
		q := &Query{Inputs: inputs, Filter: plan.Filter, Workers: 2}
		if _, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 0); err != nil {
			t.Fatal(err)
		}
		raw[name] = strings.Count(out.String(), "\n")
	}
	if raw["parquet"] != raw["text"] || raw["text"] == 0 {
		t.Errorf("raw lines of vpc-2: %d from Parquet, %d from the text", raw["parquet"], raw["text"])
	}
}

// rangedInput is a Parquet object in a "bucket": Open streams it, ReadAt
// reads ranges, and both count what they hand out.
func rangedInput(name string, data []byte, calls, bytesOut *atomic.Int64) Input {
	in := memInput(name, data)
	in.Size = int64(len(data))
	in.ReadAt = func(_ context.Context, p []byte, off int64) (int, error) {
		calls.Add(1)
		if off >= int64(len(data)) {
			return 0, io.EOF
		}
		n := copy(p, data[off:])
		bytesOut.Add(int64(n))
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	open := in.Open
	in.Open = func(ctx context.Context) (io.ReadCloser, error) {
		calls.Add(1)
		bytesOut.Add(int64(len(data)))
		return open(ctx)
	}
	return in
}

// TestParquetInABucketIsReadByRanges: a count that row-group statistics
// answer reads the tails of the objects (one request each), not the
// objects; a question that decodes reads each object once more, whole; the
// answers are those of the same files read as streams, with read-ahead or
// without.
func TestParquetInABucketIsReadByRanges(t *testing.T) {
	lines := parquetLines(20000)
	var files [][]byte
	var total int64
	for i := 0; i < len(lines); i += 5000 { // files larger than remoteTail
		files = append(files, exportParquet(t, lines[i:i+5000]))
		total += int64(len(files[len(files)-1]))
	}
	t0 := time.Unix(1_795_564_800, 0)
	// Read-ahead with fewer slots than inputs: a slot not given back
	// would stall the query.
	for _, inFlight := range []int{0, 3} {
		for _, spec := range []Spec{
			{Since: t0.Add(-time.Hour), Until: t0.Add(3 * time.Hour), Count: true},      // statistics answer
			{Actions: []string{"REJECT"}, Since: t0.Add(20 * time.Minute), Count: true}, // decodes
			{GroupBy: "srcaddr/16", Top: 3},
		} {
			var calls, fetched atomic.Int64
			var streams, ranged []Input
			for i, f := range files {
				name := fmt.Sprintf("p%d.parquet", i)
				streams = append(streams, memInput(name, f))
				ranged = append(ranged, rangedInput(name, f, &calls, &fetched))
			}
			want, _, _ := answer(t, spec, streams, inFlight)
			got, _, st := answer(t, spec, ranged, inFlight)
			if got != want {
				t.Errorf("in flight %d, %+v: %s by ranges, %s as streams", inFlight, spec, got, want)
			}
			whole := spec.GroupBy == "" && spec.Actions == nil
			switch {
			case whole && (calls.Load() != int64(len(files)) || fetched.Load() > int64(len(files))*remoteTail):
				t.Errorf("in flight %d, %+v: %d requests, %d of %d bytes; want a tail of each", inFlight, spec, calls.Load(), fetched.Load(), total)
			case !whole && (calls.Load() != 2*int64(len(files)) || fetched.Load() != total):
				t.Errorf("in flight %d, %+v: %d requests, %d of %d bytes; want a tail and the rest of each", inFlight, spec, calls.Load(), fetched.Load(), total)
			}
			if st.BytesRead != fetched.Load() {
				t.Errorf("in flight %d, %+v: --stats says %d bytes read, %d came", inFlight, spec, st.BytesRead, fetched.Load())
			}
		}
	}
}

// TestRemoteFileReadsAsTheBytes reads an object by remoteFile at random
// offsets and lengths, across the tail's start and past the end, in
// memory and spooled to a file, and wants what bytes.Reader gives.
func TestRemoteFileReadsAsTheBytes(t *testing.T) {
	data := make([]byte, 3*remoteTail+123)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, spool := range []bool{false, true} {
		if spool {
			defer func(n int64) { spoolInMemory = n }(spoolInMemory)
			spoolInMemory = remoteTail / 3
		}
		var calls, fetched atomic.Int64
		f := &remoteFile{ctx: context.Background(), in: rangedInput("x.parquet", data, &calls, &fetched)}
		want := bytes.NewReader(data)
		for range 500 {
			off := rng.Int64N(int64(len(data)) + 10)
			p, q := make([]byte, rng.IntN(2*remoteTail)), make([]byte, 0)
			q = append(q, p...)
			n, err := f.ReadAt(p, off)
			m, werr := want.ReadAt(q, off)
			if n != m || !bytes.Equal(p[:n], q[:m]) || (err == nil) != (werr == nil) {
				t.Fatalf("spool %v: ReadAt(%d bytes, %d) = %d, %v; want %d, %v", spool, len(p), off, n, err, m, werr)
			}
		}
		if got := fetched.Load(); got != int64(len(data)) {
			t.Errorf("spool %v: %d bytes fetched for an object of %d", spool, got, len(data))
		}
		if spool {
			if files, _ := os.ReadDir(tmp); len(files) != 1 {
				t.Errorf("%d files in TMPDIR while the rest is spooled, want 1", len(files))
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if files, _ := os.ReadDir(tmp); len(files) != 0 {
			t.Errorf("spool %v: %d files left in TMPDIR after Close", spool, len(files))
		}
		if _, err := f.ReadAt(make([]byte, 1), 0); err == nil {
			t.Error("a closed remoteFile reads")
		}
	}
}

// TestNotParquetInABucket: an object named .parquet that is gzip text is
// read as the text it is, once its tail shows no Parquet footer; and one
// whose reopening fails gives that error, naming nothing twice.
func TestNotParquetInABucket(t *testing.T) {
	lines := parquetLines(500)
	data := gz(t, strings.Join(lines, "\n"))
	var calls, fetched atomic.Int64
	q := &Query{Inputs: []Input{rangedInput("x.parquet", data, &calls, &fetched)}, Workers: 1}
	n, _, err := q.Count(context.Background())
	if err != nil || n != int64(len(lines)) {
		t.Fatalf("count = %d, %v; want %d", n, err, len(lines))
	}
	in := rangedInput("x.parquet", data, &calls, &fetched)
	in.Open = func(context.Context) (io.ReadCloser, error) {
		return nil, errors.New("open s3://b/x.parquet: access denied")
	}
	q = &Query{Inputs: []Input{in}, Workers: 1}
	if _, _, err := q.Count(context.Background()); err == nil || err.Error() != "open s3://b/x.parquet: access denied" {
		t.Fatalf("reopening failed: %v", err)
	}
}

// TestRangedReadErrorsKeepTheirKind: a bucket failing while the rest of a
// Parquet object is read (the tail came) gives its own error, which
// errors.Is still sees (an exit code, a hint depend on it), not "corrupt".
func TestRangedReadErrorsKeepTheirKind(t *testing.T) {
	data := exportParquet(t, parquetLines(5000))
	denied := errors.New("access denied")
	var calls, fetched atomic.Int64
	in := rangedInput("s3://b/x.parquet", data, &calls, &fetched)
	readAt := in.ReadAt
	in.ReadAt = func(ctx context.Context, p []byte, off int64) (int, error) {
		if off == 0 {
			return 0, fmt.Errorf("read s3://b/x.parquet: %w", denied)
		}
		return readAt(ctx, p, off)
	}
	plan, err := Spec{Actions: []string{"REJECT"}}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	q := &Query{Inputs: []Input{in}, Workers: 1, Filter: plan.Filter}
	_, _, err = q.Count(context.Background())
	if !errors.Is(err, denied) || err.Error() != "read s3://b/x.parquet: access denied" {
		t.Fatalf("count = %v; want the bucket's error as it is", err)
	}
}
