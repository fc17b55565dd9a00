// Package mmdbtest writes small MaxMind-format databases for tests, in the
// layout of GeoLite2 ASN and Country combined. Only tests import it, so
// the writer never reaches the flowlog binary.
package mmdbtest

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Network is one network of a test database. Zero fields are left out of
// its record.
type Network struct {
	Prefix  netip.Prefix
	ASN     uint32
	Org     string
	Country string
}

// Write writes the networks to path as a MaxMind database.
func Write(path string, networks []Network) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "flowlog-test",
		RecordSize:              28,
		IncludeReservedNetworks: true,
		DisableIPv4Aliasing:     true,
	})
	if err != nil {
		return err
	}
	for _, n := range networks {
		rec := mmdbtype.Map{}
		if n.ASN != 0 {
			rec["autonomous_system_number"] = mmdbtype.Uint32(n.ASN)
		}
		if n.Org != "" {
			rec["autonomous_system_organization"] = mmdbtype.String(n.Org)
		}
		if n.Country != "" {
			rec["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(n.Country)}
		}
		p := n.Prefix.Masked()
		ipnet := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
		if err := tree.Insert(ipnet, rec); err != nil {
			return fmt.Errorf("insert %s: %w", p, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
