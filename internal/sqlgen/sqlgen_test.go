package sqlgen

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/query"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
// Trino, Athena and Spark cannot run here, so their SQL is held by these
// files, read once by a person; DuckDB's also runs in the CLI's DuckDB test.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestQueryGolden(t *testing.T) {
	since := time.Date(2026, 11, 24, 10, 5, 0, 0, time.UTC)
	until := time.Date(2026, 11, 25, 0, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		spec     query.Spec
		flowLogs []string
	}{
		{"count", query.Spec{Count: true, Actions: []string{"REJECT"}, Srcs: []string{"10.1.0.0/15", "2001:db8::/32"},
			DstPorts: []string{"22,3389"}, Since: since, Until: until}, []string{"web"}},
		{"where", query.Spec{Count: true, Where: `not bytes > 1M and (ipv6 or net ::/0 or dst host 10.0.0.1) and ` +
			`duration >= 5m and proto in (tcp, 17) and status ok and interface "it's \\odd" and packets > 18446744073709551615`}, nil},
		{"records", query.Spec{Fields: "srcaddr,dstaddr,end,action", Limit: 100, Since: since}, []string{"web", "db"}},
		{"group", query.Spec{GroupBy: "srcaddr/22/61,dstport,log_status,interface_id", Sort: "bytes", Top: 10, Until: until}, nil},
		{"group-plain", query.Spec{GroupBy: "dstaddr,end", Sort: "packets"}, nil},
	} {
		for _, d := range Dialects {
			sql, err := Query(d, TableName, tt.spec, tt.flowLogs)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.name, d, err)
			}
			golden(t, tt.name+"."+string(d)+".sql", sql)
		}
	}
}

func TestDDLGolden(t *testing.T) {
	for _, d := range Dialects {
		ddl, err := DDL(string(d), "s3://logs/flowlog-export")
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		golden(t, "ddl."+string(d)+".sql", ddl)
	}
}

func TestDDLErrors(t *testing.T) {
	for _, tt := range []struct{ dialect, location, want string }{
		{"postgres", "s3://b/p", `unknown SQL dialect "postgres": use duckdb, trino, athena, spark`},
		{"athena", "/data/export", `athena reads tables in S3: the location must be s3://bucket/prefix, not "/data/export"`},
		{"trino", " ", "no location: name the export's folder or s3://bucket/prefix"},
	} {
		_, err := DDL(tt.dialect, tt.location)
		if err == nil || err.Error() != tt.want {
			t.Errorf("DDL(%q, %q): %v, want %s", tt.dialect, tt.location, err, tt.want)
		}
	}
	if d, err := ParseDialect("DuckDB"); err != nil || d != DuckDB {
		t.Errorf("ParseDialect(DuckDB) = %q, %v", d, err)
	}
}

// A term the translator does not know is an error naming it, not a
// condition that quietly means something else.
func TestUntranslatable(t *testing.T) {
	_, err := DuckDB.where(expr.And{expr.ActionTerm{}, expr.Not{X: expr.Unknown{Term: "tcp-flags syn"}}})
	var ue *UntranslatableError
	if !errors.As(err, &ue) || err.Error() != `--where: "tcp-flags syn" cannot be written as SQL for the exported table` {
		t.Errorf("err = %v", err)
	}
	_, err = Trino.quantity("tcp-flags", func(string) string { return "" })
	if !errors.As(err, &ue) {
		t.Errorf("unknown quantity: err = %v", err)
	}
}

// A CIDR is the range of its first and last address as 16 bytes; where
// IPv4 and IPv4-mapped IPv6 addresses share the range the text decides.
func TestInNet(t *testing.T) {
	for _, tt := range []struct{ prefix, want string }{
		{"10.1.0.0/15", "(srcaddr_bin BETWEEN X'00000000000000000000FFFF0A000000' AND X'00000000000000000000FFFF0A01FFFF' AND srcaddr NOT LIKE '%:%')"},
		{"0.0.0.0/0", "(srcaddr_bin BETWEEN X'00000000000000000000FFFF00000000' AND X'00000000000000000000FFFFFFFFFFFF' AND srcaddr NOT LIKE '%:%')"},
		{"2001:db8::/32", "srcaddr_bin BETWEEN X'20010DB8000000000000000000000000' AND X'20010DB8FFFFFFFFFFFFFFFFFFFFFFFF'"},
		{"::/0", "(srcaddr_bin BETWEEN X'00000000000000000000000000000000' AND X'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' AND srcaddr LIKE '%:%')"},
		{"::ffff:10.0.0.0/104", "(srcaddr_bin BETWEEN X'00000000000000000000FFFF0A000000' AND X'00000000000000000000FFFF0AFFFFFF' AND srcaddr LIKE '%:%')"},
		{"2001:db8::1/128", "srcaddr_bin BETWEEN X'20010DB8000000000000000000000001' AND X'20010DB8000000000000000000000001'"},
	} {
		got := Trino.inNet("srcaddr", "srcaddr_bin", netip.MustParsePrefix(tt.prefix).Masked())
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.prefix, got, tt.want)
		}
	}
}

func TestQuoting(t *testing.T) {
	for _, tt := range []struct {
		d               Dialect
		ident, str, out string
	}{
		{DuckDB, "end", "it's", `"end" 'it''s'`},
		{Trino, "srcaddr/24", `a\b`, `"srcaddr/24" 'a\b'`},
		{Spark, "end", `it's \n`, "`end` 'it\\'s \\\\n'"},
		{Athena, "bytes", "x", `bytes 'x'`},
	} {
		if got := tt.d.ident(tt.ident) + " " + tt.d.str(tt.str); got != tt.out {
			t.Errorf("%s: %s, want %s", tt.d, got, tt.out)
		}
	}
}

// FuzzWhere: every expression that compiles has SQL in every dialect, with
// its quotes and parentheses balanced.
func FuzzWhere(f *testing.F) {
	for _, s := range []string{
		"tcp and dst port 22", "not (src net 10.0.0.0/8 or host 2001:db8::1)", "bytes in (0, 1K-10K) or duration > 5m",
		"interface \"a'b\" and account 12", "ipv4 and not status nodata", "port 1000-2000 and proto != udp",
		"start >= 2020-04-27T10:24:11Z and end < 1587983051", "reject or accept", "packets >= 18446744073709551615",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := expr.Compile(src)
		if err != nil {
			return
		}
		for _, d := range Dialects {
			sql, err := d.where(e.Tree())
			if err != nil {
				t.Fatalf("%s: %q: %v", d, src, err)
			}
			if !balanced(sql, d) {
				t.Fatalf("%s: %q: unbalanced SQL %s", d, src, sql)
			}
		}
	})
}

// balanced reports whether the string literals of sql close and its
// parentheses outside them pair up.
func balanced(sql string, d Dialect) bool {
	depth, inStr := 0, false
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case inStr && d == Spark && c == '\\':
			i++
		case inStr && c == '\'':
			if d != Spark && i+1 < len(sql) && sql[i+1] == '\'' {
				i++
			} else {
				inStr = false
			}
		case inStr:
		case c == '\'':
			inStr = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return !inStr && depth == 0 && !strings.Contains(sql, "()")
}
