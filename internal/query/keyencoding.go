package query

import (
	"encoding/binary"
	"net/netip"

	"github.com/flowlog/flowlog/internal/record"
)

// addrKey is an address as a table key: its sixteen bytes as two
// big-endian words (an IPv4 address in the low 32 bits of lo) and its
// family, 4 or 6. The zero key, family 0, marks an empty slot.
type addrKey struct {
	hi, lo uint64
	family uint8
}

// addrMask keeps the network part of an address: of an IPv4 address in
// v4, of an IPv6 address in hi and lo, laid out as in a addrKey.
type addrMask struct {
	v4, hi, lo uint64
}

// maskOf returns the mask that keeps the first bits4 bits of an IPv4
// address and the first bits6 bits of an IPv6 address.
func maskOf(bits4, bits6 int) addrMask {
	m := addrMask{v4: ^uint64(0) << (32 - bits4) & 0xffffffff, hi: ^uint64(0), lo: ^uint64(0)}
	switch {
	case bits6 <= 64:
		m.hi = ^uint64(0) << (64 - bits6)
		m.lo = 0
	case bits6 < 128:
		m.lo = ^uint64(0) << (128 - bits6)
	}
	return m
}

// addrKeyOf returns the key of address a, masked by m (from maskOf).
func addrKeyOf(a netip.Addr, m addrMask) addrKey {
	if a.Is4() {
		b := a.As4()
		return addrKey{lo: uint64(binary.BigEndian.Uint32(b[:])) & m.v4, family: 4}
	}
	b := a.As16()
	return addrKey{hi: binary.BigEndian.Uint64(b[:8]) & m.hi, lo: binary.BigEndian.Uint64(b[8:]) & m.lo, family: 6}
}

// addr returns the address of key k.
func (k addrKey) addr() netip.Addr {
	if k.family == 4 {
		return netip.AddrFrom4([4]byte{byte(k.lo >> 24), byte(k.lo >> 16), byte(k.lo >> 8), byte(k.lo)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}

// appendGroupKey encodes the key fields of r into a byte string that sorts
// like the values: absent first, then IPv4 before IPv6, numbers big-endian.
func appendGroupKey(dst []byte, keys []GroupKey, r *record.Record) []byte {
	for _, k := range keys {
		if !r.Has(k.Field) {
			dst = append(dst, 0)
			continue
		}
		switch k.Field.Kind() {
		case record.KindAddr:
			a := r.SrcAddr
			switch k.Field {
			case record.SrcAddr:
			case record.DstAddr:
				a = r.DstAddr
			default:
				a, _ = r.Addr(k.Field)
			}
			bits, family := k.Bits6, byte(6)
			if a.Is4() {
				bits, family = k.Bits4, 4
			}
			if p, err := a.Prefix(bits); err == nil {
				a = p.Addr()
			}
			dst = append(dst, family, byte(bits))
			b := a.As16()
			dst = append(dst, b[:]...)
		case record.KindText:
			v := r.Text(k.Field)
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
			dst = append(dst, v...)
		case record.KindAction:
			dst = append(dst, 1, byte(r.Action))
		case record.KindStatus:
			dst = append(dst, 1, byte(r.Status))
		default:
			u, _ := r.Uint(k.Field)
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint64(dst, u)
		}
	}
	return dst
}

func decodeGroupKey(s string, keys []GroupKey) []KeyValue {
	b := []byte(s)
	out := make([]KeyValue, len(keys))
	for i, k := range keys {
		if b[0] == 0 {
			b = b[1:]
			continue
		}
		v := KeyValue{Present: true}
		switch k.Field.Kind() {
		case record.KindAddr:
			family, bits := b[0], int(b[1])
			a := netip.AddrFrom16([16]byte(b[2:18]))
			if family == 4 {
				a = a.Unmap()
			}
			v.Addr = netip.PrefixFrom(a, bits)
			b = b[18:]
		case record.KindText:
			n := int(binary.BigEndian.Uint16(b[1:]))
			v.Text = string(b[3 : 3+n])
			b = b[3+n:]
		case record.KindAction:
			v.Text = record.Action(b[1]).String()
			b = b[2:]
		case record.KindStatus:
			v.Text = record.Status(b[1]).String()
			b = b[2:]
		default:
			v.Num = binary.BigEndian.Uint64(b[1:])
			b = b[9:]
		}
		out[i] = v
	}
	return out
}
