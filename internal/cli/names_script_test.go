package cli

import (
	"net/netip"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
)

// cmdMkMMDB writes a MaxMind database: "mkmmdb FILE CIDR ASN ORG COUNTRY
// ...", four words a network, "-" for a value left out.
func cmdMkMMDB(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || (len(args)-1)%4 != 0 {
		ts.Fatalf("usage: mkmmdb FILE [CIDR ASN ORG COUNTRY]...")
	}
	var nets []mmdbtest.Network
	for rest := args[1:]; len(rest) > 0; rest = rest[4:] {
		n := mmdbtest.Network{Prefix: netip.MustParsePrefix(rest[0])}
		if rest[1] != "-" {
			asn, err := strconv.ParseUint(rest[1], 10, 32)
			ts.Check(err)
			n.ASN = uint32(asn)
		}
		if rest[2] != "-" {
			n.Org = rest[2]
		}
		if rest[3] != "-" {
			n.Country = rest[3]
		}
		nets = append(nets, n)
	}
	ts.Check(mmdbtest.Write(ts.MkAbs(args[0]), nets))
}
