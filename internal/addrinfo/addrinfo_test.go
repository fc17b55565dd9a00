package addrinfo_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
)

// testNetworks is a database with networks longer and shorter than a
// cache block, nested ones, and IPv6.
var testNetworks = []mmdbtest.Network{
	{Prefix: netip.MustParsePrefix("198.51.0.0/16"), ASN: 64500, Org: "Example Carrier", Country: "de"},
	{Prefix: netip.MustParsePrefix("198.51.100.128/25"), ASN: 64501, Org: "Small Host", Country: "FR"},
	{Prefix: netip.MustParsePrefix("203.0.113.0/24"), ASN: 64502, Org: "Office ISP"},
	{Prefix: netip.MustParsePrefix("2001:db8::/32"), ASN: 64503, Org: "V6 Net", Country: "NL"},
	{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Country: "US"},
}

func writeDB(t testing.TB, networks []mmdbtest.Network) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.mmdb")
	if err := mmdbtest.Write(path, networks); err != nil {
		t.Fatal(err)
	}
	return path
}

var testLabels = map[string][]netip.Prefix{
	"office": {netip.MustParsePrefix("203.0.113.0/24")},
	"pods":   {netip.MustParsePrefix("10.42.0.0/16"), netip.MustParsePrefix("fd00::/8")},
	"lab":    {netip.MustParsePrefix("10.42.7.0/24"), netip.MustParsePrefix("203.0.113.77/32")},
}

// reference answers a lookup the plain way: every network and label
// checked, the longest that holds the address wins.
func reference(a netip.Addr) (asn uint32, org, country, label string) {
	best := -1
	for _, n := range testNetworks {
		if n.Prefix.Contains(a) && n.Prefix.Bits() > best {
			best = n.Prefix.Bits()
			asn, org, country = n.ASN, n.Org, strings.ToUpper(n.Country)
		}
	}
	best = -1
	for name, ps := range testLabels {
		for _, p := range ps {
			if p.Contains(a) && p.Bits() > best {
				best, label = p.Bits(), name
			}
		}
	}
	return
}

func TestLookup(t *testing.T) {
	names, err := addrinfo.Open(addrinfo.Config{Labels: testLabels, MMDB: []string{writeDB(t, testNetworks)}})
	if err != nil {
		t.Fatal(err)
	}
	defer names.Close()
	c := names.NewCache()
	addrs := []string{
		"198.51.1.1", "198.51.100.1", "198.51.100.129", "198.51.100.255", "198.51.100.127",
		"203.0.113.5", "203.0.113.77", "203.0.113.78", "10.42.7.9", "10.42.8.9", "10.43.0.1",
		"2001:db8::1", "2001:db8:ffff::1", "2001:db9::1", "fd00::1", "192.0.2.9", "8.8.8.8",
		"::ffff:198.51.1.1",
	}
	// Twice, in two orders, so that cached blocks and addresses answer too.
	for round := range 3 {
		for i := range addrs {
			s := addrs[i]
			if round == 1 {
				s = addrs[len(addrs)-1-i]
			}
			a := netip.MustParseAddr(s)
			info := c.Lookup(a)
			asn, org, country, label := reference(a.Unmap())
			gotCountry, _ := c.Text(addrinfo.Country, info)
			gotLabel, _ := c.Text(addrinfo.Label, info)
			if info.ASN != asn || c.Org(info) != org || gotCountry != country || gotLabel != label {
				t.Errorf("round %d: %s = AS%d %q %q label %q, want AS%d %q %q label %q", round, s,
					info.ASN, c.Org(info), gotCountry, gotLabel, asn, org, country, label)
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.mmdb")
	_, err := addrinfo.Open(addrinfo.Config{MMDB: []string{missing}})
	var dbErr *addrinfo.DBError
	if !errors.As(err, &dbErr) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing database: %v, want a DBError naming %s", err, missing)
	}
	garbage := filepath.Join(dir, "garbage.mmdb")
	os.WriteFile(garbage, []byte("not a database"), 0o644)
	if _, err := addrinfo.Open(addrinfo.Config{MMDB: []string{garbage}}); !errors.As(err, &dbErr) || !strings.Contains(err.Error(), garbage) {
		t.Errorf("unreadable database: %v, want a DBError naming it", err)
	}
	_, err = addrinfo.Open(addrinfo.Config{Labels: map[string][]netip.Prefix{
		"a": {netip.MustParsePrefix("10.0.0.0/8")}, "b": {netip.MustParsePrefix("10.1.0.0/8")}}})
	if err == nil || !strings.Contains(err.Error(), "10.0.0.0/8 is under both a and b") {
		t.Errorf("one prefix under two labels: %v", err)
	}
}

func TestParseField(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
		err  bool
	}{
		{"src.asn", "src.asn", true, false},
		{"DST.AS_ORG", "dst.as_org", true, false},
		{"dst.as-org", "dst.as_org", true, false},
		{"source.country", "src.country", true, false},
		{"src.label", "src.label", true, false},
		{"src.city", "", false, true},
		{"srcaddr", "", false, false},
		{"10.0.0.1", "", false, false},
	} {
		f, ok, err := addrinfo.ParseField(tc.in)
		if ok != tc.ok || (err != nil) != tc.err || ok && f.String() != tc.want {
			t.Errorf("ParseField(%q) = %v, %v, %v; want %s, %v, error %v", tc.in, f, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestSupports(t *testing.T) {
	var none *addrinfo.Names
	if err := none.Supports(addrinfo.Field{Side: addrinfo.Src, Attr: addrinfo.ASN}); err == nil || !strings.Contains(err.Error(), "--mmdb") {
		t.Errorf("src.asn without a database: %v", err)
	}
	if err := none.Supports(addrinfo.Field{Side: addrinfo.Dst, Attr: addrinfo.Label}); err == nil || !strings.Contains(err.Error(), "labels:") {
		t.Errorf("dst.label without labels: %v", err)
	}
}

func BenchmarkLookup(b *testing.B) {
	names, err := addrinfo.Open(addrinfo.Config{Labels: testLabels, MMDB: []string{writeDB(b, testNetworks)}})
	if err != nil {
		b.Fatal(err)
	}
	c := names.NewCache()
	a := netip.MustParseAddr("198.51.100.200")
	for b.Loop() {
		c.Lookup(a)
	}
}

// FuzzParseField checks that a name read as a field prints as a name that
// reads back as the same field, and that anything else is left alone or
// refused, never both.
func FuzzParseField(f *testing.F) {
	for _, s := range append(addrinfo.FieldNames(), "src.", ".asn", "dst.as-org", "source.country", "srcaddr") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fd, ok, err := addrinfo.ParseField(s)
		if ok && err != nil {
			t.Fatalf("ParseField(%q): both a field and an error", s)
		}
		if !ok {
			return
		}
		again, ok2, err2 := addrinfo.ParseField(fd.String())
		if !ok2 || err2 != nil || again != fd {
			t.Fatalf("ParseField(%q) = %v, whose name %q reads as %v, %v, %v", s, fd, fd.String(), again, ok2, err2)
		}
	})
}
