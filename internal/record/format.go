package record

import "strconv"

// AppendText appends r in the service's text form, without a line ending:
// fourteen space-separated fields, "-" for every field not in r.Present.
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
	switch f {
	case Version:
		return append(dst, r.Version...)
	case AccountID:
		return append(dst, r.AccountID...)
	case InterfaceID:
		return append(dst, r.InterfaceID...)
	case SrcAddr:
		return r.SrcAddr.AppendTo(dst)
	case DstAddr:
		return r.DstAddr.AppendTo(dst)
	case ActionField:
		return append(dst, r.Action.String()...)
	case LogStatus:
		return append(dst, r.Status.String()...)
	}
	v, _ := r.Uint(f)
	return strconv.AppendUint(dst, v, 10)
}
