package addrinfo

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// dbIndex is a database flattened into the ranges of addresses its
// networks and the gaps between them cover, sorted, each with its names.
// Walking a database's tree costs a cache miss a bit of the address, two
// dozen for an IPv4 address in a database of the whole internet; an IPv4
// address here costs a look in a table by its first 16 bits and a short
// binary search.
type dbIndex struct {
	v4Starts []uint32
	v4Infos  []uint32 // into Names.infos; 0 for none
	v4By16   []uint32 // the range holding address k<<16, for k up to 65536
	v6Starts []u128
	v6Infos  []uint32
}

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func u128Of(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// next is a+1, and false when a is the last address.
func (a u128) next() (u128, bool) {
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}, a.hi != ^uint64(0)
	}
	return u128{a.hi, a.lo + 1}, true
}

// lastOf returns the last address of p.
func lastOf(p netip.Prefix) u128 {
	s := u128Of(p.Masked().Addr())
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	switch {
	case bits == 0:
		return u128{^uint64(0), ^uint64(0)}
	case bits <= 64:
		return u128{s.hi | ^uint64(0)>>bits, ^uint64(0)}
	case bits < 128:
		return u128{s.hi, s.lo | ^uint64(0)>>(bits-64)}
	}
	return s
}

// build flattens every database. Names.infos[0] is "no names".
func (n *Names) build() error {
	n.infos = []Info{{}}
	infoIdx := map[Info]uint32{{}: 0}
	orgIdx := map[string]uint32{}
	intern := func(info Info) uint32 {
		i, ok := infoIdx[info]
		if !ok {
			i = uint32(len(n.infos))
			n.infos = append(n.infos, info)
			infoIdx[info] = i
		}
		return i
	}
	for d, db := range n.dbs {
		byOffset := map[uintptr]uint32{}
		type span struct {
			start, end u128
			info       uint32
		}
		var spans4, spans6 []span
		for res := range db.Networks() {
			if err := res.Err(); err != nil {
				return &DBError{Path: n.paths[d], Err: err}
			}
			info, ok := byOffset[res.Offset()]
			if !ok {
				info = intern(decode(res, func(org string) uint32 {
					if org == "" {
						return 0
					}
					i, ok := orgIdx[org]
					if !ok {
						n.orgs = append(n.orgs, org)
						i = uint32(len(n.orgs))
						orgIdx[org] = i
					}
					return i
				}))
				byOffset[res.Offset()] = info
			}
			p := res.Prefix()
			s := span{start: u128Of(p.Masked().Addr()), end: lastOf(p), info: info}
			if p.Addr().Is4() {
				spans4 = append(spans4, s)
			} else if !isV4Space(p) {
				spans6 = append(spans6, s)
			}
		}
		idx := &dbIndex{}
		// IPv4 addresses are in their IPv6-mapped form here.
		for _, family := range []struct {
			spans   []span
			first   u128
			inSpace func(u128) bool
			starts  func(u128, uint32)
		}{
			{spans4, u128Of(netip.IPv4Unspecified()), func(a u128) bool { return a.hi == 0 && a.lo>>32 == 0xffff }, func(s u128, info uint32) {
				idx.v4Starts = append(idx.v4Starts, uint32(s.lo))
				idx.v4Infos = append(idx.v4Infos, info)
			}},
			{spans6, u128{}, func(u128) bool { return true }, func(s u128, info uint32) {
				idx.v6Starts = append(idx.v6Starts, s)
				idx.v6Infos = append(idx.v6Infos, info)
			}},
		} {
			slices.SortFunc(family.spans, func(a, b span) int { return a.start.cmp(b.start) })
			cur, more := family.first, true
			for _, s := range family.spans {
				if !more || s.start.cmp(cur) < 0 {
					continue // overlapping: cannot happen in a valid tree
				}
				if s.start.cmp(cur) > 0 {
					family.starts(cur, 0)
				}
				family.starts(s.start, s.info)
				cur, more = s.end.next()
			}
			if more && family.inSpace(cur) {
				family.starts(cur, 0)
			}
		}
		if len(idx.v4Starts) == 0 || idx.v4Starts[0] != 0 {
			idx.v4Starts = append([]uint32{0}, idx.v4Starts...)
			idx.v4Infos = append([]uint32{0}, idx.v4Infos...)
		}
		if len(idx.v6Starts) == 0 || (idx.v6Starts[0] != u128{}) {
			idx.v6Starts = append([]u128{{}}, idx.v6Starts...)
			idx.v6Infos = append([]uint32{0}, idx.v6Infos...)
		}
		idx.v4By16 = make([]uint32, 1<<16+1)
		r := 0
		for k := 0; k < 1<<16; k++ {
			for r+1 < len(idx.v4Starts) && idx.v4Starts[r+1] <= uint32(k)<<16 {
				r++
			}
			idx.v4By16[k] = uint32(r)
		}
		idx.v4By16[1<<16] = uint32(len(idx.v4Starts) - 1)
		n.index = append(n.index, idx)
	}
	return nil
}

// isV4Space reports whether p lies in ::/96, where a database keeps IPv4.
func isV4Space(p netip.Prefix) bool {
	a := u128Of(p.Masked().Addr())
	return a.hi == 0 && a.lo>>32 == 0 && p.Bits() >= 96
}

// lookup4 returns the names of IPv4 address x and the first and last
// address of the range they hold for.
func (idx *dbIndex) lookup4(x uint32) (info uint32, first, last uint32) {
	k := x >> 16
	lo, hi := int(idx.v4By16[k]), int(idx.v4By16[k+1])
	// The last start at or before x, in [lo, hi].
	for lo < hi {
		mid := int(uint(lo+hi+1) >> 1)
		if idx.v4Starts[mid] <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	last = ^uint32(0)
	if lo+1 < len(idx.v4Starts) {
		last = idx.v4Starts[lo+1] - 1
	}
	return idx.v4Infos[lo], idx.v4Starts[lo], last
}

// lookup6 is lookup4 for IPv6.
func (idx *dbIndex) lookup6(x u128) (info uint32, first, last u128) {
	i, found := slices.BinarySearchFunc(idx.v6Starts, x, u128.cmp)
	if !found {
		i--
	}
	last = u128{^uint64(0), ^uint64(0)}
	if i+1 < len(idx.v6Starts) {
		n := idx.v6Starts[i+1]
		if n.lo == 0 {
			last = u128{n.hi - 1, ^uint64(0)}
		} else {
			last = u128{n.hi, n.lo - 1}
		}
	}
	return idx.v6Infos[i], idx.v6Starts[i], last
}

// dbRecord is what flowlog reads of a database record, in the layouts of
// GeoLite2/GeoIP2 ASN and Country (and City) and of DB-IP.
type dbRecord struct {
	ASN     uint32 `maxminddb:"autonomous_system_number"`
	Org     string `maxminddb:"autonomous_system_organization"`
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

// decode reads a record. A record that does not decode has no names: one
// bad record is not worth failing a query over.
func decode(res maxminddb.Result, intern func(string) uint32) Info {
	var r dbRecord
	if err := res.Decode(&r); err != nil {
		return Info{}
	}
	info := Info{ASN: r.ASN, Org: intern(r.Org)}
	cc := r.Country.ISOCode
	if cc == "" {
		cc = r.RegisteredCountry.ISOCode
	}
	if len(cc) == 2 {
		cc = strings.ToUpper(cc)
		info.Country = [2]byte{cc[0], cc[1]}
	}
	return info
}
