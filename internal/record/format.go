package record

import "strconv"

// AppendText appends r in the service's version-2 text form, without a
// line ending: fourteen space-separated fields, "-" for every field not in
// r.Present.
func AppendText(dst []byte, r *Record) []byte {
	for f := Field(0); f < NumFields; f++ {
		if f > 0 {
			dst = append(dst, ' ')
		}
		dst = AppendField(dst, r, f)
	}
	return dst
}

// AppendField appends one field's text form, "-" when it is absent.
func AppendField(dst []byte, r *Record, f Field) []byte {
	if !r.Present.Has(f) {
		return append(dst, '-')
	}
	switch f.Kind() {
	case KindText:
		return append(dst, r.Text(f)...)
	case KindAddr:
		a, _ := r.Addr(f)
		return a.AppendTo(dst)
	case KindAction:
		return append(dst, r.Action.String()...)
	case KindStatus:
		return append(dst, r.Status.String()...)
	}
	v, _ := r.Uint(f)
	return strconv.AppendUint(dst, v, 10)
}
