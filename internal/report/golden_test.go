package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/scans"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenObjects are a few records of one flow log in three objects, the
// second window missing: IPv4 and IPv6, accepted and rejected, a NODATA and
// a SKIPDATA line.
var goldenObjects = map[string]string{
	"web-1795737605.log.gz": `2 123 eni-1 10.0.0.5 203.0.113.9 40000 443 6 10 5000 1795737001 1795737030 ACCEPT OK
2 123 eni-1 203.0.113.9 10.0.0.5 443 40000 6 12 90000 1795737002 1795737031 ACCEPT OK
2 123 eni-1 198.51.100.7 10.0.0.5 51515 22 6 1 60 1795737100 1795737100 REJECT OK
2 123 eni-1 198.51.100.7 10.0.0.5 51516 3389 6 1 60 1795737160 1795737160 REJECT OK
2 123 eni-1 - - - - - - - 1795737000 1795737599 - NODATA
`,
	"web-1795738805.log.gz": `2 123 eni-1 2001:db8::5 2001:db8:1::9 40001 443 6 20 30000 1795738201 1795738250 ACCEPT OK
2 123 eni-1 198.51.100.7 10.0.0.5 51517 22 6 1 60 1795738300 1795738300 REJECT OK
2 123 eni-1 10.0.0.5 192.0.2.53 53000 53 17 2 180 1795738400 1795738401 ACCEPT OK
`,
	"web-1795739405.log.gz": `2 123 eni-1 10.0.0.5 203.0.113.9 40002 443 6 4 2000 1795738801 1795738830 ACCEPT OK
2 123 eni-1 - - - - - - - 1795738800 1795739399 - SKIPDATA
`,
}

// TestGolden pins the data behind every chart of a small report, with
// labels, an AS database and a low port threshold for scanners; the
// reference test checks the same computations on a large corpus.
// go test ./internal/report -run Golden -update rewrites it.
func TestGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "edge")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range goldenObjects {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(text))
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inputs := folderInputs(t, dir)
	for i := range inputs {
		// Names as a report of ./edge would give them.
		inputs[i].Name = filepath.Join("edge", filepath.Base(inputs[i].Name))
		p := filepath.Join(dir, filepath.Base(inputs[i].Name))
		inputs[i].Open = openFile(p)
	}
	since := time.Unix(1795737000, 0).UTC()
	until := since.Add(40 * time.Minute)
	rep, err := Build(context.Background(), &query.Query{Inputs: inputs, Workers: 1}, Options{Since: since, Until: until, Top: 3,
		Names: testNames(t), Scans: scans.Options{MinPorts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		t.Fatal(err)
	}
	got := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// Sums on one line each, so a change reads as one line.
	got = sumsObject.ReplaceAllFunc(got, func(m []byte) []byte {
		return regexp.MustCompile(`\s+`).ReplaceAll(m, []byte(" "))
	})
	got = append(got, '\n')
	golden := filepath.Join("testdata", "report.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report data differs from %s (rerun with -update to accept):\n%s", golden, got)
	}
}

func openFile(p string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) { return os.Open(p) }
}

var sumsObject = regexp.MustCompile(`\{\s+"Flows": \d+,\s+"Packets": \d+,\s+"Bytes": \d+\s+\}`)
