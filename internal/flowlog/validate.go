package flowlog

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest name accepted, in bytes (not runes), because the
// name becomes part of every object key and key limits are in bytes.
const MaxNameLen = 255

// MaxPrefixLen is the longest object prefix accepted, in bytes.
const MaxPrefixLen = 255

// ValidationError says which user-supplied value was rejected and why. Field
// is the flag-like name of the value ("name", "bucket", "prefix", "nic",
// "direction", ...), so the CLI can point at the flag and exit with the usage
// code.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Field, shorten(e.Value), e.Reason)
}

// shorten keeps error messages to one readable line when the rejected value
// is, say, a 10 kB name pasted by accident.
func shorten(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ValidateResourceID checks that id is a UUID in the canonical 8-4-4-4-12
// hex form (either case). kind names the value in the error: a resource type
// ("nic", "natgateway", "nlb", "alb") or "datacenter", "server".
func ValidateResourceID(kind, id string) error {
	if kind == "" {
		kind = "resource id"
	}
	if id == "" {
		return &ValidationError{Field: kind, Value: id, Reason: "must not be empty"}
	}
	if !isCanonicalUUID(id) {
		return &ValidationError{Field: kind, Value: id,
			Reason: "not a uuid: want the 8-4-4-4-12 hex form, e.g. 7ffd6527-ce80-4e57-a949-f9a45824ebe2"}
	}
	return nil
}

// isCanonicalUUID is stricter than uuid.Parse, which also accepts braces,
// "urn:uuid:" and the undashed form: IDs are stored and compared as text, so
// only one spelling (modulo case) may get in.
func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ValidateName checks a flow log name. The service uses the name as the
// first part of every object key, hence no '/' and no "%2F". Length is
// counted in bytes.
func ValidateName(name string) error {
	bad := func(reason string) error {
		return &ValidationError{Field: "name", Value: name, Reason: reason}
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case !utf8.ValidString(name):
		return bad("must be valid utf-8")
	case len(name) > MaxNameLen:
		return bad(fmt.Sprintf("must be at most %d bytes long, not %d", MaxNameLen, len(name)))
	case strings.Contains(name, "/"):
		return bad("must not contain '/': the name starts every object key the flow log writes")
	case strings.Contains(strings.ToUpper(name), "%2F"):
		return bad("must not contain \"%2F\" (an encoded '/')")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return bad("must not contain control characters")
	case strings.TrimSpace(name) != name:
		return bad("must not start or end with whitespace")
	}
	return nil
}

// ValidateBucket checks a bucket name against the S3 naming rules.
func ValidateBucket(bucket string) error {
	bad := func(reason string) error {
		return &ValidationError{Field: "bucket", Value: bucket, Reason: reason}
	}
	if bucket == "" {
		return bad("must not be empty")
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return bad("bucket names use only lower-case letters, digits, dots and hyphens")
		}
	}
	switch {
	case len(bucket) < 3 || len(bucket) > 63:
		return bad(fmt.Sprintf("bucket names are 3 to 63 characters long, not %d", len(bucket)))
	case !isLowerAlnum(bucket[0]) || !isLowerAlnum(bucket[len(bucket)-1]):
		return bad("bucket names start and end with a letter or digit")
	case strings.Contains(bucket, ".."):
		return bad("bucket names must not contain two dots in a row")
	case strings.Contains(bucket, ".-") || strings.Contains(bucket, "-."):
		return bad("bucket names must not have a hyphen next to a dot")
	case looksLikeIPv4(bucket):
		return bad("bucket names must not look like an ip address")
	}
	return nil
}

func isLowerAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// looksLikeIPv4 reports four dot-separated groups of digits. S3 refuses
// those whether or not each group is <= 255, so no range check here.
func looksLikeIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// ParseTarget splits the --bucket value "bucket" or "bucket/prefix" and
// validates both parts. The prefix is a single key segment; one trailing '/'
// is tolerated because users paste listings ("my-logs/web/").
func ParseTarget(s string) (bucket, prefix string, err error) {
	t := strings.TrimSuffix(s, "/")
	bucket, prefix, hasPrefix := strings.Cut(t, "/")
	if err := ValidateBucket(bucket); err != nil {
		return "", "", err
	}
	if !hasPrefix {
		return bucket, "", nil
	}
	if strings.Contains(prefix, "/") {
		return "", "", &ValidationError{Field: "prefix", Value: prefix,
			Reason: "must be a single segment without '/': flow logs write to bucket or bucket/prefix"}
	}
	if err := ValidatePrefix(prefix); err != nil {
		return "", "", err
	}
	return bucket, prefix, nil
}

// ValidatePrefix checks an object key prefix: one non-empty segment.
func ValidatePrefix(prefix string) error {
	bad := func(reason string) error {
		return &ValidationError{Field: "prefix", Value: prefix, Reason: reason}
	}
	switch {
	case prefix == "":
		return bad("must not be empty")
	case !utf8.ValidString(prefix):
		return bad("must be valid utf-8")
	case len(prefix) > MaxPrefixLen:
		return bad(fmt.Sprintf("must be at most %d bytes long, not %d", MaxPrefixLen, len(prefix)))
	case strings.Contains(prefix, "/"):
		return bad("must be a single segment without '/'")
	case prefix == "." || prefix == "..":
		return bad("must not be \".\" or \"..\"")
	case strings.IndexFunc(prefix, unicode.IsControl) >= 0:
		return bad("must not contain control characters")
	}
	return nil
}
