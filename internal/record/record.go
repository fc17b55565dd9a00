// Package record owns the version-2 flow log record: its fields, a parser
// that allocates nothing per line, and the text form the service writes.
//
// A Record parsed from a line refers to that line's bytes; it is valid until
// the buffer holding the line is reused: for a Record a Scanner hands to
// Each's function, until that function returns.
package record

import (
	"net/netip"
	"strconv"
)

// Field names one of the fourteen fields of a version-2 record, in order.
type Field uint8

const (
	Version Field = iota
	AccountID
	InterfaceID
	SrcAddr
	DstAddr
	SrcPort
	DstPort
	Protocol
	Packets
	Bytes
	Start
	End
	ActionField
	LogStatus

	NumFields = 14
)

var fieldNames = [NumFields]string{
	"version", "account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport",
	"protocol", "packets", "bytes", "start", "end", "action", "log_status",
}

// String returns the field's name as used in JSON keys, CSV headers and
// --fields/--group-by arguments.
func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// Numeric reports whether the field holds a number (ports, protocol,
// counters and times).
func (f Field) Numeric() bool {
	switch f {
	case SrcPort, DstPort, Protocol, Packets, Bytes, Start, End:
		return true
	}
	return false
}

// FieldByName looks a field up by name. It accepts the JSON spelling
// (account_id), the service's spelling (account-id) and a few short aliases.
func FieldByName(name string) (Field, bool) {
	for i, n := range fieldNames {
		if name == n {
			return Field(i), true
		}
	}
	switch name {
	case "account-id", "account":
		return AccountID, true
	case "interface-id", "interface":
		return InterfaceID, true
	case "src", "source":
		return SrcAddr, true
	case "dst", "destination":
		return DstAddr, true
	case "sport", "src_port", "src-port":
		return SrcPort, true
	case "dport", "dst_port", "dst-port":
		return DstPort, true
	case "proto":
		return Protocol, true
	case "log-status", "status":
		return LogStatus, true
	}
	return 0, false
}

// FieldNames lists every field name in record order.
func FieldNames() []string { return fieldNames[:] }

// FieldSet is a set of fields, used to parse only what a query needs.
type FieldSet uint16

// AllFields holds every field.
const AllFields FieldSet = 1<<NumFields - 1

// With returns the set with f added.
func (s FieldSet) With(f Field) FieldSet { return s | 1<<f }

// Has reports whether f is in the set.
func (s FieldSet) Has(f Field) bool { return s&(1<<f) != 0 }

// Action is the firewall verdict of a flow.
type Action uint8

const (
	ActionNone Action = iota // "-"
	Accept
	Reject
)

func (a Action) String() string {
	switch a {
	case Accept:
		return "ACCEPT"
	case Reject:
		return "REJECT"
	}
	return "-"
}

// Status is the log-status of a record.
type Status uint8

const (
	StatusNone Status = iota // "-"
	OK
	NoData
	SkipData
)

func (s Status) String() string {
	switch s {
	case OK:
		return "OK"
	case NoData:
		return "NODATA"
	case SkipData:
		return "SKIPDATA"
	}
	return "-"
}

// Record is one parsed flow log line. A field written as "-" is absent: its
// bit is clear in Present and its value is the zero value.
type Record struct {
	Line []byte // the line as read, without its line ending

	Version     []byte
	AccountID   []byte
	InterfaceID []byte
	SrcAddr     netip.Addr
	DstAddr     netip.Addr
	SrcPort     uint16
	DstPort     uint16
	Protocol    uint8
	Packets     uint64
	Bytes       uint64
	Start       int64
	End         int64
	Action      Action
	Status      Status

	// Present has a bit set for every parsed field that was not "-".
	Present FieldSet
}

// Has reports whether field f was present (not "-") in the line.
func (r *Record) Has(f Field) bool { return r.Present.Has(f) }

// Uint returns a numeric field as an unsigned number and whether it was
// present. It returns false for non-numeric fields.
func (r *Record) Uint(f Field) (uint64, bool) {
	if !r.Present.Has(f) {
		return 0, false
	}
	switch f {
	case SrcPort:
		return uint64(r.SrcPort), true
	case DstPort:
		return uint64(r.DstPort), true
	case Protocol:
		return uint64(r.Protocol), true
	case Packets:
		return r.Packets, true
	case Bytes:
		return r.Bytes, true
	case Start:
		return uint64(r.Start), true
	case End:
		return uint64(r.End), true
	}
	return 0, false
}
