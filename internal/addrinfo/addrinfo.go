// Package addrinfo owns the names flowlog gives addresses: labels the user
// maps to CIDR prefixes in the config file (longest prefix wins), and the
// autonomous system and country of an address from MaxMind-format
// databases (GeoLite2/GeoIP2 ASN and Country, DB-IP, or one database with
// both). A Names is shared and read-only; each worker looks addresses up
// through its own Cache, which holds no pointers and never locks.
//
// An address that no label covers, or that a database has no entry for,
// has no value (NULL): a comparison with it is false and a group key is
// "-", never an error.
package addrinfo

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Attr is a name of an address.
type Attr uint8

const (
	Label   Attr = iota + 1 // the user's label (config file labels:)
	ASN                     // autonomous system number
	ASOrg                   // the autonomous system's organisation
	Country                 // ISO 3166-1 alpha-2 country code, upper case
)

var attrNames = [...]string{Label: "label", ASN: "asn", ASOrg: "as_org", Country: "country"}

func (a Attr) String() string {
	if int(a) < len(attrNames) && a != 0 {
		return attrNames[a]
	}
	return fmt.Sprintf("attr(%d)", a)
}

// Numeric reports whether the attribute is a number (ASN) rather than text.
func (a Attr) Numeric() bool { return a == ASN }

// Side is the address an attribute is of.
type Side uint8

const (
	Src Side = iota + 1
	Dst
)

func (s Side) String() string {
	if s == Dst {
		return "dst"
	}
	return "src"
}

// Field is an attribute of one side: src.asn, dst.label.
type Field struct {
	Side Side
	Attr Attr
}

func (f Field) String() string { return f.Side.String() + "." + f.Attr.String() }

// FieldNames lists every derived field name, for help and completion.
func FieldNames() []string {
	var names []string
	for _, s := range []Side{Src, Dst} {
		for a := Label; a <= Country; a++ {
			names = append(names, Field{s, a}.String())
		}
	}
	return names
}

// ParseField reads a derived field name such as src.asn (any case). ok is
// false for a name that is not one; err says what is wrong with a name
// that looks like one (src.foo).
func ParseField(name string) (f Field, ok bool, err error) {
	side, attr, found := strings.Cut(strings.ToLower(name), ".")
	if !found {
		return Field{}, false, nil
	}
	switch side {
	case "src", "source":
		f.Side = Src
	case "dst", "destination":
		f.Side = Dst
	default:
		return Field{}, false, nil
	}
	for a := Label; a <= Country; a++ {
		if attr == attrNames[a] || attr == strings.ReplaceAll(attrNames[a], "_", "-") {
			f.Attr = a
			return f, true, nil
		}
	}
	return Field{}, false, fmt.Errorf("unknown field %q: use %s.label, %s.asn, %s.as_org or %s.country", name, side, side, side, side)
}

// Names is what flowlog knows about addresses: the labels and the
// databases. It is safe for concurrent use; look addresses up through a
// Cache of each worker's own.
type Names struct {
	labels labelTable
	dbs    []*maxminddb.Reader
	paths  []string

	// The databases flattened (index.go), once, when a name from them is
	// first asked for.
	once     sync.Once
	buildErr error
	index    []*dbIndex
	infos    []Info   // what the ranges of the indexes say; [0] is nothing
	orgs     []string // Info.Org - 1 indexes it
}

// Config is what Open needs: labels by name, and the database files.
type Config struct {
	Labels map[string][]netip.Prefix
	MMDB   []string // MaxMind-format files, consulted in order
}

// Open checks the labels and opens the databases. An error names the
// label or the file.
func Open(cfg Config) (*Names, error) {
	n := &Names{}
	var err error
	if n.labels, err = newLabelTable(cfg.Labels); err != nil {
		return nil, err
	}
	for _, path := range cfg.MMDB {
		db, err := maxminddb.Open(path)
		if err != nil {
			n.Close()
			return nil, &DBError{Path: path, Err: unwrapPathError(err)}
		}
		n.dbs = append(n.dbs, db)
		n.paths = append(n.paths, path)
	}
	return n, nil
}

// DBError is a database that cannot be read.
type DBError struct {
	Path string
	Err  error
}

func (e *DBError) Error() string { return fmt.Sprintf("MaxMind database %s: %v", e.Path, e.Err) }
func (e *DBError) Unwrap() error { return e.Err }

// unwrapPathError drops the file name that os errors repeat.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close releases the databases.
func (n *Names) Close() error {
	if n == nil {
		return nil
	}
	for _, db := range n.dbs {
		db.Close()
	}
	n.dbs = nil
	return nil
}

// Supports reports whether a can have values: labels need labels in the
// config file, the others a database. The error says how to provide them.
func (n *Names) Supports(f Field) error {
	switch {
	case f.Attr == Label && (n == nil || len(n.labels.names) == 0):
		return fmt.Errorf("%s needs labels: map names to CIDR prefixes under 'labels:' in the config file", f)
	case f.Attr != Label && (n == nil || len(n.dbs) == 0):
		return fmt.Errorf("%s needs a MaxMind database: give --mmdb FILE, or mmdb: in the config file", f)
	case f.Attr != Label:
		return n.prepare()
	}
	return nil
}

// prepare flattens the databases, the first time it is called.
func (n *Names) prepare() error {
	n.once.Do(func() { n.buildErr = n.build() })
	return n.buildErr
}

// Labels returns the label names, sorted.
func (n *Names) Labels() []string { return slices.Clone(n.labels.names) }

// LabelIndex returns the number Info.Label holds for a label name (exact
// case), and false for an unknown one.
func (n *Names) LabelIndex(name string) (uint16, bool) {
	i, ok := slices.BinarySearch(n.labels.names, name)
	return uint16(i + 1), ok
}

// LabelName returns the name of label number i (from Info.Label); "" for 0.
func (n *Names) LabelName(i uint16) string {
	if i == 0 || int(i) > len(n.labels.names) {
		return ""
	}
	return n.labels.names[i-1]
}

// Info is what is known of one address. Zero values mean unknown. It holds
// no pointers, so caches of millions of them cost the garbage collector
// nothing.
type Info struct {
	ASN     uint32
	Org     uint32  // index into the Cache's organisations, 0 for none
	Country [2]byte // upper case; zero for none
	Label   uint16  // Names.LabelName; 0 for none
}
