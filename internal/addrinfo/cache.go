package addrinfo

import (
	"encoding/binary"
	"net/netip"
)

// Addresses of one block share their names in practice (a database's
// networks are rarely longer than an IPv4 /24 or an IPv6 /48), so a Cache
// keeps one entry for a block when every address of it has the same names,
// and an entry for the address itself otherwise.
const (
	blockBits4 = 24
	blockBits6 = 48
	cacheSlots = 1 << 16 // 2 MB a worker
)

// Cache looks addresses up for one worker: a direct-mapped table of recent
// blocks and addresses in front of the labels and the databases' indexes.
// It is not safe for concurrent use.
type Cache struct {
	names *Names
	slots []cacheSlot
}

// cacheSlot is one entry: an address or a block (tag has blockTag), its
// family in the tag, and its names. The zero tag is an empty slot.
type cacheSlot struct {
	hi, lo uint64
	tag    uint8
	info   Info
}

const blockTag = 0x80

// NewCache returns a Cache of the worker's own.
func (n *Names) NewCache() *Cache {
	if err := n.prepare(); err != nil {
		// Supports reported it before any lookup could be planned.
		panic("addrinfo: NewCache of a database that failed: " + err.Error())
	}
	return &Cache{names: n, slots: make([]cacheSlot, cacheSlots)}
}

// Names returns the Names the cache looks up.
func (c *Cache) Names() *Names { return c.names }

func addrWords(a netip.Addr) (hi, lo uint64, family uint8) {
	if a.Is4() {
		b := a.As4()
		return 0, uint64(binary.BigEndian.Uint32(b[:])), 4
	}
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), 6
}

func slotOf(hi, lo uint64, tag uint8) int {
	return int(((lo ^ hi*0x2545f4914f6cdd1d ^ uint64(tag)) * 0x9e3779b97f4a7c15) >> (64 - 16))
}

// Lookup returns the names of a.
func (c *Cache) Lookup(a netip.Addr) Info {
	a = a.Unmap()
	hi, lo, family := addrWords(a)
	bhi, blo := hi, lo&^0xff // an IPv4 /24
	if family == 6 {
		bhi, blo = hi&^0xffff, 0 // an IPv6 /48
	}
	btag := family | blockTag
	bs := &c.slots[slotOf(bhi, blo, btag)]
	if bs.tag == btag && bs.hi == bhi && bs.lo == blo {
		return bs.info
	}
	as := &c.slots[slotOf(hi, lo, family)]
	if as.tag == family && as.hi == hi && as.lo == lo {
		return as.info
	}
	info, uniform := c.resolve(a)
	if uniform {
		*bs = cacheSlot{hi: bhi, lo: blo, tag: btag, info: info}
	} else {
		*as = cacheSlot{hi: hi, lo: lo, tag: family, info: info}
	}
	return info
}

// resolve looks a up in the labels and the databases, and reports whether
// the whole of its block has the same names.
func (c *Cache) resolve(a netip.Addr) (Info, bool) {
	bits := blockBits4
	if a.Is6() {
		bits = blockBits6
	}
	block, _ := a.Prefix(bits)
	var info Info
	var uniform bool
	info.Label, uniform = c.names.labels.lookup(a, block)
	bfirst, blast := u128Of(block.Addr()), lastOf(block)
	for _, idx := range c.names.index {
		var i uint32
		if a.Is4() {
			var first, last uint32
			i, first, last = idx.lookup4(uint32(u128Of(a).lo))
			uniform = uniform && first <= uint32(bfirst.lo) && last >= uint32(blast.lo)
		} else {
			var first, last u128
			i, first, last = idx.lookup6(u128Of(a))
			uniform = uniform && first.cmp(bfirst) <= 0 && last.cmp(blast) >= 0
		}
		rec := c.names.infos[i]
		// The first database with a value for a name gives it.
		if info.ASN == 0 {
			info.ASN = rec.ASN
		}
		if info.Org == 0 {
			info.Org = rec.Org
		}
		if info.Country == [2]byte{} {
			info.Country = rec.Country
		}
	}
	return info, uniform
}

// Org returns the organisation of info; "" for none.
func (c *Cache) Org(info Info) string {
	if info.Org == 0 {
		return ""
	}
	return c.names.orgs[info.Org-1]
}

// Text returns a text attribute of info (label, as_org, country), and
// false when it has none.
func (c *Cache) Text(attr Attr, info Info) (string, bool) {
	switch attr {
	case Label:
		return c.names.LabelName(info.Label), info.Label != 0
	case ASOrg:
		return c.Org(info), info.Org != 0
	case Country:
		if info.Country == [2]byte{} {
			return "", false
		}
		return string(info.Country[:]), true
	}
	return "", false
}

// Value returns attribute attr of address a: a number for ASN, text for
// the others; ok is false when a has none.
func (c *Cache) Value(attr Attr, a netip.Addr) (num uint64, text string, ok bool) {
	info := c.Lookup(a)
	if attr == ASN {
		return uint64(info.ASN), "", info.ASN != 0
	}
	text, ok = c.Text(attr, info)
	return 0, text, ok
}
