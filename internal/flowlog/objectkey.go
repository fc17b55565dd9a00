package flowlog

import (
	"strconv"
	"strings"
	"time"
)

// objectSuffix ends every object the service writes: gzip-compressed text.
const objectSuffix = ".log.gz"

// ObjectKeyPrefix is the start of every key a flow log writes: "[prefix/]name-".
//
// Listing by this prefix is not exact: flow log "web" lists "web-1-…" objects
// of a flow log named "web-1" too. Use ParseObjectKey to keep only keys whose
// name matches.
func ObjectKeyPrefix(prefix, name string) string {
	if prefix == "" {
		return name + "-"
	}
	return prefix + "/" + name + "-"
}

// ObjectKey is the key of an object a flow log writes at time t (the key
// carries the time the object was written): "[prefix/]<name>-<unix seconds>.log.gz", e.g.
// "flowlogs/webserver01-1629810635.log.gz". t must not be before 1970.
func ObjectKey(prefix, name string, t time.Time) string {
	return ObjectKeyPrefix(prefix, name) + strconv.FormatInt(t.Unix(), 10) + objectSuffix
}

// ParseObjectKey is the inverse of ObjectKey. It reports ok=false for any key
// that ObjectKey could not have produced from a valid prefix and name: more
// than one '/', a missing or invalid name, a timestamp that is not plain
// decimal digits (no sign, no leading zeros), or another suffix. The name may
// itself contain '-': the timestamp follows the last one.
func ParseObjectKey(key string) (prefix, name string, t time.Time, ok bool) {
	rest, found := strings.CutSuffix(key, objectSuffix)
	if !found {
		return "", "", time.Time{}, false
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		prefix, rest = rest[:i], rest[i+1:]
		if ValidatePrefix(prefix) != nil {
			return "", "", time.Time{}, false
		}
	}
	dash := strings.LastIndexByte(rest, '-')
	if dash < 0 {
		return "", "", time.Time{}, false
	}
	name, digits := rest[:dash], rest[dash+1:]
	sec, ok := parseUnixSeconds(digits)
	if !ok || ValidateName(name) != nil {
		return "", "", time.Time{}, false
	}
	return prefix, name, time.Unix(sec, 0).UTC(), true
}

// parseUnixSeconds accepts exactly what strconv.FormatInt writes for a
// non-negative number, so that a parsed key always formats back to itself.
func parseUnixSeconds(s string) (int64, bool) {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return sec, true
}
