package addrinfo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
)

// TestIndexAgainstTree checks the flattened index against the database's
// own tree walk, for random addresses and the edges of every network.
func TestIndexAgainstTree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var nets []mmdbtest.Network
	var probes []netip.Addr
	for i := 0; i < 3000; i++ {
		var p netip.Prefix
		if i%4 == 0 {
			var b [16]byte
			b[0], b[1], b[2], b[3] = 0x20, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))
			p = netip.PrefixFrom(netip.AddrFrom16(b), 16+r.IntN(49)).Masked()
		} else {
			v := r.Uint32()
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 8+r.IntN(25)).Masked()
		}
		asn := uint32(1 + r.IntN(500))
		nets = append(nets, mmdbtest.Network{Prefix: p, ASN: asn, Org: fmt.Sprintf("Org %d", asn), Country: "DE"})
		probes = append(probes, p.Addr())
		last := lastOf(p)
		if p.Addr().Is4() {
			v := uint32(last.lo)
			probes = append(probes, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}))
		}
	}
	for i := 0; i < 20000; i++ {
		v := r.Uint32()
		probes = append(probes, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}))
	}
	path := filepath.Join(t.TempDir(), "x.mmdb")
	if err := mmdbtest.Write(path, nets); err != nil {
		t.Fatal(err)
	}
	n, err := Open(Config{MMDB: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c := n.NewCache()
	for _, a := range append(probes, netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("::"), netip.MustParseAddr("ffff::1")) {
		var want dbRecord
		res := n.dbs[0].Lookup(a)
		if res.Found() {
			if err := res.Decode(&want); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // resolved, then cached
			got := c.Lookup(a)
			if got.ASN != want.ASN || c.Org(got) != want.Org {
				t.Fatalf("%s: AS%d %q, the tree says AS%d %q", a, got.ASN, c.Org(got), want.ASN, want.Org)
			}
		}
	}
}
