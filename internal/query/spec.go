package query

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/record"
)

// Spec is a question as the query command's flags put it, before it is
// checked. Each field is named after its flag, and errors name the flag.
type Spec struct {
	Actions, Statuses               []string // --action, --status
	Srcs, Dsts, Addrs               []string // --src, --dst, --addr: IP or CIDR
	SrcPorts, DstPorts, Ports       []string // --src-port, --dst-port, --port: 22,80,8000-8999
	Protocols, Interfaces, Accounts []string // --protocol, --interface, --account
	Since, Until                    time.Time
	Where                           string // --where
	Fields                          string // --fields: comma list, "" for all
	GroupBy                         string // --group-by: comma list of keys
	Sort                            string // --sort: flows, packets or bytes
	Top                             int    // --top: groups
	Limit                           int64  // --limit: records or groups
	Count                           bool   // --count
}

// Plan is a Spec checked and compiled: what to keep, and what to print.
type Plan struct {
	Filter *expr.Expr     // nil keeps every record
	Fields []record.Field // the fields printed, in order
	Count  bool
	Limit  int64 // records printed at most, 0 for all

	// With --group-by: the keys, the order and how many groups.
	Keys   []GroupKey
	SortBy SortBy
	Top    int
}

// Grouped reports whether the plan aggregates.
func (p *Plan) Grouped() bool { return len(p.Keys) > 0 }

// SpecError is a Spec that cannot be asked: the message names the flag, and
// Detail, when set, points at the place in a --where expression.
type SpecError struct {
	Err    error
	detail string
	hint   string
}

func (e *SpecError) Error() string { return e.Err.Error() }
func (e *SpecError) Unwrap() error { return e.Err }

// Detail shows where in a --where expression the mistake is.
func (e *SpecError) Detail() string { return e.detail }

// Hint says what to read about the mistake.
func (e *SpecError) Hint() string { return e.hint }

func specErrorf(format string, args ...any) error {
	return &SpecError{Err: fmt.Errorf(format, args...)}
}

// Plan checks the spec and compiles its filters into one expression.
func (s Spec) Plan() (*Plan, error) {
	switch {
	case s.Top < 0 || s.Limit < 0:
		return nil, specErrorf("--top and --limit take a number of zero or more")
	case s.GroupBy == "" && (s.Top > 0 || s.Sort != ""):
		return nil, specErrorf("--top and --sort need --group-by")
	case s.Count && s.GroupBy != "":
		return nil, specErrorf("--count and --group-by cannot be combined: --group-by already counts flows per group")
	}
	filter, err := s.filter()
	if err != nil {
		return nil, err
	}
	fields, err := ParseFields(s.Fields)
	if err != nil {
		return nil, err
	}
	p := &Plan{Filter: filter, Fields: fields, Count: s.Count, Limit: s.Limit}
	if s.GroupBy == "" {
		return p, nil
	}
	if p.Keys, err = ParseGroupKeys(s.GroupBy); err != nil {
		return nil, specErrorf("--group-by: %v", err)
	}
	switch strings.ToLower(s.Sort) {
	case "", "flows":
		p.SortBy = SortFlows
	case "packets":
		p.SortBy = SortPackets
	case "bytes":
		p.SortBy = SortBytes
	default:
		return nil, specErrorf("--sort %q: use flows, packets or bytes", s.Sort)
	}
	p.Top = s.Top
	if s.Limit > 0 && (p.Top == 0 || int(s.Limit) < p.Top) {
		p.Top = int(s.Limit)
	}
	return p, nil
}

// ParseFields reads a comma list of record field names: "" is the
// version-2 fields, "all" every field of every format (the fields of AWS
// custom formats too).
func ParseFields(spec string) ([]record.Field, error) {
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "":
		return fieldRange(record.NumFields), nil
	case "all":
		return fieldRange(record.NumKnownFields), nil
	}
	var fields []record.Field
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		fd, ok := record.FieldByName(name)
		if !ok {
			return nil, specErrorf("--fields: unknown field %q: use all or %s", name, strings.Join(record.KnownFieldNames(), ", "))
		}
		fields = append(fields, fd)
	}
	return fields, nil
}

// fieldRange returns the first n fields, in record order.
func fieldRange(n int) []record.Field {
	fields := make([]record.Field, n)
	for i := range fields {
		fields[i] = record.Field(i)
	}
	return fields
}

// filterTerm is one flag's contribution to the filter: its values become
// alternatives of one expression, checked on their own first so an error
// names the flag and the value.
type filterTerm struct {
	flag   string
	values []string
	term   func(v string) (string, error)
}

func addrTerm(side string) func(string) (string, error) {
	return func(v string) (string, error) {
		if strings.Contains(v, "/") {
			if _, err := netip.ParsePrefix(v); err != nil {
				return "", errors.New("not a CIDR prefix")
			}
			return strings.TrimSpace(side + " net " + v), nil
		}
		if _, err := netip.ParseAddr(v); err != nil {
			return "", errors.New("not an IP address or CIDR prefix")
		}
		return strings.TrimSpace(side + " host " + v), nil
	}
}

func portTerm(side string) func(string) (string, error) {
	return func(v string) (string, error) {
		return strings.TrimSpace(side + " port in (" + v + ")"), nil
	}
}

func wordTerm(keyword string, allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		if len(allowed) > 0 {
			ok := false
			for _, a := range allowed {
				if strings.EqualFold(v, a) {
					ok = true
				}
			}
			if !ok {
				return "", fmt.Errorf("use one of %s", strings.Join(allowed, ", "))
			}
		}
		return keyword + " " + v, nil
	}
}

// filter combines the filter flags, the time window and --where into one
// expression; nil when nothing filters.
func (s Spec) filter() (*expr.Expr, error) {
	terms := []filterTerm{
		{"action", s.Actions, wordTerm("action", "ACCEPT", "REJECT", "accepted", "rejected")},
		{"status", s.Statuses, wordTerm("status", "OK", "NODATA", "SKIPDATA")},
		{"src", s.Srcs, addrTerm("src")},
		{"dst", s.Dsts, addrTerm("dst")},
		{"addr", s.Addrs, addrTerm("")},
		{"src-port", s.SrcPorts, portTerm("src")},
		{"dst-port", s.DstPorts, portTerm("dst")},
		{"port", s.Ports, portTerm("")},
		{"protocol", s.Protocols, wordTerm("proto")},
		{"interface", s.Interfaces, wordTerm("interface")},
		{"account", s.Accounts, wordTerm("account")},
	}
	var parts []string
	for _, t := range terms {
		var alts []string
		for _, v := range t.values {
			v = strings.TrimSpace(v)
			src, err := t.term(v)
			if err == nil {
				_, err = expr.Compile(src)
			}
			if err != nil {
				return nil, specErrorf("--%s %q: %s", t.flag, v, termMessage(err))
			}
			alts = append(alts, src)
		}
		if len(alts) > 0 {
			parts = append(parts, "("+strings.Join(alts, " or ")+")")
		}
	}
	// A record matches a time window when its [start, end] overlaps it.
	if !s.Since.IsZero() {
		parts = append(parts, "end >= "+strconv.FormatInt(s.Since.Unix(), 10))
	}
	if !s.Until.IsZero() {
		parts = append(parts, "start <= "+strconv.FormatInt(s.Until.Unix(), 10))
	}
	if strings.TrimSpace(s.Where) != "" {
		if _, err := expr.Compile(s.Where); err != nil {
			return nil, whereError(err)
		}
		parts = append(parts, "("+s.Where+")")
	}
	if len(parts) == 0 {
		return nil, nil
	}
	e, err := expr.Compile(strings.Join(parts, " and "))
	if err != nil {
		return nil, fmt.Errorf("combine filters: %w", err)
	}
	return e, nil
}

// termMessage is an expression error without its --where column, for a
// value that came from another flag.
func termMessage(err error) string {
	var se *expr.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func whereError(err error) error {
	var se *expr.SyntaxError
	if !errors.As(err, &se) {
		return &SpecError{Err: err}
	}
	return &SpecError{Err: err, detail: se.Caret(), hint: "see 'flowlog help query-language' or docs/query-language.md"}
}

// Columns are the names of the output columns of a grouped plan: the keys,
// then the sums.
func (p *Plan) Columns() []string {
	if !p.Grouped() {
		columns := make([]string, len(p.Fields))
		for i, fd := range p.Fields {
			columns[i] = fd.String()
		}
		return columns
	}
	var columns []string
	for _, k := range p.Keys {
		columns = append(columns, k.Name())
	}
	return append(columns, "flows", "packets", "bytes", "first_start", "last_end")
}

// RecordRow fills row with the values of the plan's fields of r. scratch,
// of len(p.Fields), is space for the text of addresses.
func (p *Plan) RecordRow(row []output.Value, r *record.Record, scratch [][]byte) {
	for i, fd := range p.Fields {
		if !r.Has(fd) {
			row[i] = output.Value{}
			continue
		}
		switch fd.Kind() {
		case record.KindText:
			row[i] = output.Bytes(r.Text(fd))
		case record.KindAddr:
			a, _ := r.Addr(fd)
			scratch[i] = a.AppendTo(scratch[i][:0])
			row[i] = output.Bytes(scratch[i])
		case record.KindTime:
			u, _ := r.Uint(fd)
			row[i] = output.UnixValue(int64(u))
		case record.KindAction:
			row[i] = output.Str(r.Action.String())
		case record.KindStatus:
			row[i] = output.Str(r.Status.String())
		default:
			u, _ := r.Uint(fd)
			row[i] = output.UintValue(u)
		}
	}
}

// GroupRow fills row, of len(p.Columns()), with a group's key values and
// sums.
func (p *Plan) GroupRow(row []output.Value, g Group) {
	for i, kv := range g.Key {
		row[i] = groupKeyValue(p.Keys[i], kv)
	}
	n := len(p.Keys)
	row[n] = output.UintValue(g.Flows)
	row[n+1] = output.UintValue(g.Packets)
	row[n+2] = output.UintValue(g.Bytes)
	row[n+3], row[n+4] = output.Value{}, output.Value{}
	if g.FirstStart != 0 {
		row[n+3] = output.UnixValue(g.FirstStart)
	}
	if g.LastEnd != 0 {
		row[n+4] = output.UnixValue(g.LastEnd)
	}
}

func groupKeyValue(k GroupKey, kv KeyValue) output.Value {
	switch {
	case !kv.Present:
		return output.Value{}
	case k.Field.Kind() == record.KindTime:
		return output.UnixValue(int64(kv.Num))
	case k.Field.Numeric():
		return output.UintValue(kv.Num)
	}
	return output.Str(kv.String())
}
