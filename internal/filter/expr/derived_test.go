package expr

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
	"github.com/flowlog/flowlog/internal/record"
)

func testNames(t testing.TB) *addrinfo.Names {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.mmdb")
	err := mmdbtest.Write(path, []mmdbtest.Network{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), ASN: 64500, Org: "Example Carrier", Country: "DE"},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), ASN: 64502, Org: "V6 Net", Country: "NL"},
	})
	if err != nil {
		t.Fatal(err)
	}
	names, err := addrinfo.Open(addrinfo.Config{MMDB: []string{path}, Labels: map[string][]netip.Prefix{
		"office": {netip.MustParsePrefix("203.0.113.0/24")},
		"pods":   {netip.MustParsePrefix("10.42.0.0/16")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { names.Close() })
	return names
}

var namesLines = []string{
	"2 1 eni-1 198.51.100.7 10.42.1.1 40000 443 6 10 1000 1700000000 1700000060 ACCEPT OK",
	"2 1 eni-1 2001:db8::5 203.0.113.9 40003 443 6 4 400 1700000000 1700000060 ACCEPT OK",
	"2 1 eni-1 10.0.0.1 192.0.2.1 40005 80 6 1 70 1700000000 1700000060 REJECT OK",
	"2 1 eni-1 - - - - - - - 1700000000 1700000060 - NODATA",
}

func TestDerivedTerms(t *testing.T) {
	names := testNames(t)
	for _, tc := range []struct {
		expr  string
		want  string // which of namesLines match, as 0/1
		canon string
	}{
		{"src.asn = 64500", "1000", "src.asn = 64500"},
		{"src.asn = as64502", "0100", "src.asn = 64502"},
		{"src.asn != 64500", "0100", "src.asn != 64500"},
		{"not src.asn = 64500", "0111", "not src.asn = 64500"},
		{"src.asn in (64500, AS64502)", "1100", "src.asn in (64500, 64502)"},
		{"src.country = de", "1000", "src.country = DE"},
		{"src.country in (DE, NL) and tcp", "1100", "(src.country in (DE, NL) and proto tcp)"},
		{`src.as_org = "v6 net"`, "0100", `src.as_org = "v6 net"`},
		{"dst.label = office", "0100", "dst.label = office"},
		{"dst.label in (office, pods)", "1100", "dst.label in (office, pods)"},
		{"not dst.label = pods", "0111", "not dst.label = pods"},
		{"source.asn = 64500 or destination.label = pods", "1000", "(src.asn = 64500 or dst.label = pods)"},
	} {
		e, err := CompileWith(tc.expr, Options{Names: names})
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if s := e.String(); s != tc.canon {
			t.Errorf("%q: canonical form %q, want %q", tc.expr, s, tc.canon)
		}
		w := e.ForWorker()
		var got strings.Builder
		for _, l := range namesLines {
			r := parseLine(t, l, record.AllFields)
			m := e.Match(r)
			if w.Match(r) != m {
				t.Errorf("%q: a worker's copy disagrees on %s", tc.expr, l)
			}
			if m {
				got.WriteByte('1')
			} else {
				got.WriteByte('0')
			}
		}
		if got.String() != tc.want {
			t.Errorf("%q matches %s, want %s", tc.expr, got.String(), tc.want)
		}
	}
}

func TestDerivedErrors(t *testing.T) {
	names := testNames(t)
	for _, tc := range []struct {
		expr  string
		names *addrinfo.Names
		err   string
	}{
		{"src.asn = 1", nil, "src.asn needs a MaxMind database"},
		{"dst.label = x", nil, "dst.label needs labels"},
		{"src.city = x", names, `unknown field "src.city"`},
		{"src.asn = big", names, `invalid AS number "big"`},
		{"src.asn > 5", names, `expected "=", "!=" or "in"`},
		{"src.country = DEU", names, `invalid country "DEU"`},
		{"dst.label = nowhere", names, `unknown label "nowhere": the config file defines office, pods`},
		{"src.asn in (1, 2", names, "not closed"},
		{"src.asn =", names, "expected a value of src.asn"},
	} {
		_, err := CompileWith(tc.expr, Options{Names: tc.names})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.expr, err, tc.err)
		}
		if _, ok := err.(*SyntaxError); err != nil && !ok {
			t.Errorf("%q: %T, want *SyntaxError", tc.expr, err)
		}
	}
}

// FuzzCompileWithNames is FuzzCompile with names of addresses: anything
// that compiles has a canonical form that compiles to itself and matches
// the same records.
func FuzzCompileWithNames(f *testing.F) {
	for _, s := range []string{"src.asn = 64500", "dst.label in (office, pods)", `src.as_org = "V6 Net" or src.country != de`, "not dst.asn in (AS1, 2)"} {
		f.Add(s)
	}
	names := testNames(f)
	var recs []*record.Record
	for _, l := range namesLines {
		recs = append(recs, parseLine(f, l, record.AllFields))
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := CompileWith(src, Options{Names: names})
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("CompileWith(%q) returned %T", src, err)
			}
			return
		}
		s := e.String()
		e2, err := CompileWith(s, Options{Names: names})
		if err != nil {
			t.Fatalf("CompileWith(%q) = %q, which does not compile: %v", src, s, err)
		}
		if s2 := e2.String(); s2 != s {
			t.Fatalf("CompileWith(%q) = %q, which compiles to %q", src, s, s2)
		}
		for i, r := range recs {
			if e.Match(r) != e2.Match(r) || e.ForWorker().Match(r) != e.Match(r) {
				t.Fatalf("CompileWith(%q) and its String %q disagree on line %d", src, s, i)
			}
		}
	})
}
