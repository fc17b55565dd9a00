package expr

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/flowlog/flowlog/internal/record"
)

// Field is a named value of a record that an expression can test with the
// generic terms below, rather than with a term of its own in the grammar:
// the fields of AWS custom formats (vpc_id, tcp_flags, pkt_srcaddr, …),
// and values other packages derive from a record. Its Kind decides the
// terms it takes:
//
//	text     NAME VALUE, NAME = VALUE, NAME != VALUE, NAME in (V1, V2)
//	number   NAME = N, NAME != N, <, <=, >, >=, NAME in (N, N-M)
//	address  NAME host ADDR, NAME net CIDR, NAME ADDR, NAME CIDR
//
// A term is false when the value is absent (get reports false), as every
// term on a "-" field is.
type Field struct {
	Name  string          // as written in expressions; "-" and "_" are the same
	Kind  record.Kind     // record.KindText, KindNumber or KindAddr
	Needs record.FieldSet // the record fields the value is read from
	Max   uint64          // the largest number a KindNumber field holds

	// The value of a record, by kind: only the one for Kind is called.
	Text   func(r *record.Record) ([]byte, bool)
	Number func(r *record.Record) (uint64, bool)
	Addr   func(r *record.Record) (netip.Addr, bool)
}

// fields are the Fields expressions know, by normalised name.
var fields = map[string]*Field{}

// normalName folds a field name for lookup: ASCII lower case, "-" as "_".
func normalName(name string) string {
	return strings.ReplaceAll(lower(name), "-", "_")
}

// RegisterField makes a Field known to expressions under its name and the
// aliases given. It is meant for package initialisation or program start,
// before expressions are compiled; a name already known (a term's keyword,
// or another Field's) panics, as a programming mistake.
func RegisterField(f *Field, aliases ...string) {
	for _, name := range append([]string{f.Name}, aliases...) {
		n := normalName(name)
		if _, ok := fields[n]; ok || isTermKeyword(n) {
			panic("expr: field " + strconv.Quote(name) + " registered twice")
		}
		fields[n] = f
	}
}

// LookupField returns the Field known by name, in either spelling.
func LookupField(name string) (*Field, bool) {
	f, ok := fields[normalName(name)]
	return f, ok
}

// fieldNames lists the names of the Fields, sorted, for suggestions.
func fieldNames() []string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func isTermKeyword(w string) bool {
	for _, k := range termKeywords {
		if k == w {
			return true
		}
	}
	return false
}

// RecordField returns the Field that reads record field f.
func RecordField(f record.Field) *Field {
	fd := &Field{Name: f.String(), Kind: f.Kind(), Needs: record.FieldSet(0).With(f), Max: f.Max()}
	switch f.Kind() {
	case record.KindAddr:
		fd.Addr = func(r *record.Record) (netip.Addr, bool) { return r.Addr(f) }
	case record.KindNumber, record.KindTime:
		fd.Kind = record.KindNumber
		fd.Number = func(r *record.Record) (uint64, bool) { return r.Uint(f) }
	default:
		fd.Kind = record.KindText
		fd.Text = func(r *record.Record) ([]byte, bool) {
			b := r.Text(f)
			return b, r.Has(f)
		}
	}
	return fd
}

// The fields of AWS custom formats, which have no words of their own in
// the grammar.
func init() {
	for f := record.Field(record.NumFields); int(f) < record.NumKnownFields; f++ {
		var aliases []string
		switch f {
		case record.PktSrcAddr:
			aliases = []string{"pkt_src"}
		case record.PktDstAddr:
			aliases = []string{"pkt_dst"}
		case record.TCPFlags:
			aliases = []string{"tcpflags"}
		}
		RegisterField(RecordField(f), aliases...)
	}
}

// parseFieldTerm parses what follows the name of Field fd.
func (p *parser) parseFieldTerm(fd *Field) node {
	switch fd.Kind {
	case record.KindAddr:
		return p.parseFieldAddr(fd)
	case record.KindNumber:
		return p.parseFieldNumber(fd)
	}
	return p.parseFieldText(fd)
}

func (p *parser) parseFieldText(fd *Field) node {
	t := p.peek()
	n := &textNode{fd: fd}
	switch {
	case isWord(t, "in"):
		p.next()
		open := p.peek()
		if open.kind != tLParen {
			p.expected(`"("`)
		}
		p.next()
		for {
			n.values = append(n.values, p.textValue(fd))
			switch t := p.peek(); t.kind {
			case tComma:
				p.next()
				continue
			case tRParen:
				p.next()
				n.list = true
				return n
			case tEOF:
				p.failAt(open, "unbalanced parenthesis: this \"(\" is not closed")
			}
			p.expected(`"," or ")"`)
		}
	case t.kind == tOp:
		switch t.text {
		case "=", "==":
		case "!=":
			n.negate = true
		default:
			p.fail("%s takes =, != or in, not %s", fd.Name, t.describe())
		}
		p.next()
	}
	n.values = []string{p.textValue(fd)}
	return n
}

// textValue reads one value of a text field: a word or a quoted string.
func (p *parser) textValue(fd *Field) string {
	t := p.peek()
	if t.kind != tWord && t.kind != tString {
		p.expected("a value of " + fd.Name)
	}
	if t.text == "" {
		p.fail("empty value of %s", fd.Name)
	}
	p.next()
	return t.text
}

func (p *parser) parseFieldNumber(fd *Field) node {
	t := p.peek()
	var o op
	switch {
	case isWord(t, "in"):
		p.next()
		open := p.peek()
		if open.kind != tLParen {
			p.expected(`"("`)
		}
		p.next()
		n := &numInNode{fd: fd}
		for {
			n.spans = append(n.spans, p.numberSpan(fd))
			switch t := p.peek(); t.kind {
			case tComma:
				p.next()
				continue
			case tRParen:
				p.next()
				return n
			case tEOF:
				p.failAt(open, "unbalanced parenthesis: this \"(\" is not closed")
			}
			p.expected(`"," or ")"`)
		}
	case t.kind == tOp:
		p.next()
		switch t.text {
		case "=", "==":
			o = opEq
		case "!=":
			o = opNe
		case "<":
			o = opLt
		case "<=":
			o = opLe
		case ">":
			o = opGt
		case ">=":
			o = opGe
		}
	}
	return &numCmpNode{fd: fd, op: o, v: p.number(fd)}
}

// number reads one number of fd.
func (p *parser) number(fd *Field) uint64 {
	t := p.peek()
	if t.kind != tWord {
		p.expected("a number")
	}
	v, ok, why := parseBounded(t.text, t.text, 1, fd.Max, fd.Name)
	if !ok {
		if why != "" {
			p.fail("%s", why)
		}
		p.expected("a number")
	}
	p.next()
	return v
}

// numberSpan reads a number or a range N-M of fd.
func (p *parser) numberSpan(fd *Field) span {
	t := p.peek()
	if t.kind == tWord {
		if lo, hi, ok := strings.Cut(t.text, "-"); ok && isDigits(lo) && isDigits(hi) {
			a, aok, why := parseBounded(lo, lo, 1, fd.Max, fd.Name)
			b, bok, why2 := parseBounded(hi, hi, 1, fd.Max, fd.Name)
			switch {
			case !aok:
				p.fail("%s", why)
			case !bok:
				p.fail("%s", why2)
			case a > b:
				p.fail("empty range %s (the lower bound comes first)", t.describe())
			}
			p.next()
			return span{a, b}
		}
	}
	v := p.number(fd)
	return span{v, v}
}

func (p *parser) parseFieldAddr(fd *Field) node {
	t := p.peek()
	switch {
	case isWord(t, "host", "ip"):
		p.next()
		a := p.addr()
		return &addrFieldNode{fd: fd, prefix: netip.PrefixFrom(a, a.BitLen()), host: true}
	case isWord(t, "net"):
		p.next()
		return &addrFieldNode{fd: fd, prefix: p.prefix()}
	case t.kind == tWord && strings.Contains(t.text, "/"):
		return &addrFieldNode{fd: fd, prefix: p.prefix()}
	case t.kind == tWord && strings.ContainsAny(t.text, ".:"):
		a := p.addr()
		return &addrFieldNode{fd: fd, prefix: netip.PrefixFrom(a, a.BitLen()), host: true}
	}
	p.expected(`an address, a network, "host" or "net"`)
	return nil
}

// textNode matches a text Field equal (case matters) to one of its values,
// or with negate to none of them.
type textNode struct {
	fd     *Field
	values []string
	negate bool
	list   bool // written with "in"
}

func (n *textNode) match(r *record.Record) bool {
	b, ok := n.fd.Text(r)
	if !ok {
		return false
	}
	for _, v := range n.values {
		if string(b) == v {
			return !n.negate
		}
	}
	return n.negate
}

func (n *textNode) fields() record.FieldSet { return n.fd.Needs }

func (n *textNode) String() string {
	if n.list {
		quoted := make([]string, len(n.values))
		for i, v := range n.values {
			quoted[i] = quoteID(v)
		}
		return n.fd.Name + " in (" + strings.Join(quoted, ", ") + ")"
	}
	o := " = "
	if n.negate {
		o = " != "
	}
	return n.fd.Name + o + quoteID(n.values[0])
}

// numCmpNode compares a number Field with a value.
type numCmpNode struct {
	fd *Field
	op op
	v  uint64
}

func (n *numCmpNode) match(r *record.Record) bool {
	v, ok := n.fd.Number(r)
	return ok && n.op.holds(v, n.v)
}

func (n *numCmpNode) fields() record.FieldSet { return n.fd.Needs }
func (n *numCmpNode) String() string {
	return n.fd.Name + " " + n.op.String() + " " + strconv.FormatUint(n.v, 10)
}

// numInNode matches a number Field in any of its spans.
type numInNode struct {
	fd    *Field
	spans []span
}

func (n *numInNode) match(r *record.Record) bool {
	v, ok := n.fd.Number(r)
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

func (n *numInNode) fields() record.FieldSet { return n.fd.Needs }

func (n *numInNode) String() string {
	parts := make([]string, len(n.spans))
	for i, s := range n.spans {
		parts[i] = strconv.FormatUint(s.lo, 10)
		if s.hi != s.lo {
			parts[i] += "-" + strconv.FormatUint(s.hi, 10)
		}
	}
	return n.fd.Name + " in (" + strings.Join(parts, ", ") + ")"
}

// addrFieldNode matches an address Field in a prefix, numerically, as
// netNode does; host is a prefix of one address.
type addrFieldNode struct {
	fd     *Field
	prefix netip.Prefix
	host   bool
}

func (n *addrFieldNode) match(r *record.Record) bool {
	a, ok := n.fd.Addr(r)
	return ok && n.prefix.Contains(a)
}

func (n *addrFieldNode) fields() record.FieldSet { return n.fd.Needs }

func (n *addrFieldNode) String() string {
	if n.host {
		return n.fd.Name + " host " + n.prefix.Addr().String()
	}
	return n.fd.Name + " net " + n.prefix.String()
}
