package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// TestSQLOnDuckDB exports a simulated corpus to Parquet, makes it a table
// in a real DuckDB with the DDL flowlog prints, runs the SQL flowlog prints
// there, and checks that every answer is the one flowlog gives on the gzip
// text and on the Parquet: counts, CIDR filters for IPv4 and IPv6, --where
// expressions, time windows, --flowlog, group-bys with masks and top-N
// cuts, and records.
func TestSQLOnDuckDB(t *testing.T) {
	duck := findDuckDB(t)
	work := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(work, "data"))
	logs := filepath.Join(work, "logs")
	runFlowlog(t, "simulate", "--out", logs, "--name", "web", "--from", "2026-11-24T10:00:00Z", "--duration", "3h",
		"--records-per-object", "300", "--seed", "7")
	runFlowlog(t, "simulate", "--out", logs, "--name", "edge", "--from", "2026-11-24T11:00:00Z", "--duration", "2h",
		"--records-per-object", "300", "--seed", "3", "--traffic", "internet")
	edge, err := filepath.Glob(filepath.Join(logs, "edge-*.log.gz"))
	if err != nil || len(edge) == 0 {
		t.Fatalf("no edge objects: %v", err)
	}

	export := filepath.Join(work, "export")
	runFlowlog(t, "export", logs, "--to", export)
	ddlFile := filepath.Join(work, "ddl.sql")
	writeFile(t, ddlFile, runFlowlog(t, "export", "--ddl", "duckdb", "--to", export))

	type question struct {
		flags   []string
		text    []string // the sources of flowlog's own answer, when not every object
		parquet []string // the same in the export
		sql     []string // flags only the SQL takes
		records bool     // rows in no particular order
	}
	questions := []question{
		{flags: []string{"--count"}},
		{flags: []string{"--count", "--action", "REJECT"}},
		{flags: []string{"--count", "--src", "10.65.0.0/16"}},
		{flags: []string{"--count", "--addr", "10.64.0.0/11,184.167.214.155"}},
		{flags: []string{"--count", "--addr", "2a01:e4c1::/32"}},
		{flags: []string{"--count", "--dst", "2001:db8:e7f7:eba3:1e2:5c0c:516c:dcc5,::/0"}},
		{flags: []string{"--count", "--src", "0.0.0.0/0"}},
		{flags: []string{"--count", "--where", "not bytes > 10K and (proto udp or dst port in (22, 3389, 8000-9000))"}},
		{flags: []string{"--count", "--where", "ipv6 and duration >= 10s and not net 2001:db8::/32 and port > 1023"}},
		{flags: []string{"--count", "--where", "status nodata or status skipdata or not tcp"}},
		{flags: []string{"--count", "--where", "not (src port 443 or packets <= 3) and start >= 2026-11-24T11:30:00Z"}},
		{flags: []string{"--count", "--since", "2026-11-24T11:20:00Z", "--until", "2026-11-24T12:05:00Z"}},
		{flags: []string{"--count", "--since", "2026-11-24T12:00:00Z"}, text: edge,
			parquet: []string{filepath.Join(export, "flowlog=edge")}, sql: []string{"--flowlog", "edge"}},
		{flags: []string{"--group-by", "srcaddr", "--top", "10", "--sort", "bytes"}},
		{flags: []string{"--group-by", "srcaddr/24", "--top", "15"}},
		{flags: []string{"--group-by", "dstaddr/13/61,dstport", "--top", "20", "--sort", "packets"}},
		{flags: []string{"--group-by", "srcaddr/32/64", "--where", "reject", "--top", "12"}},
		{flags: []string{"--group-by", "log_status,action,protocol"}},
		{flags: []string{"--group-by", "interface_id,srcaddr/0", "--since", "2026-11-24T11:40:00Z", "--until", "2026-11-24T12:10:00Z"}},
		{flags: []string{"--fields", "srcaddr,dstaddr,dstport,bytes,start,end,action", "--where", "port 22 or status nodata"}, records: true},
	}
	// One DuckDB answers every question: node starts slowly on a busy
	// machine.
	files := []string{ddlFile}
	wants, sqls := make([]string, len(questions)), make([]string, len(questions))
	for i, q := range questions {
		text, parquet := q.text, q.parquet
		if text == nil {
			text, parquet = []string{logs}, []string{export}
		}
		wants[i] = runFlowlog(t, append(append([]string{"query", "-o", "csv"}, q.flags...), text...)...)
		// flowlog reads its export back with the same answers (records in
		// the export's order, by start).
		got, want := runFlowlog(t, append(append([]string{"query", "-o", "csv"}, q.flags...), parquet...)...), wants[i]
		if q.records {
			got, want = sortedLines(got), sortedLines(want)
		}
		if got != want {
			t.Errorf("%s: flowlog answered on the Parquet\n%s\nand on the text\n%s", strings.Join(q.flags, " "), got, want)
		}
		sqls[i] = runFlowlog(t, append(append([]string{"query", "--sql", "duckdb"}, q.flags...), q.sql...)...)
		files = append(files, filepath.Join(work, "query"+strconv.Itoa(i)+".sql"))
		writeFile(t, files[i+1], sqls[i])
	}
	results := duckResults(t, duck, files...)
	for i, q := range questions {
		name := strings.Join(append(q.flags, q.sql...), " ")
		want, got := wants[i], results[files[i+1]]
		if q.records {
			want, got = sortedLines(want), sortedLines(got)
		}
		if got != want {
			t.Errorf("%s: DuckDB answered\n%s\nflowlog answered\n%s\nthe SQL:\n%s", name, got, want, sqls[i])
		}
		if strings.Count(want, "\n") < 2 || strings.HasPrefix(want, "count\n0\n") {
			t.Errorf("%s: flowlog's answer is empty, so the question shows nothing:\n%s", name, want)
		}
	}
}

// duckDB is where the test finds DuckDB: node, and the folder
// scripts/install-duckdb.sh installed @duckdb/node-api into.
type duckDB struct{ node, dir string }

func findDuckDB(t *testing.T) duckDB {
	dir := os.Getenv("FLOWLOG_DUCKDB")
	if dir == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "flowlog", "duckdb")
		}
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api"))
	}
	if err != nil {
		if os.Getenv("FLOWLOG_REQUIRE_DUCKDB") == "1" {
			t.Fatalf("DuckDB is required (FLOWLOG_REQUIRE_DUCKDB=1) but missing: %v", err)
		}
		t.Skipf("DuckDB is not installed (%v): scripts/install-duckdb.sh installs it, FLOWLOG_REQUIRE_DUCKDB=1 makes this a failure", err)
	}
	return duckDB{node: node, dir: dir}
}

// duckResults runs SQL files in one DuckDB and returns the result of each
// as CSV, by file.
func duckResults(t *testing.T, duck duckDB, files ...string) map[string]string {
	t.Helper()
	out := duckQuery(t, duck, files...)
	results := map[string]string{}
	file := ""
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, "==> ") && strings.HasSuffix(line, " <==\n") {
			file = strings.TrimSuffix(strings.TrimPrefix(line, "==> "), " <==\n")
			continue
		}
		results[file] += line
	}
	return results
}

// duckQuery runs SQL files in one DuckDB and returns its output.
func duckQuery(t *testing.T, duck duckDB, files ...string) string {
	t.Helper()
	script, err := filepath.Abs("../../scripts/duckdb/sql.mjs")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(duck.node, append([]string{script}, files...)...)
	cmd.Env = append(os.Environ(), "FLOWLOG_DUCKDB="+duck.dir)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node sql.mjs %s: %v\n%s", strings.Join(files, " "), err, stderr)
	}
	return string(out)
}

// runFlowlog runs flowlog in-process and returns its standard output.
func runFlowlog(t *testing.T, args ...string) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code := Run(context.Background(), &cmdutil.Factory{IO: ios, Now: time.Now}, BuildInfo{Version: "test"}, args)
	if code != 0 {
		t.Fatalf("flowlog %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out.String()
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sortedLines keeps the first line (the header) and sorts the others.
func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines[1:])
	return strings.Join(lines, "\n") + "\n"
}
