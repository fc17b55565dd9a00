package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/record"
)

// Options are what an expression may refer to beyond the record.
type Options struct {
	// Names gives src.label, src.asn, src.as_org and src.country (and
	// dst.*) their values; without it, those fields are an error.
	Names *addrinfo.Names
}

// CompileWith is Compile for expressions that may use names of addresses.
// Such an expression keeps a cache of lookups: give each goroutine its own
// copy with ForWorker.
func CompileWith(src string, opts Options) (*Expr, error) {
	p := &parser{names: opts.Names}
	root, err := p.run(src)
	if err != nil {
		return nil, err
	}
	e := &Expr{root: root, fields: root.fields(), src: src, opts: opts}
	e.perWorker = p.cache != nil
	return e, nil
}

// Matcher is what a query filters records with: the same type as
// query.Matcher (an alias of the same interface literal), which this
// package cannot import.
type Matcher = interface {
	Match(r *record.Record) bool
	Fields() record.FieldSet
}

// ForWorker returns an expression for one goroutine: the same expression
// when it looks no names up, else a copy with a cache of its own. It makes
// an Expr a query.PerWorker, so each worker of a query gets its own.
func (e *Expr) ForWorker() Matcher {
	if !e.perWorker {
		return e
	}
	c, err := CompileWith(e.src, e.opts)
	if err != nil {
		panic("expr: an expression that compiled once fails again: " + err.Error())
	}
	return c
}

// derivedNode compares a name of an address (src.asn = 3320, dst.label in
// (office, pods)); an address without the name matches nothing, "!="
// included, like NULL in SQL.
type derivedNode struct {
	field addrinfo.Field
	neg   bool // "!=": none of the values
	nums  []uint64
	texts []string // as_org: compared ignoring case; label and country: exact
	cache *addrinfo.Cache
}

func (n *derivedNode) match(r *record.Record) bool {
	f := record.SrcAddr
	a := r.SrcAddr
	if n.field.Side == addrinfo.Dst {
		f, a = record.DstAddr, r.DstAddr
	}
	if !r.Present.Has(f) {
		return false
	}
	info := n.cache.Lookup(a)
	switch n.field.Attr {
	case addrinfo.ASN:
		if info.ASN == 0 {
			return false
		}
		for _, v := range n.nums {
			if uint64(info.ASN) == v {
				return !n.neg
			}
		}
	case addrinfo.Label:
		if info.Label == 0 {
			return false
		}
		for _, v := range n.nums {
			if uint64(info.Label) == v {
				return !n.neg
			}
		}
	case addrinfo.Country:
		if info.Country == [2]byte{} {
			return false
		}
		for _, v := range n.texts {
			if v[0] == info.Country[0] && v[1] == info.Country[1] {
				return !n.neg
			}
		}
	case addrinfo.ASOrg:
		org := n.cache.Org(info)
		if org == "" {
			return false
		}
		for _, v := range n.texts {
			if strings.EqualFold(org, v) {
				return !n.neg
			}
		}
	}
	return n.neg
}

func (n *derivedNode) fields() record.FieldSet {
	if n.field.Side == addrinfo.Dst {
		return record.FieldSet(0).With(record.DstAddr)
	}
	return record.FieldSet(0).With(record.SrcAddr)
}

func (n *derivedNode) String() string {
	var vals []string
	switch n.field.Attr {
	case addrinfo.ASN:
		for _, v := range n.nums {
			vals = append(vals, strconv.FormatUint(v, 10))
		}
	case addrinfo.Label:
		for _, v := range n.nums {
			vals = append(vals, quoteID(n.cache.Names().LabelName(uint16(v))))
		}
	default:
		for _, v := range n.texts {
			vals = append(vals, quoteID(v))
		}
	}
	op := " = "
	if n.neg {
		op = " != "
	}
	if len(vals) == 1 {
		return n.field.String() + op + vals[0]
	}
	if n.neg {
		return "not " + n.field.String() + " in (" + strings.Join(vals, ", ") + ")"
	}
	return n.field.String() + " in (" + strings.Join(vals, ", ") + ")"
}

// parseDerived parses what follows a name of an address: "= V", "!= V" or
// "in (V, ...)".
func (p *parser) parseDerived(t token, f addrinfo.Field) node {
	if err := p.names.Supports(f); err != nil {
		p.failAt(t, "%v", err)
	}
	p.next()
	if p.cache == nil {
		p.cache = p.names.NewCache()
	}
	n := &derivedNode{field: f, cache: p.cache}
	op := p.peek()
	var vals []token
	switch {
	case isWord(op, "in"):
		p.next()
		if p.peek().kind != tLParen {
			p.expected(`"("`)
		}
		open := p.next()
	list:
		for {
			vals = append(vals, p.derivedValue(f))
			switch t := p.peek(); t.kind {
			case tComma:
				p.next()
				continue
			case tRParen:
				p.next()
				break list
			case tEOF:
				p.failAt(open, "unbalanced parenthesis: this \"(\" is not closed")
			default:
				p.expected(`"," or ")"`)
			}
		}
	case op.kind == tOp && (op.text == "=" || op.text == "==" || op.text == "!="):
		p.next()
		n.neg = op.text == "!="
		vals = append(vals, p.derivedValue(f))
	default:
		p.expected(`"=", "!=" or "in"`)
	}
	for _, v := range vals {
		switch f.Attr {
		case addrinfo.ASN:
			s := strings.TrimPrefix(strings.ToUpper(v.text), "AS")
			asn, err := strconv.ParseUint(s, 10, 32)
			if err != nil || asn == 0 {
				p.failAt(v, "invalid AS number %s: want a number such as 3320 or AS3320", v.describe())
			}
			n.nums = append(n.nums, asn)
		case addrinfo.Label:
			i, ok := p.names.LabelIndex(v.text)
			if !ok {
				p.failAt(v, "unknown label %s: the config file defines %s", v.describe(), strings.Join(p.names.Labels(), ", "))
			}
			n.nums = append(n.nums, uint64(i))
		case addrinfo.Country:
			if len(v.text) != 2 || !isLetters(v.text) {
				p.failAt(v, "invalid country %s: want a two-letter ISO 3166 code such as DE", v.describe())
			}
			n.texts = append(n.texts, strings.ToUpper(v.text))
		case addrinfo.ASOrg:
			if v.text == "" {
				p.failAt(v, "empty organisation")
			}
			n.texts = append(n.texts, v.text)
		}
	}
	return n
}

func (p *parser) derivedValue(f addrinfo.Field) token {
	t := p.peek()
	if t.kind != tWord && t.kind != tString {
		p.expected(fmt.Sprintf("a value of %s", f))
	}
	p.next()
	return t
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
