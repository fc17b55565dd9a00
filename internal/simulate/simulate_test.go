package simulate

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/record"
)

var day = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// object is one object a Run put.
type object struct {
	key  string
	body []byte
}

// collect runs cfg into memory.
func collect(t testing.TB, cfg Config) ([]object, Summary) {
	t.Helper()
	var objs []object
	sum, err := Run(context.Background(), cfg, putFunc(func(_ context.Context, key string, body []byte) error {
		objs = append(objs, object{key, body})
		return nil
	}))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return objs, sum
}

// putOnly is a store whose Put hands each object to put. Run uses nothing
// else; the other methods are the nil Store's and would panic.
type putOnly struct {
	objstore.Store
	put func(ctx context.Context, key string, body []byte) error
}

func putFunc(put func(ctx context.Context, key string, body []byte) error) objstore.Store {
	return putOnly{put: put}
}

func (p putOnly) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("put %s: body has %d bytes, size says %d", key, len(b), size)
	}
	return p.put(ctx, key, b)
}

// discard is a store that drops every object, for benchmarks.
type discard struct{ objstore.Store }

func (discard) Put(_ context.Context, _ string, body io.ReadSeeker, _ int64) error {
	_, err := io.Copy(io.Discard, body)
	return err
}

// line is one parsed record line of an object.
type line struct {
	text string
	rec  record.Record
}

// lines decompresses an object with the standard library's gzip (so the
// checksum is verified independently of pgzip) and parses every line.
func lines(t testing.TB, o object) []line {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(o.body))
	if err != nil {
		t.Fatalf("%s: %v", o.key, err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", o.key, err)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		t.Fatalf("%s: does not end with a newline", o.key)
	}
	var out []line
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		l := line{text: sc.Text()}
		if err := record.Parse([]byte(l.text), record.AllFields, &l.rec); err != nil {
			t.Fatalf("%s: %q: %v", o.key, l.text, err)
		}
		if got := record.AppendText(nil, &l.rec); string(got) != l.text {
			t.Fatalf("%s: line %q does not format back to itself: %q", o.key, l.text, got)
		}
		out = append(out, l)
	}
	return out
}

func allLines(t testing.TB, objs []object) []line {
	var out []line
	for _, o := range objs {
		out = append(out, lines(t, o)...)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Name: "web", From: day, Duration: 2 * time.Hour, RecordsPerObject: 3000, Seed: 42}
	a, sumA := collect(t, cfg)
	b, sumB := collect(t, cfg)
	if sumA != sumB {
		t.Errorf("summaries differ: %+v and %+v", sumA, sumB)
	}
	if !slices.EqualFunc(a, b, func(x, y object) bool { return x.key == y.key && bytes.Equal(x.body, y.body) }) {
		t.Fatal("two runs of the same Config wrote different objects")
	}

	// The machine does not matter: pgzip's parallelism must not change a byte.
	procs := runtime.GOMAXPROCS(1)
	one, _ := collect(t, cfg)
	runtime.GOMAXPROCS(procs)
	if !slices.EqualFunc(a, one, func(x, y object) bool { return x.key == y.key && bytes.Equal(x.body, y.body) }) {
		t.Fatal("GOMAXPROCS=1 wrote different objects")
	}

	cfg.Seed = 43
	c, _ := collect(t, cfg)
	if len(c) > 0 && len(a) > 0 && bytes.Equal(a[0].body, c[0].body) {
		t.Error("another seed wrote the same first object")
	}

	// A longer period with the same seed extends the shorter one.
	cfg.Seed = 42
	cfg.Duration = 4 * time.Hour
	d, _ := collect(t, cfg)
	if len(d) <= len(a) {
		t.Fatalf("4h wrote %d objects, 2h %d", len(d), len(a))
	}
	for i := range a {
		if a[i].key != d[i].key || !bytes.Equal(a[i].body, d[i].body) {
			t.Fatalf("object %d differs between a 2h and a 4h period: %s and %s", i, a[i].key, d[i].key)
		}
	}
}

func TestObjectsAndWindows(t *testing.T) {
	// An unaligned period: partial first and last windows.
	from := day.Add(3*time.Minute + 20*time.Second + 500*time.Millisecond)
	cfg := Config{Name: "webserver01", Prefix: "flowlogs", InterfaceID: "7ffd6527-ce80-4e57-a949-f9a45824ebe2",
		AccountID: "12345678", From: from, Duration: 3 * time.Hour, RecordsPerObject: 1000, Seed: 7}
	objs, sum := collect(t, cfg)
	if sum.Objects != len(objs) || sum.Objects < 15 {
		t.Fatalf("Summary.Objects = %d, sink got %d objects; want 15 or more", sum.Objects, len(objs))
	}
	keyRE := regexp.MustCompile(`^flowlogs/webserver01-\d{10}\.log\.gz$`)
	periodStart := from.Unix() + 1 // the first whole second inside the period
	periodEnd := from.Add(cfg.Duration).Unix()

	var records int
	var size int64
	var first, last int64 = 1 << 62, 0
	for i, o := range objs {
		if !keyRE.MatchString(o.key) {
			t.Errorf("key %q does not look like the service's", o.key)
		}
		prefix, name, written, ok := flowlog.ParseObjectKey(o.key)
		if !ok || prefix != cfg.Prefix || name != cfg.Name {
			t.Fatalf("ParseObjectKey(%q) = %q, %q, %v", o.key, prefix, name, ok)
		}
		if i > 0 && o.key <= objs[i-1].key {
			t.Errorf("keys out of order: %s after %s", o.key, objs[i-1].key)
		}
		// The key carries the window's end plus a few seconds.
		delay := written.Unix() % windowSeconds
		ws := written.Unix() - delay - windowSeconds
		if delay < 1 || delay > 9 {
			t.Errorf("%s: written %ds after the window's end, want 1 to 9", o.key, delay)
		}
		lo, hi := max(ws, periodStart), min(ws+windowSeconds, periodEnd+1)
		ls := lines(t, o)
		for _, l := range ls {
			r := l.rec
			if r.Start < lo || r.End < r.Start || r.End >= hi {
				t.Fatalf("%s: record %d-%d outside its window and the period [%d, %d)", o.key, r.Start, r.End, lo, hi)
			}
			if !strings.HasPrefix(l.text, "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 ") {
				t.Fatalf("line without the configured version, account and interface: %q", l.text)
			}
			first, last = min(first, r.Start), max(last, r.End)
		}
		records += len(ls)
		size += int64(len(o.body))
	}
	if sum.Records != records || sum.Bytes != size {
		t.Errorf("Summary counts %d records in %d bytes; objects hold %d in %d", sum.Records, sum.Bytes, records, size)
	}
	if sum.First.Unix() != first || sum.Last.Unix() != last || sum.First.Location() != time.UTC {
		t.Errorf("Summary span %v - %v, records span %v - %v", sum.First, sum.Last, time.Unix(first, 0), time.Unix(last, 0))
	}
	// Full windows hold RecordsPerObject ±10%.
	for _, o := range objs[1 : len(objs)-1] {
		if n := len(lines(t, o)); n < 900 || n > 1100 {
			t.Errorf("%s: %d records, want 900 to 1100", o.key, n)
		}
	}
}

func TestPeriodShorterThanASecond(t *testing.T) {
	objs, sum := collect(t, Config{Name: "web", From: day.Add(200 * time.Millisecond), Duration: 500 * time.Millisecond})
	if len(objs) != 0 || sum != (Summary{}) {
		t.Errorf("a period holding no whole second wrote %d objects: %+v", len(objs), sum)
	}
	objs, _ = collect(t, Config{Name: "web", From: day.Add(-200 * time.Millisecond), Duration: 500 * time.Millisecond, Seed: 1})
	if len(objs) != 1 {
		t.Fatalf("a period holding one second wrote %d objects, want 1", len(objs))
	}
	for _, l := range allLines(t, objs) {
		if l.rec.Start != day.Unix() || l.rec.End != day.Unix() {
			t.Fatalf("record outside the one second of the period: %s", l.text)
		}
	}
}

func TestEmptyWindows(t *testing.T) {
	cfg := Config{Name: "nat", From: day, Duration: 7 * 24 * time.Hour, RecordsPerObject: 5, Seed: 3}
	objs, _ := collect(t, cfg)
	windows := int(cfg.Duration / Window)
	missing := windows - len(objs)
	if missing < windows/100 || missing > windows*6/100 {
		t.Errorf("%d of %d windows have no object, want about 3%%", missing, windows)
	}
}

func TestActionFilter(t *testing.T) {
	for _, action := range []flowlog.Action{flowlog.Accepted, flowlog.Rejected, flowlog.All} {
		t.Run(string(action), func(t *testing.T) {
			objs, _ := collect(t, Config{Name: "fw", Action: action, From: day, Duration: 6 * time.Hour,
				RecordsPerObject: 1000, Seed: 11})
			count := map[record.Action]int{}
			noData := 0
			for _, l := range allLines(t, objs) {
				count[l.rec.Action]++
				if l.rec.Status != record.OK {
					noData++
				}
			}
			if noData == 0 || noData != count[record.ActionNone] {
				t.Errorf("%d NODATA/SKIPDATA lines, %d lines without an action; want the same, more than 0", noData, count[record.ActionNone])
			}
			flows := count[record.Accept] + count[record.Reject]
			share := float64(count[record.Reject]) / float64(flows)
			switch action {
			case flowlog.Accepted:
				if count[record.Reject] != 0 {
					t.Errorf("%d REJECT lines", count[record.Reject])
				}
			case flowlog.Rejected:
				if count[record.Accept] != 0 {
					t.Errorf("%d ACCEPT lines", count[record.Accept])
				}
			case flowlog.All:
				if share < 0.05 || share > 0.30 {
					t.Errorf("reject share %.3f, want 0.05 to 0.30", share)
				}
			}
		})
	}
}

func TestDirection(t *testing.T) {
	for _, dir := range []flowlog.Direction{flowlog.Ingress, flowlog.Egress, flowlog.Bidirectional} {
		t.Run(string(dir), func(t *testing.T) {
			objs, _ := collect(t, Config{Name: "nic", Direction: dir, From: day, Duration: 2 * time.Hour,
				RecordsPerObject: 2000, Seed: 5})
			ls := allLines(t, objs)

			// The interface's addresses are the two most frequent ones.
			freq := map[netip.Addr]int{}
			for _, l := range ls {
				if l.rec.Has(record.SrcAddr) {
					freq[l.rec.SrcAddr]++
					freq[l.rec.DstAddr]++
				}
			}
			addrs := make([]netip.Addr, 0, len(freq))
			for a := range freq {
				addrs = append(addrs, a)
			}
			sort.Slice(addrs, func(i, j int) bool { return freq[addrs[i]] > freq[addrs[j]] })
			local := map[netip.Addr]bool{addrs[0]: true, addrs[1]: true}
			if addrs[0].Is4() == addrs[1].Is4() {
				t.Fatalf("the interface's addresses %v and %v are not one IPv4 and one IPv6", addrs[0], addrs[1])
			}

			in, out := 0, 0
			for _, l := range ls {
				r := l.rec
				if !r.Has(record.SrcAddr) {
					continue
				}
				switch {
				case local[r.DstAddr] && !local[r.SrcAddr]:
					in++
				case local[r.SrcAddr] && !local[r.DstAddr]:
					out++
				default:
					t.Fatalf("flow not to or from the interface: %s", l.text)
				}
				if r.SrcAddr.Is4() != r.DstAddr.Is4() {
					t.Fatalf("mixed address families: %s", l.text)
				}
			}
			switch dir {
			case flowlog.Ingress:
				if out != 0 {
					t.Errorf("%d flows from the interface", out)
				}
			case flowlog.Egress:
				if in != 0 {
					t.Errorf("%d flows towards the interface", in)
				}
			default:
				if in < len(ls)/3 || out < len(ls)/3 {
					t.Errorf("%d flows in and %d out of %d, want both", in, out, len(ls))
				}
			}
		})
	}
}

// TestRealisticMix checks the shapes queries rely on: who talks most, what
// is rejected, which protocols and address families show up.
func TestRealisticMix(t *testing.T) {
	objs, _ := collect(t, Config{Name: "web", Direction: flowlog.Ingress, From: day, Duration: 12 * time.Hour,
		RecordsPerObject: 4000, Seed: 1})
	ls := allLines(t, objs)

	var flows, v6, tcp, udp, icmp, noData, rejects, adminRejects, tcpRejects, small int
	var total uint64
	var biggest uint64
	srcBytes := map[netip.Addr]uint64{}
	for _, l := range ls {
		r := l.rec
		if r.Status != record.OK {
			noData++
			if r.Present != noDataFields {
				t.Fatalf("NODATA line with flow fields: %s", l.text)
			}
			continue
		}
		flows++
		if r.SrcAddr.Is6() {
			v6++
		}
		switch r.Protocol {
		case 6:
			tcp++
		case 17:
			udp++
		case 1, 58:
			icmp++
			if r.SrcPort != 0 || r.DstPort != 0 || (r.Protocol == 58) != r.SrcAddr.Is6() {
				t.Fatalf("ICMP line with ports or the wrong ICMP: %s", l.text)
			}
		default:
			t.Fatalf("unexpected protocol: %s", l.text)
		}
		if r.Protocol == 6 || r.Protocol == 17 {
			// Towards the interface: the service port or the ephemeral one.
			if isEphemeral(r.SrcPort) == isEphemeral(r.DstPort) && r.Action == record.Accept {
				t.Fatalf("want one ephemeral and one service port: %s", l.text)
			}
		}
		if r.Packets == 0 || r.Bytes < 40*r.Packets || r.Bytes > 1500*r.Packets {
			t.Fatalf("bytes not within 40 to 1500 a packet: %s", l.text)
		}
		if r.Action == record.Reject {
			rejects++
			site := netip.PrefixFrom(r.DstAddr, 48).Masked()
			if r.SrcAddr.Is4() && r.SrcAddr.IsPrivate() || r.SrcAddr.Is6() && site.Contains(r.SrcAddr) {
				t.Fatalf("rejected flow not from the internet: %s", l.text)
			}
			if r.Protocol == 6 {
				tcpRejects++
				if r.DstPort == 22 || r.DstPort == 3389 {
					adminRejects++
				}
			}
		}
		if r.Bytes < 2000 {
			small++
		}
		total += r.Bytes
		biggest = max(biggest, r.Bytes)
		srcBytes[r.SrcAddr] += r.Bytes
	}

	share := func(n int) float64 { return float64(n) / float64(flows) }
	checks := []struct {
		what   string
		got    float64
		lo, hi float64
	}{
		{"IPv6 share", share(v6), 0.07, 0.13},
		{"TCP share", share(tcp), 0.75, 0.85},
		{"UDP share", share(udp), 0.11, 0.19},
		{"ICMP share", share(icmp), 0.02, 0.06},
		{"NODATA/SKIPDATA share of lines", float64(noData) / float64(len(ls)), 0.002, 0.01},
		{"reject share", share(rejects), 0.05, 0.30},
		{"22 and 3389 among TCP rejects", float64(adminRejects) / float64(tcpRejects), 0.5, 0.8},
		{"flows under 2 KB", share(small), 0.5, 0.9},
		{"distinct sources", float64(len(srcBytes)), 20_000, 50_000},
	}
	for _, c := range checks {
		t.Logf("%s = %.3f", c.what, c.got)
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s = %.3f, want %.3f to %.3f", c.what, c.got, c.lo, c.hi)
		}
	}

	top := make([]uint64, 0, len(srcBytes))
	for _, b := range srcBytes {
		top = append(top, b)
	}
	slices.Sort(top)
	slices.Reverse(top)
	var top10 uint64
	for _, b := range top[:10] {
		top10 += b
	}
	t.Logf("top 10 sources carry %.2f of %d bytes; largest flow %d bytes", float64(top10)/float64(total), total, biggest)
	if s := float64(top10) / float64(total); s < 0.4 {
		t.Errorf("top 10 sources carry %.2f of the bytes, want a large share (over 0.4)", s)
	}
	if biggest < 10<<20 {
		t.Errorf("the largest flow has %d bytes, want some over 10 MB", biggest)
	}
}

func isEphemeral(port uint16) bool { return port >= ephemeralLo && port <= ephemeralHi }

func TestConfigErrors(t *testing.T) {
	ok := Config{Name: "web", From: day, Duration: time.Hour}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no name", func(c *Config) { c.Name = "" }, "name"},
		{"slash in name", func(c *Config) { c.Name = "a/b" }, "name"},
		{"two-segment prefix", func(c *Config) { c.Prefix = "a/b" }, "prefix"},
		{"bad direction", func(c *Config) { c.Direction = "inbound" }, "direction"},
		{"bad action", func(c *Config) { c.Action = "DROP" }, "action"},
		{"no start", func(c *Config) { c.From = time.Time{} }, "from"},
		{"before 1970", func(c *Config) { c.From = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, "from"},
		{"no duration", func(c *Config) { c.Duration = 0 }, "duration"},
		{"negative records", func(c *Config) { c.RecordsPerObject = -1 }, "records-per-object"},
		{"space in interface", func(c *Config) { c.InterfaceID = "eni 1" }, "interface"},
		{"dash account", func(c *Config) { c.AccountID = "-" }, "account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := Run(context.Background(), cfg, putFunc(func(context.Context, string, []byte) error {
				t.Fatal("Put called for an invalid Config")
				return nil
			}))
			var verr *flowlog.ValidationError
			if !errors.As(err, &verr) || verr.Field != tt.want {
				t.Errorf("error %v, want a ValidationError of %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	objs, _ := collect(t, Config{Name: "web", From: day, Duration: 30 * time.Minute, Seed: 9})
	ls := lines(t, objs[0])
	f := strings.Fields(ls[0].text)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(f[2]) {
		t.Errorf("default interface id %q is not a UUID", f[2])
	}
	if !regexp.MustCompile(`^[1-9][0-9]{7}$`).MatchString(f[1]) {
		t.Errorf("default account id %q is not eight digits", f[1])
	}
	if n := len(ls); n < DefaultRecordsPerObject*9/10 || n > DefaultRecordsPerObject*11/10 {
		t.Errorf("%d records in a window, want about %d", n, DefaultRecordsPerObject)
	}
}

func TestStoreErrorsStopRun(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	_, err := Run(context.Background(), Config{Name: "web", From: day, Duration: 2 * time.Hour},
		putFunc(func(context.Context, string, []byte) error {
			calls++
			return boom
		}))
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("Run = %v after %d Puts, want boom after 1", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	sum, err := Run(ctx, Config{Name: "web", From: day, Duration: 2 * time.Hour},
		putFunc(func(context.Context, string, []byte) error {
			calls++
			cancel()
			return nil
		}))
	if !errors.Is(err, context.Canceled) || calls != 1 || sum.Objects != 1 {
		t.Errorf("Run = %v after %d Puts (%d counted), want context.Canceled after 1", err, calls, sum.Objects)
	}
}

func BenchmarkRun(b *testing.B) {
	cfg := Config{Name: "web", From: day, Duration: 3 * time.Hour, RecordsPerObject: 20_000, Seed: 1}
	var sum Summary
	b.ReportAllocs()
	for b.Loop() {
		var err error
		sum, err = Run(context.Background(), cfg, discard{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum.Records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(sum.Bytes)/float64(sum.Records), "B/record")
}

// TestRunIntoFolder writes through the local store, as `flowlog simulate
// --out` does: the files are the objects, byte for byte, and nothing else.
func TestRunIntoFolder(t *testing.T) {
	dir := t.TempDir()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Name: "web", Prefix: "flowlogs", From: day, Duration: time.Hour, RecordsPerObject: 500, Seed: 2}
	sum, err := Run(context.Background(), cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := collect(t, cfg)
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != sum.Objects || len(mem) != sum.Objects {
		t.Fatalf("%d files %q, %d objects in memory, Summary says %d", len(files), files, len(mem), sum.Objects)
	}
	for _, o := range mem {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.key)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, o.body) {
			t.Errorf("%s differs from the object Run made", o.key)
		}
	}
}
