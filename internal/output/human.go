package output

import (
	"math"
	"strconv"
	"strings"
)

// The numbers people read: every size, rounded count and thousands-
// separated number that flowlog shows (tables for people, messages, the
// report page) is spelled by these, so they read the same everywhere.

var (
	decimalUnits = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	binaryUnits  = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	siPrefixes   = []string{"", "k", "M", "G", "T", "P", "E"}
)

// SizeText is a number of bytes in decimal units, as tables for people and
// the --where language count them: "950 B", "1.5 kB", "12 MB".
func SizeText(b uint64) string { return string(appendSize(nil, b, 1000, decimalUnits)) }

// BinarySizeText is a number of bytes in binary units, as messages about
// files and transfers give them (as du -h does): "950 B", "27 MiB".
func BinarySizeText(b uint64) string { return string(appendSize(nil, b, 1024, binaryUnits)) }

// appendSize appends b in units of base: exact below 10, with one decimal
// below 10 of a unit, whole units above, rounded once; a value that rounds
// up to base is shown in the next unit ("1.0 MB", not "1000 kB").
func appendSize(dst []byte, b uint64, base uint64, units []string) []byte {
	if b < 10 {
		return append(strconv.AppendUint(dst, b, 10), " B"...)
	}
	e, div := 0, uint64(1)
	for e+1 < len(units) && b/div >= base {
		e, div = e+1, div*base
	}
	v, digits := roundSize(float64(b) / float64(div))
	if v >= float64(base) && e+1 < len(units) {
		e, div = e+1, div*base
		v, digits = roundSize(float64(b) / float64(div))
	}
	dst = strconv.AppendFloat(dst, v, 'f', digits, 64)
	return append(append(dst, ' '), units[e]...)
}

// roundSize rounds v half up to one decimal below 10, else to a whole
// number, and says how many decimals that leaves (9.96 is 10, none).
func roundSize(v float64) (float64, int) {
	if v < 10 {
		if r := math.Floor(v*10+0.5) / 10; r < 10 {
			return r, 1
		}
	}
	return math.Floor(v + 0.5), 0
}

// CountText is a number of things for people: exact below 1000, else with
// an SI prefix and at most one decimal, cut rather than rounded so that it
// never overstates: "950", "12.3 k", "4 M".
func CountText(n uint64) string { return string(appendCount(nil, n)) }

func appendCount(dst []byte, n uint64) []byte {
	if n < 1000 {
		return strconv.AppendUint(dst, n, 10)
	}
	e, div := 0, uint64(1)
	for e+1 < len(siPrefixes) && n/div >= 1000 {
		e, div = e+1, div*1000
	}
	tenths := n / (div / 10)
	dst = strconv.AppendUint(dst, tenths/10, 10)
	if tenths%10 != 0 {
		dst = append(dst, '.', byte('0'+tenths%10))
	}
	return append(append(dst, ' '), siPrefixes[e]...)
}

// integer is any integer type Thousands takes.
type integer interface {
	~int | ~int64 | ~uint64
}

// Thousands is n in full with thousands separators: "1,377,108", "-300".
func Thousands[N integer](n N) string {
	neg := n < 0
	var digits string
	if neg {
		digits = strconv.FormatUint(uint64(-int64(n)), 10)
	} else {
		digits = strconv.FormatUint(uint64(n), 10)
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
