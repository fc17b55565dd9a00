package expr

import (
	"strconv"
	"time"
)

// Well-known names accepted wherever a port or protocol number is.
var (
	portNames = map[string]uint64{
		"ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "dns": 53, "http": 80,
		"ntp": 123, "https": 443, "smb": 445, "mysql": 3306, "rdp": 3389, "postgres": 5432,
	}
	protocolNames = map[string]uint64{
		"icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
		"icmpv6": 58, "icmp6": 58, "sctp": 132,
	}
)

// Units of counts are decimal, as in nfdump: 1K is 1000, not 1024. Units of
// durations are time units, so for a duration m is a minute.
var (
	sizeUnits     = map[byte]uint64{'k': 1e3, 'm': 1e6, 'g': 1e9, 't': 1e12}
	durationUnits = map[byte]uint64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
)

func protocolName(v uint64) (string, bool) {
	switch v {
	case 1:
		return "icmp", true
	case 6:
		return "tcp", true
	case 17:
		return "udp", true
	case 47:
		return "gre", true
	case 50:
		return "esp", true
	case 51:
		return "ah", true
	case 58:
		return "icmpv6", true
	case 132:
		return "sctp", true
	}
	return "", false
}

// expectation says what literal a quantity takes, for error messages.
func (q quantity) expectation() string {
	switch q {
	case qSrcPort, qDstPort, qPort:
		return "a port number or name"
	case qProtocol:
		return "a protocol name or number"
	case qStart, qEnd:
		return "a time (unix seconds or RFC 3339)"
	case qDuration:
		return "a duration (seconds, or a number with s, m, h or d)"
	}
	return "a number"
}

// parseValue reads a literal of q from w. When w is not a literal of q at
// all it returns ok false and an empty why, and the caller says what it
// expected; why explains a literal of the right shape that is still wrong.
func parseValue(q quantity, w string) (v uint64, ok bool, why string) {
	switch q {
	case qSrcPort, qDstPort, qPort:
		if p, ok := portNames[lower(w)]; ok {
			return p, true, ""
		}
		return parseBounded(w, w, 1, q.max(), "port")
	case qProtocol:
		if p, ok := protocolNames[lower(w)]; ok {
			return p, true, ""
		}
		return parseBounded(w, w, 1, q.max(), "protocol")
	case qPackets, qBytes:
		digits, mult := cutUnit(w, sizeUnits)
		return parseBounded(digits, w, mult, q.max(), "")
	case qDuration:
		digits, mult := cutUnit(w, durationUnits)
		return parseBounded(digits, w, mult, q.max(), "")
	case qStart, qEnd:
		return parseTime(w)
	}
	return 0, false, ""
}

// cutUnit splits a trailing unit letter (either case) off w and returns its
// multiplier, or 1 when w does not end in one of units.
func cutUnit(w string, units map[byte]uint64) (string, uint64) {
	if n := len(w); n > 1 {
		c := w[n-1]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if m, ok := units[c]; ok {
			return w[:n-1], m
		}
	}
	return w, 1
}

// parseBounded parses decimal digits times mult, refusing values above max.
// orig is the literal as written, for messages; name, when set, words the
// out-of-range message for a quantity with a small range.
func parseBounded(digits, orig string, mult, max uint64, name string) (uint64, bool, string) {
	if !isDigits(digits) {
		return 0, false, ""
	}
	tooLarge := strconv.Quote(orig) + " is too large"
	var v uint64
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false, tooLarge
		}
		v = v*10 + d
	}
	if v > max/mult {
		if name != "" {
			return 0, false, name + " " + orig + " is out of range (0-" + strconv.FormatUint(max, 10) + ")"
		}
		return 0, false, tooLarge
	}
	return v * mult, true, ""
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// Layouts for times other than unix seconds. Without a zone a time is UTC.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseTime(w string) (uint64, bool, string) {
	if isDigits(w) {
		return parseBounded(w, w, 1, 1<<63-1, "")
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, w)
		if err != nil {
			continue
		}
		if t.Nanosecond() != 0 {
			return 0, false, "fractional seconds are not supported in " + strconv.Quote(w)
		}
		if t.Unix() < 0 {
			return 0, false, "times before 1970 are not supported"
		}
		return uint64(t.Unix()), true, ""
	}
	return 0, false, ""
}

// lower folds ASCII letters only: keywords are ASCII, and Unicode folding
// would let look-alike letters through.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// suggest returns the candidate closest to w when it is a plausible typo:
// at most two edits, and fewer edits than half of w.
func suggest(w string, candidates []string) (string, bool) {
	w = lower(w)
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(w, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || 2*bestD > len(w) {
		return "", false
	}
	return best, true
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of adjacent bytes each cost one.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	var d [66][66]int
	for i := 0; i <= len(a); i++ {
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
