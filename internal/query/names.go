package query

import (
	"encoding/binary"
	"strings"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/record"
)

// Names of addresses (src.label, src.asn, src.as_org, src.country and their
// dst twins) as group keys and printed fields. The lookups go through a
// cache of each worker's own: a table's keys carry it (keysForWorker), and
// a printer asks the plan for one (NewNamesCache).

// derivedGroupKey reads a group key that is a name of an address; ok is
// false when term is not one.
func derivedGroupKey(term string, names *addrinfo.Names) (GroupKey, bool, error) {
	f, ok, err := addrinfo.ParseField(term)
	if err != nil || !ok {
		return GroupKey{}, ok, err
	}
	if err := names.Supports(f); err != nil {
		return GroupKey{}, false, err
	}
	k := GroupKey{Field: record.SrcAddr, Bits4: 32, Bits6: 128, Derived: f, names: names}
	if f.Side == addrinfo.Dst {
		k.Field = record.DstAddr
	}
	return k, true, nil
}

// keysForWorker returns keys with one lookup cache of their own, shared by
// the derived keys among them; keys without derived ones come back as
// they are.
func keysForWorker(keys []GroupKey) []GroupKey {
	var cache *addrinfo.Cache
	var out []GroupKey
	for i, k := range keys {
		if k.Derived.Attr == 0 {
			continue
		}
		if cache == nil {
			cache = k.names.NewCache()
			out = append([]GroupKey(nil), keys...)
		}
		out[i].cache = cache
	}
	if out == nil {
		return keys
	}
	return out
}

// appendDerivedKey encodes a derived key of r, whose address is present:
// 0 for no value, else 1 and the value, sorting like the values (labels
// are numbered in name order).
func appendDerivedKey(dst []byte, k GroupKey, r *record.Record) []byte {
	a := r.SrcAddr
	if k.Field == record.DstAddr {
		a = r.DstAddr
	}
	info := k.cache.Lookup(a)
	switch k.Derived.Attr {
	case addrinfo.ASN:
		if info.ASN == 0 {
			return append(dst, 0)
		}
		dst = append(dst, 1)
		return binary.BigEndian.AppendUint64(dst, uint64(info.ASN))
	case addrinfo.Label:
		if info.Label == 0 {
			return append(dst, 0)
		}
		return binary.BigEndian.AppendUint16(append(dst, 1), info.Label)
	case addrinfo.Country:
		if info.Country == [2]byte{} {
			return append(dst, 0)
		}
		return append(dst, 1, info.Country[0], info.Country[1])
	}
	org := k.cache.Org(info)
	if org == "" {
		return append(dst, 0)
	}
	dst = binary.BigEndian.AppendUint16(append(dst, 1), uint16(min(len(org), 0xffff)))
	return append(dst, org[:min(len(org), 0xffff)]...)
}

// decodeDerivedKey reads the value appendDerivedKey wrote after its 1, and
// returns the bytes after it.
func decodeDerivedKey(v *KeyValue, b []byte, k GroupKey) []byte {
	switch k.Derived.Attr {
	case addrinfo.ASN:
		v.Num = binary.BigEndian.Uint64(b[1:])
		return b[9:]
	case addrinfo.Label:
		v.Text = k.names.LabelName(binary.BigEndian.Uint16(b[1:]))
		return b[3:]
	case addrinfo.Country:
		v.Text = string(b[1:3])
		return b[3:]
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	v.Text = string(b[3 : 3+n])
	return b[3+n:]
}

// DerivedField is a name of an address printed among a record's fields,
// at Pos of the row.
type DerivedField struct {
	Pos   int
	Field addrinfo.Field
}

// parseFieldsWith is ParseFields that also takes names of addresses. pos
// holds the row position of each record field when there are derived ones.
func parseFieldsWith(spec string, names *addrinfo.Names) (fields []record.Field, pos []int, derived []DerivedField, err error) {
	if strings.TrimSpace(spec) == "" {
		fields, err = ParseFields(spec)
		return fields, nil, nil, err
	}
	for i, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		f, ok, ferr := addrinfo.ParseField(name)
		if ferr != nil {
			return nil, nil, nil, specErrorf("--fields: %v", ferr)
		}
		if !ok {
			fd, err := ParseFields(name)
			if err != nil {
				return nil, nil, nil, err
			}
			fields = append(fields, fd...)
			pos = append(pos, i)
			continue
		}
		if err := names.Supports(f); err != nil {
			return nil, nil, nil, specErrorf("--fields: %v", err)
		}
		derived = append(derived, DerivedField{Pos: i, Field: f})
	}
	if len(derived) == 0 {
		pos = nil
	}
	return fields, pos, derived, nil
}

// DerivedNeed is the set of record fields the plan's derived fields read.
func (p *Plan) DerivedNeed() record.FieldSet {
	var need record.FieldSet
	for _, d := range p.Derived {
		if d.Field.Side == addrinfo.Dst {
			need = need.With(record.DstAddr)
		} else {
			need = need.With(record.SrcAddr)
		}
	}
	return need
}

// NewNamesCache returns a lookup cache for one printing worker; nil when
// the plan prints no names of addresses.
func (p *Plan) NewNamesCache() *addrinfo.Cache {
	if len(p.Derived) == 0 {
		return nil
	}
	return p.names.NewCache()
}

// DerivedRow fills row, of len(p.Columns()), from base, filled by
// RecordRow, and the names of r's addresses.
func (p *Plan) DerivedRow(row, base []output.Value, r *record.Record, cache *addrinfo.Cache) {
	for i, j := range p.fieldPos {
		row[j] = base[i]
	}
	for _, d := range p.Derived {
		f, a := record.SrcAddr, r.SrcAddr
		if d.Field.Side == addrinfo.Dst {
			f, a = record.DstAddr, r.DstAddr
		}
		row[d.Pos] = output.Value{}
		if !r.Has(f) {
			continue
		}
		num, text, ok := cache.Value(d.Field.Attr, a)
		switch {
		case !ok:
		case d.Field.Attr.Numeric():
			row[d.Pos] = output.UintValue(num)
		default:
			row[d.Pos] = output.Str(text)
		}
	}
}

// derivedColumns are the columns of an ungrouped plan with derived fields.
func (p *Plan) derivedColumns() []string {
	columns := make([]string, len(p.Fields)+len(p.Derived))
	for i, fd := range p.Fields {
		columns[p.fieldPos[i]] = fd.String()
	}
	for _, d := range p.Derived {
		columns[d.Pos] = d.Field.String()
	}
	return columns
}
