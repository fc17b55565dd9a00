package sqlgen

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/source"
)

// Query returns the SQL that answers spec over the exported table: from is
// the table (a name, or DuckDB's ReadParquet), flowLogs the flow log names
// to read (all when empty). The columns it returns are those of 'flowlog
// query -o csv': the fields, or count, or the group keys and flows,
// packets, bytes, first_start and last_end, with times as unix seconds.
// Records come in no particular order; groups in flowlog's.
func Query(d Dialect, from string, spec query.Spec, flowLogs []string) (string, error) {
	plan, err := spec.Plan()
	if err != nil {
		return "", err
	}
	conds, err := d.conditions(plan, spec.Since, spec.Until, flowLogs)
	if err != nil {
		return "", err
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, "\n  AND ") + "\n"
	}
	switch {
	case plan.Count:
		return "SELECT count(*) AS count\nFROM " + from + "\n" + where + ";\n", nil
	case plan.Grouped():
		return d.groupBy(plan, from, where)
	}
	cols := make([]string, len(plan.Fields))
	for i, f := range plan.Fields {
		if cols[i], err = d.column(f); err != nil {
			return "", fmt.Errorf("--fields: %w", err)
		}
	}
	sql := "SELECT " + strings.Join(cols, ", ") + "\nFROM " + from + "\n" + where
	if plan.Limit > 0 {
		sql += "LIMIT " + strconv.FormatInt(plan.Limit, 10) + "\n"
	}
	return sql + ";\n", nil
}

// conditions are the WHERE conditions, each true exactly where flowlog
// keeps a record: the flow logs and the partitions of the time window
// first, so that engines skip folders, then the filter.
func (d Dialect) conditions(plan *query.Plan, since, until time.Time, flowLogs []string) ([]string, error) {
	var conds []string
	switch len(flowLogs) {
	case 0:
	case 1:
		conds = append(conds, "flowlog = "+d.str(flowLogs[0]))
	default:
		names := make([]string, len(flowLogs))
		for i, n := range flowLogs {
			names[i] = d.str(n)
		}
		conds = append(conds, "flowlog IN ("+strings.Join(names, ", ")+")")
	}
	date, hour := d.ident("date"), d.ident("hour")
	// A record lies in the partition of its start; one that ends in the
	// window started at most source.Margin before it, as flowlog assumes
	// when it picks objects by the time in their names.
	if !since.IsZero() {
		t := since.Add(-source.Margin).UTC()
		day, h := d.str(t.Format("2006-01-02")), d.str(t.Format("15"))
		conds = append(conds, date+" >= "+day, "("+date+" > "+day+" OR "+hour+" >= "+h+")")
	}
	if !until.IsZero() {
		t := until.UTC()
		day, h := d.str(t.Format("2006-01-02")), d.str(t.Format("15"))
		conds = append(conds, date+" <= "+day, "("+date+" < "+day+" OR "+hour+" <= "+h+")")
	}
	if plan.Filter == nil {
		return conds, nil
	}
	for _, p := range conjuncts(plan.Filter.Tree()) {
		s, err := d.where(p)
		if err != nil {
			return nil, err
		}
		if _, ok := p.(expr.Or); ok {
			s = "(" + s + ")"
		}
		conds = append(conds, s)
	}
	return conds, nil
}

// conjuncts are the parts of n that must all hold, nested ANDs flattened.
func conjuncts(n expr.Node) []expr.Node {
	and, ok := n.(expr.And)
	if !ok {
		return []expr.Node{n}
	}
	var parts []expr.Node
	for _, x := range and {
		parts = append(parts, conjuncts(x)...)
	}
	return parts
}

// groupSQL is one group key in SQL: the columns the grouping selects, the
// order of its values (flowlog's: absent first, IPv4 before IPv6, numbers
// and addresses by value), a column the formatting step adds, and the
// printed value.
type groupSQL struct {
	inner []string
	order []string
	words string
	out   string
}

// groupBy writes a grouped query: the groups in a first step, cut to the
// top N there, then their keys printed as flowlog prints them.
func (d Dialect) groupBy(plan *query.Plan, from, where string) (string, error) {
	metric := map[query.SortBy][2]string{
		query.SortFlows:   {"count(*)", "flows"},
		query.SortPackets: {"coalesce(sum(packets), 0)", "packets"},
		query.SortBytes:   {"coalesce(sum(bytes), 0)", "bytes"},
	}[plan.SortBy]
	var inner, order, words, out []string
	for i, k := range plan.Keys {
		g, err := d.groupKey(k, "k"+strconv.Itoa(i+1))
		if err != nil {
			return "", fmt.Errorf("--group-by: %w", err)
		}
		inner = append(inner, g.inner...)
		order = append(order, g.order...)
		if g.words != "" {
			words = append(words, g.words)
		}
		out = append(out, g.out+" AS "+d.ident(k.Name()))
	}
	ordinals := make([]string, len(inner))
	for i := range inner {
		ordinals[i] = strconv.Itoa(i + 1)
	}
	end := d.ident("end")
	var b strings.Builder
	b.WriteString("WITH grouped AS (\n  SELECT\n")
	for _, c := range inner {
		b.WriteString("    " + c + ",\n")
	}
	b.WriteString("    count(*) AS flows,\n    coalesce(sum(packets), 0) AS packets,\n    coalesce(sum(bytes), 0) AS bytes,\n")
	b.WriteString("    min(start) AS first_start,\n    max(" + end + ") AS last_end\n")
	b.WriteString("  FROM " + from + "\n")
	if where != "" {
		b.WriteString("  " + strings.ReplaceAll(strings.TrimSuffix(where, "\n"), "\n", "\n  ") + "\n")
	}
	b.WriteString("  GROUP BY " + strings.Join(ordinals, ", ") + "\n")
	if plan.Top > 0 {
		b.WriteString("  ORDER BY " + metric[0] + " DESC, " + strings.Join(order, ", ") + "\n")
		b.WriteString("  LIMIT " + strconv.Itoa(plan.Top) + "\n")
	}
	b.WriteString(")")
	table := "grouped"
	if len(words) > 0 {
		b.WriteString(",\nnamed AS (\n  SELECT *,\n    " + strings.Join(words, ",\n    ") + "\n  FROM grouped\n)")
		table = "named"
	}
	b.WriteString("\nSELECT\n")
	for _, c := range out {
		b.WriteString("  " + c + ",\n")
	}
	b.WriteString("  flows, packets, bytes, first_start, last_end\n")
	b.WriteString("FROM " + table + "\n")
	b.WriteString("ORDER BY " + metric[1] + " DESC, " + strings.Join(order, ", ") + "\n;\n")
	return b.String(), nil
}

func (d Dialect) groupKey(k query.GroupKey, name string) (groupSQL, error) {
	if k != (query.GroupKey{Field: k.Field, Bits4: k.Bits4, Bits6: k.Bits6}) {
		// A kind of key this package does not know yet.
		return groupSQL{}, fmt.Errorf("%s cannot be written as SQL for the exported table", k.Name())
	}
	col, err := d.column(k.Field)
	if err != nil {
		return groupSQL{}, err
	}
	g := groupSQL{inner: []string{col + " AS " + name}, order: []string{name + " NULLS FIRST"}, out: name}
	switch k.Field {
	case record.SrcAddr, record.DstAddr:
		if k.Bits4 == 32 && k.Bits6 == 128 {
			g.inner = append(g.inner, k.Field.String()+"_bin AS "+name+"_bin")
			g.order = []string{name + " LIKE '%:%' NULLS FIRST", name + "_bin"}
			return g, nil
		}
		return d.maskedKey(k, k.Field.String(), name), nil
	case record.AccountID, record.InterfaceID:
		// flowlog orders text by length first.
		g.order = []string{"length(" + name + ") NULLS FIRST", name}
	case record.LogStatus:
		g.order = []string{"CASE " + name + " WHEN 'OK' THEN 1 WHEN 'NODATA' THEN 2 WHEN 'SKIPDATA' THEN 3 END NULLS FIRST"}
	}
	return g, nil
}

// maskedKey groups by the network of an address: the key is 4 or 6 then
// the 32 hex digits of the masked 16 bytes (IPv4 mapped, so its mask
// starts at bit 96), which sorts as flowlog does. The printing step turns
// it back into text: IPv4 from its four bytes, IPv6 as eight groups with
// the longest run of zero groups written "::", as RFC 5952 (and Go) do.
func (d Dialect) maskedKey(k query.GroupKey, col, name string) groupSQL {
	hex := d.hex(col + "_bin")
	inner := "CASE WHEN " + col + " LIKE '%:%' THEN '6' || " + maskHex(hex, k.Bits6) +
		" WHEN " + col + " IS NOT NULL THEN '4' || " + maskHex(hex, 96+k.Bits4) + " END AS " + name

	groups := make([]string, 8)
	for i := range groups {
		groups[i] = d.trimZeros("lower(substr(" + name + ", " + strconv.Itoa(2+4*i) + ", 4))")
	}
	words := name + "_s"
	v4 := d.dotted(name)
	v6 := "CASE"
	if k.Bits6 > 80 {
		// Go writes an IPv4-mapped IPv6 address with its IPv4 part dotted.
		v6 += " WHEN substr(" + name + ", 2, 24) = '00000000000000000000FFFF' THEN '::ffff:' || " + v4 + "\n   "
	}
	for run := 8; run >= 2; run-- {
		zeros := "(?:^|:)0(?::0){" + strconv.Itoa(run-1) + "}(?::|$)"
		v6 += " WHEN " + d.matches(words, zeros) + " THEN " + d.replaceTwo(words, "^(.*?)"+zeros+"(.*)$", "::") + "\n   "
	}
	v6 += " ELSE " + words + " END"
	suffix := func(bits, all int) string {
		if bits == all {
			return ""
		}
		return " || '/" + strconv.Itoa(bits) + "'"
	}
	return groupSQL{
		inner: []string{inner},
		order: []string{name + " NULLS FIRST"},
		words: strings.Join(groups, " || ':' || ") + " AS " + words,
		out: "CASE WHEN " + name + " LIKE '4%' THEN " + v4 + suffix(k.Bits4, 32) +
			"\n    WHEN " + name + " LIKE '6%' THEN " + v6 + suffix(k.Bits6, 128) + " END",
	}
}

// maskHex keeps the first bits of 32 upper-case hex digits and zeroes the
// rest; a nibble cut in the middle maps through a table.
func maskHex(hex string, bits int) string {
	if bits == 128 {
		return hex
	}
	keep, rest := bits/4, bits%4
	var parts []string
	if keep > 0 {
		parts = append(parts, "substr("+hex+", 1, "+strconv.Itoa(keep)+")")
	}
	zeros := 32 - keep
	if rest > 0 {
		table := [...]string{1: "0000000088888888", 2: "000044448888CCCC", 3: "0022446688AACCEE"}[rest]
		parts = append(parts, "translate(substr("+hex+", "+strconv.Itoa(keep+1)+", 1), '0123456789ABCDEF', '"+table+"')")
		zeros--
	}
	if zeros > 0 {
		parts = append(parts, "'"+strings.Repeat("0", zeros)+"'")
	}
	return strings.Join(parts, " || ")
}

// dotted is the IPv4 address in the last four bytes of a key.
func (d Dialect) dotted(name string) string {
	octets := make([]string, 4)
	for i := range octets {
		octets[i] = d.hexByte("substr(" + name + ", " + strconv.Itoa(26+2*i) + ", 2)")
	}
	return strings.Join(octets, " || '.' || ")
}
