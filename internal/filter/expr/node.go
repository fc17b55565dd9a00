package expr

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowlog/flowlog/internal/record"
)

// node is one compiled piece of an expression. match is the hot path: it
// must not allocate. Every leaf is false when a field it reads is absent.
type node interface {
	match(r *record.Record) bool
	fields() record.FieldSet
	String() string
}

// side says which address or port of a flow a primitive looks at.
type side uint8

const (
	either side = iota
	srcSide
	dstSide
)

func (s side) prefix() string {
	switch s {
	case srcSide:
		return "src "
	case dstSide:
		return "dst "
	}
	return ""
}

type andNode []node

func (n andNode) match(r *record.Record) bool {
	for _, x := range n {
		if !x.match(r) {
			return false
		}
	}
	return true
}

func (n andNode) fields() record.FieldSet { return unionFields(n) }
func (n andNode) String() string          { return joinNodes(n, " and ") }

type orNode []node

func (n orNode) match(r *record.Record) bool {
	for _, x := range n {
		if x.match(r) {
			return true
		}
	}
	return false
}

func (n orNode) fields() record.FieldSet { return unionFields(n) }
func (n orNode) String() string          { return joinNodes(n, " or ") }

func unionFields(ns []node) record.FieldSet {
	var s record.FieldSet
	for _, x := range ns {
		s |= x.fields()
	}
	return s
}

func joinNodes(ns []node, sep string) string {
	parts := make([]string, len(ns))
	for i, x := range ns {
		parts[i] = x.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

type notNode struct{ x node }

func (n notNode) match(r *record.Record) bool { return !n.x.match(r) }
func (n notNode) fields() record.FieldSet     { return n.x.fields() }
func (n notNode) String() string              { return "not " + n.x.String() }

// addrFields is the set of address fields a side reads.
func addrFields(s side) record.FieldSet {
	var f record.FieldSet
	if s != dstSide {
		f = f.With(record.SrcAddr)
	}
	if s != srcSide {
		f = f.With(record.DstAddr)
	}
	return f
}

type hostNode struct {
	side side
	addr netip.Addr
}

func (n *hostNode) match(r *record.Record) bool {
	return n.side != dstSide && r.Present.Has(record.SrcAddr) && r.SrcAddr == n.addr ||
		n.side != srcSide && r.Present.Has(record.DstAddr) && r.DstAddr == n.addr
}

func (n *hostNode) fields() record.FieldSet { return addrFields(n.side) }
func (n *hostNode) String() string          { return n.side.prefix() + "host " + n.addr.String() }

// netNode matches numerically, so 10.1.0.0/15 holds 10.0.x.x and IPv6
// prefixes work; a prefix never holds an address of the other family.
type netNode struct {
	side   side
	prefix netip.Prefix
}

func (n *netNode) match(r *record.Record) bool {
	return n.side != dstSide && r.Present.Has(record.SrcAddr) && n.prefix.Contains(r.SrcAddr) ||
		n.side != srcSide && r.Present.Has(record.DstAddr) && n.prefix.Contains(r.DstAddr)
}

func (n *netNode) fields() record.FieldSet { return addrFields(n.side) }
func (n *netNode) String() string          { return n.side.prefix() + "net " + n.prefix.String() }

// familyNode matches flows of one IP version, by either address.
type familyNode struct{ v6 bool }

func (n familyNode) match(r *record.Record) bool {
	if r.Present.Has(record.SrcAddr) {
		return r.SrcAddr.Is6() == n.v6
	}
	if r.Present.Has(record.DstAddr) {
		return r.DstAddr.Is6() == n.v6
	}
	return false
}

func (n familyNode) fields() record.FieldSet { return addrFields(either) }
func (n familyNode) String() string {
	if n.v6 {
		return "ipv6"
	}
	return "ipv4"
}

// quantity is a number a comparison reads from a record.
type quantity uint8

const (
	qSrcPort quantity = iota
	qDstPort
	qPort // either port: true when the source or the destination port matches
	qProtocol
	qPackets
	qBytes
	qStart
	qEnd
	qDuration // end - start, in seconds
)

func (q quantity) String() string {
	return [...]string{"src port", "dst port", "port", "proto", "packets", "bytes", "start", "end", "duration"}[q]
}

func (q quantity) fields() record.FieldSet {
	var f record.FieldSet
	switch q {
	case qSrcPort:
		f = f.With(record.SrcPort)
	case qDstPort:
		f = f.With(record.DstPort)
	case qPort:
		f = f.With(record.SrcPort).With(record.DstPort)
	case qProtocol:
		f = f.With(record.Protocol)
	case qPackets:
		f = f.With(record.Packets)
	case qBytes:
		f = f.With(record.Bytes)
	case qStart:
		f = f.With(record.Start)
	case qEnd:
		f = f.With(record.End)
	case qDuration:
		f = f.With(record.Start).With(record.End)
	}
	return f
}

// max is the largest value the quantity can hold; a literal above it is a
// mistake the user should hear about.
func (q quantity) max() uint64 {
	switch q {
	case qSrcPort, qDstPort, qPort:
		return 0xffff
	case qProtocol:
		return 0xff
	case qStart, qEnd, qDuration:
		return 1<<63 - 1
	}
	return 1<<64 - 1
}

// value reads q from r. qPort has no single value; callers split it. A
// record whose end is before its start has no duration.
func (q quantity) value(r *record.Record) (uint64, bool) {
	switch q {
	case qSrcPort:
		return uint64(r.SrcPort), r.Present.Has(record.SrcPort)
	case qDstPort:
		return uint64(r.DstPort), r.Present.Has(record.DstPort)
	case qProtocol:
		return uint64(r.Protocol), r.Present.Has(record.Protocol)
	case qPackets:
		return r.Packets, r.Present.Has(record.Packets)
	case qBytes:
		return r.Bytes, r.Present.Has(record.Bytes)
	case qStart:
		return uint64(r.Start), r.Present.Has(record.Start)
	case qEnd:
		return uint64(r.End), r.Present.Has(record.End)
	case qDuration:
		if !r.Present.Has(record.Start) || !r.Present.Has(record.End) || r.End < r.Start {
			return 0, false
		}
		return uint64(r.End - r.Start), true
	}
	return 0, false
}

// format writes a literal of q the way String shows it.
func (q quantity) format(v uint64) string {
	if q == qProtocol {
		if name, ok := protocolName(v); ok {
			return name
		}
	}
	return strconv.FormatUint(v, 10)
}

type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func (o op) String() string { return [...]string{"=", "!=", "<", "<=", ">", ">="}[o] }

func (o op) holds(a, b uint64) bool {
	switch o {
	case opEq:
		return a == b
	case opNe:
		return a != b
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	case opGe:
		return a >= b
	}
	return false
}

type cmpNode struct {
	q  quantity
	op op
	v  uint64
}

func (n *cmpNode) match(r *record.Record) bool {
	if n.q == qPort {
		return n.test(r, qSrcPort) || n.test(r, qDstPort)
	}
	return n.test(r, n.q)
}

func (n *cmpNode) test(r *record.Record, q quantity) bool {
	v, ok := q.value(r)
	return ok && n.op.holds(v, n.v)
}

func (n *cmpNode) fields() record.FieldSet { return n.q.fields() }

func (n *cmpNode) String() string {
	if n.op == opEq {
		switch n.q {
		case qSrcPort, qDstPort, qPort, qProtocol:
			return n.q.String() + " " + n.q.format(n.v)
		}
	}
	return n.q.String() + " " + n.op.String() + " " + n.q.format(n.v)
}

// span is an inclusive range of values; a single value has lo == hi.
type span struct{ lo, hi uint64 }

// inNode matches a value in any of its spans. A port range written on its
// own (port 1000-2000) is an inNode with one span and range set.
type inNode struct {
	q       quantity
	spans   []span
	isRange bool
}

func (n *inNode) match(r *record.Record) bool {
	if n.q == qPort {
		return n.test(r, qSrcPort) || n.test(r, qDstPort)
	}
	return n.test(r, n.q)
}

func (n *inNode) test(r *record.Record, q quantity) bool {
	v, ok := q.value(r)
	if !ok {
		return false
	}
	for _, s := range n.spans {
		if v >= s.lo && v <= s.hi {
			return true
		}
	}
	return false
}

func (n *inNode) fields() record.FieldSet { return n.q.fields() }

func (n *inNode) String() string {
	var b strings.Builder
	b.WriteString(n.q.String())
	if n.isRange {
		b.WriteByte(' ')
		n.writeSpan(&b, n.spans[0])
		return b.String()
	}
	b.WriteString(" in (")
	for i, s := range n.spans {
		if i > 0 {
			b.WriteString(", ")
		}
		n.writeSpan(&b, s)
	}
	b.WriteByte(')')
	return b.String()
}

func (n *inNode) writeSpan(b *strings.Builder, s span) {
	b.WriteString(n.q.format(s.lo))
	if s.lo != s.hi || n.isRange {
		b.WriteByte('-')
		b.WriteString(n.q.format(s.hi))
	}
}

type actionNode struct{ a record.Action }

func (n actionNode) match(r *record.Record) bool {
	return r.Present.Has(record.ActionField) && r.Action == n.a
}

func (n actionNode) fields() record.FieldSet { return record.FieldSet(0).With(record.ActionField) }
func (n actionNode) String() string          { return "action " + strings.ToLower(n.a.String()) }

type statusNode struct{ s record.Status }

func (n statusNode) match(r *record.Record) bool {
	return r.Present.Has(record.LogStatus) && r.Status == n.s
}

func (n statusNode) fields() record.FieldSet { return record.FieldSet(0).With(record.LogStatus) }
func (n statusNode) String() string          { return "status " + strings.ToLower(n.s.String()) }

// idNode compares an identifier field exactly (case matters). The
// conversion in string(b) == s does not allocate.
type idNode struct {
	field record.Field // record.InterfaceID or record.AccountID
	id    string
}

func (n *idNode) match(r *record.Record) bool {
	if !r.Present.Has(n.field) {
		return false
	}
	if n.field == record.InterfaceID {
		return string(r.InterfaceID) == n.id
	}
	return string(r.AccountID) == n.id
}

func (n *idNode) fields() record.FieldSet { return record.FieldSet(0).With(n.field) }

func (n *idNode) String() string {
	name := "account "
	if n.field == record.InterfaceID {
		name = "interface "
	}
	return name + quoteID(n.id)
}

// quoteID writes an identifier bare when it lexes back as one word, and
// quoted otherwise.
func quoteID(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || isSpecial(c) {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}
