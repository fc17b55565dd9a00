package query

import (
	"encoding/binary"
	"net/netip"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/record"
)

// appendGroupKey encodes the key fields of r into a byte string that sorts
// like the values: absent first, then IPv4 before IPv6, numbers big-endian.
func appendGroupKey(dst []byte, keys []GroupKey, r *record.Record) []byte {
	for _, k := range keys {
		if k.Conversation {
			dst = appendConversation(dst, r)
			continue
		}
		if !r.Has(k.Field) {
			dst = append(dst, 0)
			continue
		}
		if k.Derived.Attr != 0 {
			dst = appendDerivedKey(dst, k, r)
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
			dst = appendAddr(dst, a, k.Bits4, k.Bits6)
		case record.KindText:
			v := r.Text(k.Field)
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
			dst = append(dst, v...)
		case record.KindAction:
			dst = append(dst, 1, byte(r.Action))
		case record.KindStatus:
			dst = append(dst, 1, byte(r.Status))
		case record.KindTime:
			u, _ := r.Uint(k.Field)
			if k.IsTime() {
				u = uint64(k.interval(int64(u)))
			}
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint64(dst, u)
		default:
			u, _ := r.Uint(k.Field)
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint64(dst, u)
		}
	}
	return dst
}

// appendAddr encodes an address, present, keeping its first bits4 bits
// (IPv4) or bits6 bits (IPv6): its family, 4 or 6, then its bytes. An IPv4
// address in IPv6 form (::ffff:a.b.c.d) is an IPv6 address, as it is in
// netip.
func appendAddr(dst []byte, a netip.Addr, bits4, bits6 int) []byte {
	if a.Is4() {
		b := a.As4()
		v := binary.BigEndian.Uint32(b[:])
		if bits4 < 32 {
			v &= ^uint32(0) << (32 - bits4)
		}
		dst = append(dst, 4)
		return binary.BigEndian.AppendUint32(dst, v)
	}
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	switch {
	case bits6 <= 64:
		hi &= ^uint64(0) << (64 - bits6) // a shift by 64 clears every bit
		lo = 0
	case bits6 < 128:
		lo &= ^uint64(0) << (128 - bits6)
	}
	dst = append(dst, 6)
	dst = binary.BigEndian.AppendUint64(dst, hi)
	return binary.BigEndian.AppendUint64(dst, lo)
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
		if k.Derived.Attr != 0 {
			b = decodeDerivedKey(&v, b, k)
			out[i] = v
			continue
		}
		if k.Conversation {
			n := segmentLen(b, k)
			c := decodeConversation(b[:n])
			v.Conv = &c
			out[i] = v
			b = b[n:]
			continue
		}
		switch k.Field.Kind() {
		case record.KindAddr:
			if b[0] == 4 {
				v.Addr = netip.PrefixFrom(netip.AddrFrom4([4]byte(b[1:5])), k.Bits4)
				b = b[5:]
			} else {
				v.Addr = netip.PrefixFrom(netip.AddrFrom16([16]byte(b[1:17])), k.Bits6)
				b = b[17:]
			}
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

// segmentLen returns the length of the encoding of key k at the start of b,
// an encoded group key.
func segmentLen(b []byte, k GroupKey) int {
	if b[0] == 0 {
		return 1
	}
	if k.Conversation {
		return conversationLen(b[2])
	}
	if k.Derived.Attr != 0 {
		switch k.Derived.Attr {
		case addrinfo.ASN:
			return 9
		case addrinfo.Label, addrinfo.Country:
			return 3
		}
		return 3 + int(binary.BigEndian.Uint16(b[1:]))
	}
	switch k.Field.Kind() {
	case record.KindAddr:
		if b[0] == 4 {
			return 5
		}
		return 17
	case record.KindText:
		return 3 + int(binary.BigEndian.Uint16(b[1:]))
	case record.KindAction, record.KindStatus:
		return 2
	}
	return 9
}

// Conversation is both directions of one 5-tuple: the client and server
// sides, guessed from the ports (see conversationOf).
type Conversation struct {
	Protocol   uint8
	Client     netip.Addr
	ClientPort uint16
	Server     netip.Addr
	ServerPort uint16
}

// conversationOf returns the conversation of a record and whether the
// record goes from the client to the server. The server is the side with
// the lower port: a well-known port (below 1024) is lower than any
// ephemeral one, and of two unprivileged ports the listening one (8080,
// 5432) is usually lower than the one the client's system picked (32768
// and up on Linux, 49152 and up on Windows and macOS). With equal ports
// (and for ICMP, which has none) the lower address is the client.
func conversationOf(r *record.Record) (c Conversation, toServer bool) {
	srcIsClient := r.SrcPort > r.DstPort || r.SrcPort == r.DstPort && r.SrcAddr.Compare(r.DstAddr) <= 0
	if srcIsClient {
		return Conversation{Protocol: r.Protocol, Client: r.SrcAddr, ClientPort: r.SrcPort, Server: r.DstAddr, ServerPort: r.DstPort}, true
	}
	return Conversation{Protocol: r.Protocol, Client: r.DstAddr, ClientPort: r.DstPort, Server: r.SrcAddr, ServerPort: r.SrcPort}, false
}

// conversationLen is the length of an encoded conversation whose address
// family byte is family: present, protocol, family, two addresses and two
// ports, direction.
func conversationLen(family byte) int {
	if family == 4 {
		return 3 + 2*(4+2) + 1
	}
	return 3 + 2*(16+2) + 1
}

// maxConversationLen is the longest encoded conversation, of IPv6 addresses.
const maxConversationLen = 3 + 2*(16+2) + 1

// appendConversation encodes the conversation of r and, in its last byte,
// the direction of r: 0 client to server, 1 server to client. Records
// without both addresses have no conversation.
func appendConversation(dst []byte, r *record.Record) []byte {
	if !r.Has(record.SrcAddr) || !r.Has(record.DstAddr) {
		return append(dst, 0)
	}
	c, toServer := conversationOf(r)
	family := byte(6)
	if c.Client.Is4() && c.Server.Is4() {
		family = 4
	}
	dst = append(dst, 1, c.Protocol, family)
	for _, side := range [2]struct {
		a    netip.Addr
		port uint16
	}{{c.Client, c.ClientPort}, {c.Server, c.ServerPort}} {
		if family == 4 {
			b := side.a.As4()
			dst = append(dst, b[:]...)
		} else {
			b := side.a.As16()
			dst = append(dst, b[:]...)
		}
		dst = binary.BigEndian.AppendUint16(dst, side.port)
	}
	if toServer {
		return append(dst, 0)
	}
	return append(dst, 1)
}

func decodeConversation(b []byte) Conversation {
	c := Conversation{Protocol: b[1]}
	family := b[2]
	b = b[3:]
	addr := func() netip.Addr {
		if family == 4 {
			a := netip.AddrFrom4([4]byte(b[:4]))
			b = b[4:]
			return a
		}
		a := netip.AddrFrom16([16]byte(b[:16]))
		b = b[16:]
		return a
	}
	c.Client = addr()
	c.ClientPort = binary.BigEndian.Uint16(b)
	b = b[2:]
	c.Server = addr()
	c.ServerPort = binary.BigEndian.Uint16(b)
	return c
}

func decodeUint64(s string) uint64 { return binary.BigEndian.Uint64([]byte(s)) }

func appendUint64(b []byte, u uint64) []byte { return binary.BigEndian.AppendUint64(b, u) }
