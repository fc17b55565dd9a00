package expr

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/flowlog/flowlog/internal/record"
)

// maxDepth bounds nesting of parentheses and "not", so that a hostile or
// generated expression cannot recurse without limit.
const maxDepth = 100

// termKeywords are the words that can start a term, offered as
// suggestions for a misspelt one.
var termKeywords = []string{
	"src", "dst", "host", "ip", "net", "port", "portrange",
	"srcport", "sport", "dstport", "dport", "proto", "protocol",
	"packets", "bytes", "start", "end", "duration",
	"tcp", "udp", "icmp", "icmpv6", "ipv4", "ipv6",
	"action", "accept", "accepted", "reject", "rejected",
	"status", "log_status", "interface", "account", "icmp6",
}

// fieldNameTerms maps the record's field names (as --fields spells them)
// that are not terms to the term that filters on that field.
var fieldNameTerms = map[string]string{
	"srcaddr": "src", "dstaddr": "dst", "source": "src", "destination": "dst",
	"src_port": "srcport", "dst_port": "dstport", "src-port": "srcport", "dst-port": "dstport",
	"account_id": "account", "account-id": "account",
	"interface_id": "interface", "interface-id": "interface", "log-status": "status",
}

// parser is a recursive-descent parser over the tokens of one expression.
// A syntax error unwinds it by panicking with *SyntaxError; parse recovers.
type parser struct {
	src   string
	toks  []token
	pos   int
	depth int
}

func parse(src string) (root node, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{src: src, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			serr, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			root, err = nil, serr
		}
	}()
	if p.peek().kind == tEOF {
		p.failAt(token{}, "empty expression")
	}
	root = p.parseOr()
	switch t := p.peek(); t.kind {
	case tEOF:
	case tRParen:
		p.failAt(t, "unbalanced parenthesis: no \"(\" to close")
	default:
		p.expectedOperator(`"and" or "or"`)
	}
	return root, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// prev is the last token consumed.
func (p *parser) prev() token {
	if p.pos == 0 {
		return token{}
	}
	return p.toks[p.pos-1]
}

// failAt stops the parse with an error at token t.
func (p *parser) failAt(t token, format string, args ...any) {
	panic(&SyntaxError{Pos: column(p.src, t.off), Msg: fmt.Sprintf(format, args...), Src: p.src})
}

// fail stops the parse with an error at the next token.
func (p *parser) fail(format string, args ...any) {
	p.failAt(p.peek(), format, args...)
}

// expected stops the parse: the next token is not what was wanted.
func (p *parser) expected(what string) {
	if p.pos == 0 {
		p.fail("expected %s, found %s", what, p.peek().describe())
	}
	p.fail("expected %s after %s, found %s", what, p.prev().describe(), p.peek().describe())
}

// expectedOperator stops the parse at a token that cannot follow a
// complete term. Two terms side by side get a hint, since tcpdump would
// have read an "and" between them.
func (p *parser) expectedOperator(what string) {
	hint := ""
	if startsTerm(p.peek()) {
		hint = " (terms are not joined implicitly)"
	}
	p.fail("expected %s after %s, found %s%s", what, p.prev().describe(), p.peek().describe(), hint)
}

func (p *parser) enter(t token) {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(t, "expression nested too deeply (more than %d levels)", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func isWord(t token, words ...string) bool {
	if t.kind != tWord {
		return false
	}
	w := lower(t.text)
	for _, x := range words {
		if w == x {
			return true
		}
	}
	return false
}

func isAnd(t token) bool { return t.kind == tAnd || isWord(t, "and") }
func isOr(t token) bool  { return t.kind == tOr || isWord(t, "or") }
func isNot(t token) bool { return t.kind == tNot || isWord(t, "not") }

// startsTerm reports whether t could begin a term, to explain that two
// terms side by side need an "and".
func startsTerm(t token) bool {
	if t.kind == tWord {
		if _, ok := LookupField(t.text); ok {
			return true
		}
	}
	return t.kind == tLParen || isNot(t) || t.kind == tWord && slices.Contains(termKeywords, lower(t.text))
}

// or = and { ("or" | "||") and }
func (p *parser) parseOr() node {
	list := []node{p.parseAnd()}
	for isOr(p.peek()) {
		p.next()
		list = append(list, p.parseAnd())
	}
	if len(list) == 1 {
		return list[0]
	}
	return orNode(list)
}

// and = unary { ("and" | "&&") unary }
func (p *parser) parseAnd() node {
	list := []node{p.parseUnary()}
	for isAnd(p.peek()) {
		p.next()
		list = append(list, p.parseUnary())
	}
	if len(list) == 1 {
		return list[0]
	}
	return andNode(list)
}

// unary = ("not" | "!") unary | "(" or ")" | term
func (p *parser) parseUnary() node {
	t := p.peek()
	switch {
	case isNot(t):
		p.next()
		p.enter(t)
		x := p.parseUnary()
		p.leave()
		return notNode{x}
	case t.kind == tLParen:
		p.next()
		p.enter(t)
		x := p.parseOr()
		switch p.peek().kind {
		case tRParen:
			p.next()
		case tEOF:
			p.failAt(t, "unbalanced parenthesis: this \"(\" is not closed")
		default:
			p.expectedOperator(`"and", "or" or ")"`)
		}
		p.leave()
		return x
	case t.kind == tWord && !isAnd(t) && !isOr(t) && !isWord(t, "in"):
		return p.parseTerm(t)
	case t.kind == tRParen && p.depth == 0:
		p.failAt(t, "unbalanced parenthesis: no \"(\" to close")
	}
	p.expected("a filter term")
	return nil
}

// parseTerm parses the term that starts with the word t, the next token.
func (p *parser) parseTerm(t token) node {
	w := lower(t.text)
	if !slices.Contains(termKeywords, w) {
		if fd, ok := LookupField(w); ok {
			p.next()
			return p.parseFieldTerm(fd)
		}
		p.unknownTerm(t)
	}
	p.next()
	switch w {
	case "src":
		return p.parseDirected(srcSide)
	case "dst":
		return p.parseDirected(dstSide)
	case "host", "ip":
		return p.parseHost(either)
	case "net":
		return p.parseNet(either)
	case "port":
		return p.parsePort(either)
	case "portrange":
		return p.parsePortRange(either)
	case "srcport", "sport":
		return p.parseComparison(qSrcPort)
	case "dstport", "dport":
		return p.parseComparison(qDstPort)
	case "proto", "protocol":
		return p.parseProtocol()
	case "packets":
		return p.parseComparison(qPackets)
	case "bytes":
		return p.parseComparison(qBytes)
	case "start":
		return p.parseComparison(qStart)
	case "end":
		return p.parseComparison(qEnd)
	case "duration":
		return p.parseComparison(qDuration)
	case "tcp", "udp", "icmp", "icmpv6", "icmp6":
		return &cmpNode{q: qProtocol, op: opEq, v: protocolNames[w]}
	case "ipv4":
		return familyNode{v6: false}
	case "ipv6":
		return familyNode{v6: true}
	case "accept", "accepted":
		return actionNode{record.Accept}
	case "reject", "rejected":
		return actionNode{record.Reject}
	case "action":
		return p.parseAction()
	case "status", "log_status":
		return p.parseStatus()
	case "interface":
		return p.parseID(record.InterfaceID, "an interface ID")
	case "account":
		return p.parseID(record.AccountID, "an account ID")
	}
	panic("unreachable: term keyword " + w + " has no case")
}

func (p *parser) unknownTerm(t token) {
	w := t.text
	if a, err := netip.ParseAddr(w); err == nil && a.Zone() == "" {
		p.failAt(t, "found address %s without a keyword (write \"host %s\")", t.describe(), a)
	}
	if n, err := netip.ParsePrefix(w); err == nil {
		p.failAt(t, "found network %s without a keyword (write \"net %s\")", t.describe(), n.Masked())
	}
	if w[0] >= '0' && w[0] <= '9' {
		p.expected("a filter term")
	}
	if _, ok := portNames[lower(w)]; ok {
		p.fail("found port name %s without a keyword (write \"port %s\")", t.describe(), lower(w))
	}
	if s, ok := fieldNameTerms[lower(w)]; ok {
		p.fail("unknown field %s (did you mean %q?)", t.describe(), s)
	}
	if s, ok := suggest(w, append(slices.Clone(termKeywords), fieldNames()...)); ok {
		p.fail("unknown field %s (did you mean %q?)", t.describe(), s)
	}
	p.fail("unknown field %s", t.describe())
}

// parseDirected parses what follows "src" or "dst": host, net, port,
// portrange, or an address or network on its own.
func (p *parser) parseDirected(s side) node {
	t := p.peek()
	switch {
	case isWord(t, "host", "ip"):
		p.next()
		return p.parseHost(s)
	case isWord(t, "net"):
		p.next()
		return p.parseNet(s)
	case isWord(t, "port"):
		p.next()
		return p.parsePort(s)
	case isWord(t, "portrange"):
		p.next()
		return p.parsePortRange(s)
	case t.kind == tWord:
		if strings.Contains(t.text, "/") {
			return &netNode{side: s, prefix: p.prefix()}
		}
		if strings.ContainsAny(t.text, ".:") {
			return &hostNode{side: s, addr: p.addr()}
		}
	}
	p.expected(`an address, a network, "host", "net" or "port"`)
	return nil
}

func (p *parser) parseHost(s side) node { return &hostNode{side: s, addr: p.addr()} }
func (p *parser) parseNet(s side) node  { return &netNode{side: s, prefix: p.prefix()} }

// addr reads an IPv4 or IPv6 address.
func (p *parser) addr() netip.Addr {
	t := p.peek()
	if t.kind != tWord {
		p.expected("an address")
	}
	if strings.Contains(t.text, "/") {
		if _, err := netip.ParsePrefix(t.text); err == nil {
			p.fail(`expected an address after %s, found network %s (use "net")`, p.prev().describe(), t.describe())
		}
	}
	a, err := netip.ParseAddr(t.text)
	if err != nil {
		if !strings.ContainsAny(t.text, ".:") {
			p.expected("an address")
		}
		p.fail("invalid address %s: %s", t.describe(), netipReason(err))
	}
	if a.Zone() != "" {
		p.fail("address %s has a zone, which flow logs never record", t.describe())
	}
	p.next()
	return a
}

// prefix reads a network in CIDR notation, or an address as a network of
// one. Host bits are masked off: 10.1.2.3/8 is 10.0.0.0/8.
func (p *parser) prefix() netip.Prefix {
	t := p.peek()
	if t.kind != tWord {
		p.expected("a network")
	}
	if !strings.Contains(t.text, "/") {
		if !strings.ContainsAny(t.text, ".:") {
			p.expected("a network")
		}
		a := p.addr()
		return netip.PrefixFrom(a, a.BitLen())
	}
	n, err := netip.ParsePrefix(t.text)
	if err != nil {
		p.fail("invalid network %s: %s", t.describe(), netipReason(err))
	}
	p.next()
	return n.Masked()
}

// netipReason drops the echo of the input that netip puts before its
// reason.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}

// parsePort parses what follows "port": a comparison, a list, a range or a
// single port.
func (p *parser) parsePort(s side) node {
	q := [...]quantity{either: qPort, srcSide: qSrcPort, dstSide: qDstPort}[s]
	t := p.peek()
	switch {
	case t.kind == tOp:
		if s == either && t.text == "!=" {
			p.fail(`"port !=" is ambiguous without src or dst (write "not port N" or "src port != N")`)
		}
		return p.parseComparison(q)
	case isWord(t, "in"):
		return p.parseComparison(q)
	}
	sp, isRange := p.span(q)
	if isRange {
		return &inNode{q: q, spans: []span{sp}, isRange: true}
	}
	return &cmpNode{q: q, op: opEq, v: sp.lo}
}

func (p *parser) parsePortRange(s side) node {
	q := [...]quantity{either: qPort, srcSide: qSrcPort, dstSide: qDstPort}[s]
	t := p.peek()
	if t.kind != tWord || !strings.Contains(t.text, "-") {
		p.expected("a port range N-M")
	}
	sp, isRange := p.span(q)
	if !isRange {
		p.failAt(t, "expected a port range N-M after \"portrange\", found %s", t.describe())
	}
	return &inNode{q: q, spans: []span{sp}, isRange: true}
}

// parseProtocol parses what follows "proto": a comparison, a list, or a
// protocol on its own.
func (p *parser) parseProtocol() node {
	t := p.peek()
	if t.kind == tOp || isWord(t, "in") {
		return p.parseComparison(qProtocol)
	}
	return &cmpNode{q: qProtocol, op: opEq, v: p.value(qProtocol)}
}

// parseComparison parses "OP value" or "in (items)" after a field.
func (p *parser) parseComparison(q quantity) node {
	t := p.peek()
	if isWord(t, "in") {
		p.next()
		return p.parseList(q)
	}
	if t.kind != tOp {
		p.expected(`a comparison operator or "in"`)
	}
	p.next()
	var o op
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
	return &cmpNode{q: q, op: o, v: p.value(q)}
}

// parseList parses "(item, item, ...)" where an item is a value or a range.
func (p *parser) parseList(q quantity) node {
	open := p.peek()
	if open.kind != tLParen {
		p.expected(`"("`)
	}
	p.next()
	var spans []span
	for {
		sp, _ := p.span(q)
		spans = append(spans, sp)
		switch t := p.peek(); t.kind {
		case tComma:
			p.next()
			continue
		case tRParen:
			p.next()
			return &inNode{q: q, spans: spans}
		case tEOF:
			p.failAt(open, "unbalanced parenthesis: this \"(\" is not closed")
		}
		p.expected(`"," or ")"`)
	}
}

// value reads one literal of q.
func (p *parser) value(q quantity) uint64 {
	t := p.peek()
	if t.kind != tWord {
		p.expected(q.expectation())
	}
	v, ok, why := parseValue(q, t.text)
	if !ok {
		p.valueError(q, t, why)
	}
	p.next()
	return v
}

func (p *parser) valueError(q quantity, t token, why string) {
	if why != "" {
		p.fail("%s", why)
	}
	// Sorted, so that the first of equally close names does not depend on
	// map order.
	var kind string
	var names []string
	switch q {
	case qProtocol:
		kind, names = "protocol", slices.Sorted(maps.Keys(protocolNames))
	case qPort, qSrcPort, qDstPort:
		kind, names = "port name", slices.Sorted(maps.Keys(portNames))
	}
	if s, ok := suggest(t.text, names); ok && !isDigits(t.text) {
		p.fail("unknown %s %s (did you mean %q?)", kind, t.describe(), s)
	}
	p.expected(q.expectation())
}

// span reads a value or a range "lo-hi". A range splits at a '-' only when
// the word as a whole is not a value, so that 2020-04-27 is a time.
func (p *parser) span(q quantity) (span, bool) {
	t := p.peek()
	if t.kind != tWord {
		p.expected(q.expectation())
	}
	v, ok, why := parseValue(q, t.text)
	if ok {
		p.next()
		return span{v, v}, false
	}
	for i := 1; i < len(t.text)-1; i++ {
		if t.text[i] != '-' {
			continue
		}
		lo, lok, lwhy := parseValue(q, t.text[:i])
		hi, hok, hwhy := parseValue(q, t.text[i+1:])
		if lok && hok {
			if lo > hi {
				p.fail("empty range %s (the lower bound comes first)", t.describe())
			}
			p.next()
			return span{lo, hi}, true
		}
		if why == "" {
			why = lwhy
		}
		if why == "" {
			why = hwhy
		}
	}
	p.valueError(q, t, why)
	return span{}, false
}

func (p *parser) parseAction() node {
	t := p.peek()
	switch {
	case isWord(t, "accept", "accepted"):
		p.next()
		return actionNode{record.Accept}
	case isWord(t, "reject", "rejected"):
		p.next()
		return actionNode{record.Reject}
	}
	p.expected(`"accept" or "reject"`)
	return nil
}

func (p *parser) parseStatus() node {
	t := p.peek()
	var s record.Status
	switch {
	case isWord(t, "ok"):
		s = record.OK
	case isWord(t, "nodata"):
		s = record.NoData
	case isWord(t, "skipdata"):
		s = record.SkipData
	default:
		p.expected(`"ok", "nodata" or "skipdata"`)
	}
	p.next()
	return statusNode{s}
}

func (p *parser) parseID(f record.Field, what string) node {
	t := p.peek()
	if t.kind != tWord && t.kind != tString {
		p.expected(what)
	}
	if t.text == "" {
		p.fail("empty %s", strings.TrimPrefix(strings.TrimPrefix(what, "an "), "a "))
	}
	p.next()
	return &idNode{field: f, id: t.text}
}
