package expr

import (
	"net/netip"

	"github.com/flowlog/flowlog/internal/record"
)

// Node is one piece of a compiled expression as a translator sees it: an
// exported, read-only copy of the tree Match runs, for code that speaks
// another language (internal/sqlgen writes SQL from it). Every leaf is
// false when a field it reads is absent, as in Match.
type Node interface{ exprNode() }

// And holds when every part holds; Or when any part does.
type (
	And []Node
	Or  []Node
)

// Not holds when X does not; X false for an absent field makes Not true.
type Not struct{ X Node }

// Side says which address or port of a flow a term looks at.
type Side uint8

const (
	Either Side = iota // the source or the destination
	Src
	Dst
)

// Host holds when the side's address is Addr (an IPv4 address never equals
// an IPv6 one, mapped or not).
type Host struct {
	Side Side
	Addr netip.Addr
}

// Net holds when the side's address lies in Prefix, numerically; a prefix
// never holds an address of the other family.
type Net struct {
	Side   Side
	Prefix netip.Prefix
}

// Family holds for flows of one IP version: by the source address when it
// is present, else by the destination address.
type Family struct{ V6 bool }

// Quantity is a number a comparison reads from a record.
type Quantity string

const (
	SrcPort  Quantity = "srcport"
	DstPort  Quantity = "dstport"
	Port     Quantity = "port" // either port: holds when one of them does
	Protocol Quantity = "protocol"
	Packets  Quantity = "packets"
	Bytes    Quantity = "bytes"
	Start    Quantity = "start"
	End      Quantity = "end"
	Duration Quantity = "duration" // end - start in seconds; none when end < start
)

// Op is a comparison operator: =, !=, <, <=, > or >=.
type Op string

// Compare holds when Quantity Op Value.
type Compare struct {
	Quantity Quantity
	Op       Op
	Value    uint64
}

// Span is an inclusive range of values; a single value has Lo == Hi.
type Span struct{ Lo, Hi uint64 }

// In holds when Quantity lies in one of Spans.
type In struct {
	Quantity Quantity
	Spans    []Span
}

// ActionTerm holds for records with this firewall verdict.
type ActionTerm struct{ Action record.Action }

// StatusTerm holds for records with this log status.
type StatusTerm struct{ Status record.Status }

// IDTerm holds when Field (record.InterfaceID or record.AccountID) is ID
// exactly.
type IDTerm struct {
	Field record.Field
	ID    string
}

// Unknown is a term this view does not describe yet; Term is its text, so
// a translator can name what it cannot translate.
type Unknown struct{ Term string }

func (And) exprNode()        {}
func (Or) exprNode()         {}
func (Not) exprNode()        {}
func (Host) exprNode()       {}
func (Net) exprNode()        {}
func (Family) exprNode()     {}
func (Compare) exprNode()    {}
func (In) exprNode()         {}
func (ActionTerm) exprNode() {}
func (StatusTerm) exprNode() {}
func (IDTerm) exprNode()     {}
func (Unknown) exprNode()    {}

// Tree returns the expression as Nodes.
func (e *Expr) Tree() Node { return tree(e.root) }

func tree(n node) Node {
	switch n := n.(type) {
	case andNode:
		out := make(And, len(n))
		for i, x := range n {
			out[i] = tree(x)
		}
		return out
	case orNode:
		out := make(Or, len(n))
		for i, x := range n {
			out[i] = tree(x)
		}
		return out
	case notNode:
		return Not{tree(n.x)}
	case *hostNode:
		return Host{Side: exportSide(n.side), Addr: n.addr}
	case *netNode:
		return Net{Side: exportSide(n.side), Prefix: n.prefix}
	case familyNode:
		return Family{V6: n.v6}
	case *cmpNode:
		if q, ok := exportQuantity(n.q); ok {
			return Compare{Quantity: q, Op: Op(n.op.String()), Value: n.v}
		}
	case *inNode:
		if q, ok := exportQuantity(n.q); ok {
			spans := make([]Span, len(n.spans))
			for i, s := range n.spans {
				spans[i] = Span{Lo: s.lo, Hi: s.hi}
			}
			return In{Quantity: q, Spans: spans}
		}
	case actionNode:
		return ActionTerm{Action: n.a}
	case statusNode:
		return StatusTerm{Status: n.s}
	case *idNode:
		return IDTerm{Field: n.field, ID: n.id}
	}
	return Unknown{Term: n.String()}
}

func exportSide(s side) Side {
	switch s {
	case srcSide:
		return Src
	case dstSide:
		return Dst
	}
	return Either
}

func exportQuantity(q quantity) (Quantity, bool) {
	switch q {
	case qSrcPort:
		return SrcPort, true
	case qDstPort:
		return DstPort, true
	case qPort:
		return Port, true
	case qProtocol:
		return Protocol, true
	case qPackets:
		return Packets, true
	case qBytes:
		return Bytes, true
	case qStart:
		return Start, true
	case qEnd:
		return End, true
	case qDuration:
		return Duration, true
	}
	return "", false
}
