package sqlgen

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/record"
)

// UntranslatableError is a filter term that has no SQL form.
type UntranslatableError struct{ Term string }

func (e *UntranslatableError) Error() string {
	return fmt.Sprintf("--where: %q cannot be written as SQL for the exported table", e.Term)
}

// mapped4 is ::ffff:0.0.0.0/96, where the *_bin columns keep IPv4
// addresses, and where an IPv6 prefix can hold IPv4-mapped IPv6 addresses
// that only the text tells apart from IPv4 ones.
var mapped4 = netip.MustParsePrefix("::ffff:0.0.0.0/96")

// where writes n as an SQL condition that is true exactly where n matches.
// A term reads NULL for an absent field; AND and OR keep NULL as good as
// false in a WHERE, and NOT, which would keep it NULL, sees it as false.
func (d Dialect) where(n expr.Node) (string, error) {
	switch n := n.(type) {
	case expr.And:
		return d.junction(n, " AND ")
	case expr.Or:
		return d.junction(n, " OR ")
	case expr.Not:
		x, err := d.where(n.X)
		if err != nil {
			return "", err
		}
		return "NOT coalesce(" + x + ", FALSE)", nil
	case expr.Host:
		return d.sides(n.Side, func(addr, _ string) string {
			return addr + " = " + d.str(n.Addr.String())
		}), nil
	case expr.Net:
		return d.sides(n.Side, func(addr, bin string) string { return d.inNet(addr, bin, n.Prefix.Masked()) }), nil
	case expr.Family:
		op := "NOT LIKE"
		if n.V6 {
			op = "LIKE"
		}
		return "coalesce(srcaddr, dstaddr) " + op + " '%:%'", nil
	case expr.Compare:
		return d.quantity(n.Quantity, func(col string) string { return d.compare(col, n.Op, n.Value) })
	case expr.In:
		return d.quantity(n.Quantity, func(col string) string { return d.in(col, n.Spans) })
	case expr.ActionTerm:
		return "action = " + d.str(n.Action.String()), nil
	case expr.StatusTerm:
		return "log_status = " + d.str(n.Status.String()), nil
	case expr.IDTerm:
		col, err := d.column(n.Field)
		if err != nil {
			return "", &UntranslatableError{Term: n.Field.String() + " " + n.ID}
		}
		return col + " = " + d.str(n.ID), nil
	case expr.Unknown:
		return "", &UntranslatableError{Term: n.Term}
	}
	return "", &UntranslatableError{Term: fmt.Sprintf("%T", n)}
}

func (d Dialect) junction(parts []expr.Node, sep string) (string, error) {
	out := make([]string, len(parts))
	for i, x := range parts {
		s, err := d.where(x)
		if err != nil {
			return "", err
		}
		switch x.(type) {
		case expr.And, expr.Or:
			s = "(" + s + ")"
		}
		out[i] = s
	}
	return strings.Join(out, sep), nil
}

// sides writes a term about the source address, the destination address
// or either: term gets the text column and the binary one.
func (d Dialect) sides(s expr.Side, term func(addr, bin string) string) string {
	switch s {
	case expr.Src:
		return term("srcaddr", "srcaddr_bin")
	case expr.Dst:
		return term("dstaddr", "dstaddr_bin")
	}
	return "(" + term("srcaddr", "srcaddr_bin") + " OR " + term("dstaddr", "dstaddr_bin") + ")"
}

// inNet is the numeric test of a CIDR: the 16 bytes between the first and
// the last address of the prefix, compared as unsigned bytes. Where the
// range holds both IPv4 and IPv4-mapped IPv6 addresses, the text tells the
// families apart (an IPv6 address has a colon).
func (d Dialect) inNet(addr, bin string, p netip.Prefix) string {
	first, last := p.Addr(), lastAddr(p)
	cond := bin + " BETWEEN " + d.bin(as16(first)) + " AND " + d.bin(as16(last))
	switch {
	case p.Addr().Is4():
		return "(" + cond + " AND " + addr + " NOT LIKE '%:%')"
	case p.Overlaps(mapped4):
		return "(" + cond + " AND " + addr + " LIKE '%:%')"
	}
	return cond
}

func as16(a netip.Addr) []byte {
	b := a.As16()
	return b[:]
}

// lastAddr is the last address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// quantity writes a test of a number: on its column, on either port, or
// on end - start, which only a record whose end is not before its start
// has.
func (d Dialect) quantity(q expr.Quantity, test func(col string) string) (string, error) {
	switch q {
	case expr.Port:
		return "(" + test("srcport") + " OR " + test("dstport") + ")", nil
	case expr.Duration:
		end := d.ident("end")
		return "(" + end + " >= start AND " + test(end+" - start") + ")", nil
	case expr.SrcPort, expr.DstPort, expr.Protocol, expr.Packets, expr.Bytes, expr.Start, expr.End:
		return test(d.ident(string(q))), nil
	}
	return "", &UntranslatableError{Term: string(q)}
}

// compare writes col op v. The columns are signed 64-bit, so a value
// beyond them is decided here: no column value is above it.
func (d Dialect) compare(col string, op expr.Op, v uint64) string {
	sqlOp := string(op)
	if op == "!=" {
		sqlOp = "<>"
	}
	if v > math.MaxInt64 {
		switch op {
		case "<", "<=", "!=":
			return col + " IS NOT NULL"
		}
		return "FALSE"
	}
	return col + " " + sqlOp + " " + strconv.FormatUint(v, 10)
}

// in writes a list of values and ranges: single values as one IN, ranges
// as BETWEEN.
func (d Dialect) in(col string, spans []expr.Span) string {
	var singles, parts []string
	for _, s := range spans {
		lo, hi := min(s.Lo, math.MaxInt64), min(s.Hi, math.MaxInt64)
		switch {
		case s.Lo > math.MaxInt64:
		case lo == hi && s.Hi == s.Lo:
			singles = append(singles, strconv.FormatUint(lo, 10))
		default:
			parts = append(parts, col+" BETWEEN "+strconv.FormatUint(lo, 10)+" AND "+strconv.FormatUint(hi, 10))
		}
	}
	switch len(singles) {
	case 0:
	case 1:
		parts = append([]string{col + " = " + singles[0]}, parts...)
	default:
		parts = append([]string{col + " IN (" + strings.Join(singles, ", ") + ")"}, parts...)
	}
	switch len(parts) {
	case 0:
		return "FALSE"
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// column is the table column of a record field.
func (d Dialect) column(f record.Field) (string, error) {
	name := f.String()
	for _, c := range dataColumns {
		if c.name == name && !c.bin {
			return d.ident(name), nil
		}
	}
	return "", fmt.Errorf("field %s is not a column of the exported table", name)
}
