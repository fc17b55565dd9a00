// Package record owns the flow log record: its fields (the version-2
// record's fourteen, and the fields AWS custom formats add), a parser that
// allocates nothing per line, and the text form the service writes.
//
// A Record parsed from a line refers to that line's bytes; it is valid until
// the buffer holding the line is reused: for a Record a Scanner hands to
// Each's function, until that function returns.
package record

import (
	"net/netip"
	"strconv"
	"strings"
)

// Field names a field of a flow log record. The first fourteen are the
// version-2 record's, in its order; the others are the fields AWS VPC flow
// logs add in custom formats (versions 3 to 8), in the order of AWS's table
// of available fields. A line of a custom format holds any of them, in the
// order its header line names.
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

	// Version 3.
	VPCID
	SubnetID
	InstanceID
	TCPFlags
	Type
	PktSrcAddr
	PktDstAddr
	// Version 4.
	Region
	AZID
	SublocationType
	SublocationID
	// Version 5.
	PktSrcAWSService
	PktDstAWSService
	FlowDirection
	TrafficPath
	// Version 7.
	ECSClusterARN
	ECSClusterName
	ECSContainerInstanceARN
	ECSContainerInstanceID
	ECSContainerID
	ECSSecondContainerID
	ECSServiceName
	ECSTaskDefinitionARN
	ECSTaskARN
	ECSTaskID
	// Version 8.
	RejectReason

	// NumFields is the number of fields of a version-2 record.
	NumFields = 14
	// NumKnownFields is the number of fields of every format together.
	NumKnownFields = int(RejectReason) + 1
)

// Kind says how a field's text is read and what its value is.
type Kind uint8

const (
	KindText   Kind = iota // a token: an id, a name (account_id, vpc_id, type)
	KindAddr               // an IPv4 or IPv6 address
	KindNumber             // an unsigned number (ports, protocol, counters, tcp_flags)
	KindTime               // unix seconds (start, end)
	KindAction             // ACCEPT or REJECT
	KindStatus             // OK, NODATA or SKIPDATA
)

// fieldInfo describes a field: its name as flowlog spells it (JSON keys,
// CSV headers, --fields), how it is read, the largest number it holds, and
// the format version that brought it.
type fieldInfo struct {
	name    string
	kind    Kind
	max     uint64
	version uint8
}

// fieldTable describes every field. A field a header names is spelled as
// here with "-" for "_" (AWS's spelling) or as here.
var fieldTable = [NumKnownFields]fieldInfo{
	Version:                 {"version", KindText, 0, 2},
	AccountID:               {"account_id", KindText, 0, 2},
	InterfaceID:             {"interface_id", KindText, 0, 2},
	SrcAddr:                 {"srcaddr", KindAddr, 0, 2},
	DstAddr:                 {"dstaddr", KindAddr, 0, 2},
	SrcPort:                 {"srcport", KindNumber, 0xffff, 2},
	DstPort:                 {"dstport", KindNumber, 0xffff, 2},
	Protocol:                {"protocol", KindNumber, 0xff, 2},
	Packets:                 {"packets", KindNumber, 1<<64 - 1, 2},
	Bytes:                   {"bytes", KindNumber, 1<<64 - 1, 2},
	Start:                   {"start", KindTime, 1<<63 - 1, 2},
	End:                     {"end", KindTime, 1<<63 - 1, 2},
	ActionField:             {"action", KindAction, 0, 2},
	LogStatus:               {"log_status", KindStatus, 0, 2},
	VPCID:                   {"vpc_id", KindText, 0, 3},
	SubnetID:                {"subnet_id", KindText, 0, 3},
	InstanceID:              {"instance_id", KindText, 0, 3},
	TCPFlags:                {"tcp_flags", KindNumber, 1<<32 - 1, 3},
	Type:                    {"type", KindText, 0, 3},
	PktSrcAddr:              {"pkt_srcaddr", KindAddr, 0, 3},
	PktDstAddr:              {"pkt_dstaddr", KindAddr, 0, 3},
	Region:                  {"region", KindText, 0, 4},
	AZID:                    {"az_id", KindText, 0, 4},
	SublocationType:         {"sublocation_type", KindText, 0, 4},
	SublocationID:           {"sublocation_id", KindText, 0, 4},
	PktSrcAWSService:        {"pkt_src_aws_service", KindText, 0, 5},
	PktDstAWSService:        {"pkt_dst_aws_service", KindText, 0, 5},
	FlowDirection:           {"flow_direction", KindText, 0, 5},
	TrafficPath:             {"traffic_path", KindNumber, 1<<32 - 1, 5},
	ECSClusterARN:           {"ecs_cluster_arn", KindText, 0, 7},
	ECSClusterName:          {"ecs_cluster_name", KindText, 0, 7},
	ECSContainerInstanceARN: {"ecs_container_instance_arn", KindText, 0, 7},
	ECSContainerInstanceID:  {"ecs_container_instance_id", KindText, 0, 7},
	ECSContainerID:          {"ecs_container_id", KindText, 0, 7},
	ECSSecondContainerID:    {"ecs_second_container_id", KindText, 0, 7},
	ECSServiceName:          {"ecs_service_name", KindText, 0, 7},
	ECSTaskDefinitionARN:    {"ecs_task_definition_arn", KindText, 0, 7},
	ECSTaskARN:              {"ecs_task_arn", KindText, 0, 7},
	ECSTaskID:               {"ecs_task_id", KindText, 0, 7},
	RejectReason:            {"reject_reason", KindText, 0, 8},
}

// fieldNames are the version-2 names, in record order.
var fieldNames = func() (names [NumFields]string) {
	for f := range names {
		names[f] = fieldTable[f].name
	}
	return names
}()

// knownFieldNames are the names of every field, in Field order.
var knownFieldNames = func() (names [NumKnownFields]string) {
	for f := range names {
		names[f] = fieldTable[f].name
	}
	return names
}()

// String returns the field's name as used in JSON keys, CSV headers and
// --fields/--group-by arguments.
func (f Field) String() string {
	if int(f) < NumKnownFields {
		return fieldTable[f].name
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// AWSName returns the field's name as AWS spells it in formats and header
// lines: log-status, vpc-id.
func (f Field) AWSName() string { return strings.ReplaceAll(f.String(), "_", "-") }

// Kind says how the field is read and what its value is.
func (f Field) Kind() Kind {
	if int(f) < NumKnownFields {
		return fieldTable[f].kind
	}
	return KindText
}

// Max is the largest value of a number or time field.
func (f Field) Max() uint64 {
	if int(f) < NumKnownFields {
		return fieldTable[f].max
	}
	return 0
}

// FormatVersion is the version of the AWS flow log format that brought the
// field: 2 for the default fields, 3 to 8 for the others.
func (f Field) FormatVersion() int {
	if int(f) < NumKnownFields {
		return int(fieldTable[f].version)
	}
	return 0
}

// Numeric reports whether the field holds a number (ports, protocol,
// counters, times, tcp_flags and traffic_path).
func (f Field) Numeric() bool {
	k := f.Kind()
	return k == KindNumber || k == KindTime
}

// fieldAliases are the short names --fields, --group-by and --where
// arguments may use, beside a field's own name in either spelling.
var fieldAliases = map[string]Field{
	"account": AccountID, "interface": InterfaceID,
	"src": SrcAddr, "source": SrcAddr, "dst": DstAddr, "destination": DstAddr,
	"sport": SrcPort, "src_port": SrcPort, "dport": DstPort, "dst_port": DstPort,
	"proto": Protocol, "status": LogStatus,
	"pkt_src": PktSrcAddr, "pkt_dst": PktDstAddr, "tcpflags": TCPFlags,
}

// FieldByName looks a field up by name. It accepts flowlog's spelling
// (account_id), AWS's (account-id), either in any case, and a few short
// aliases (src, dport, proto).
func FieldByName(name string) (Field, bool) {
	if f, ok := fieldByHeaderName(name); ok {
		return f, true
	}
	f, ok := fieldAliases[strings.ReplaceAll(strings.ToLower(name), "-", "_")]
	return f, ok
}

// fieldByHeaderName looks a field up by the name a header line may give
// it: its own name, with "-" or "_", in any case; no aliases.
func fieldByHeaderName(name string) (Field, bool) {
	if len(name) > 32 {
		return 0, false
	}
	var buf [32]byte
	b := buf[:len(name)]
	for i := range len(name) {
		c := name[i]
		switch {
		case c == '-':
			c = '_'
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
	}
	for f, n := range knownFieldNames {
		if string(b) == n {
			return Field(f), true
		}
	}
	return 0, false
}

// FieldNames lists the version-2 field names in record order.
func FieldNames() []string { return fieldNames[:] }

// KnownFieldNames lists the names of every field of every format, the
// version-2 fields first.
func KnownFieldNames() []string { return knownFieldNames[:] }

// FieldSet is a set of fields, used to parse only what a query needs.
type FieldSet uint64

// AllFields holds every field of a version-2 record.
const AllFields FieldSet = 1<<NumFields - 1

// KnownFields holds every field of every format.
const KnownFields FieldSet = 1<<NumKnownFields - 1

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

	// The fields of custom formats, after Present so that the version-2
	// fields and Present share the cache lines they had. Their text fields
	// (vpc_id, region, …) lie in Line, where extra says: read them with
	// Text.
	PktSrcAddr  netip.Addr
	PktDstAddr  netip.Addr
	TCPFlags    uint32
	TrafficPath uint32
	extra       [NumKnownFields - NumFields]span
	// built holds the text fields of custom formats of a record built
	// field by field (SetText) rather than parsed from a line; extra
	// points into it then, not into Line.
	built []byte
}

// span is where a text field of a custom format lies in Line.
type span struct{ start, end int32 }

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
	case TCPFlags:
		return uint64(r.TCPFlags), true
	case TrafficPath:
		return uint64(r.TrafficPath), true
	}
	return 0, false
}

// Text returns a text field (ids, names, the version): its bytes in Line,
// or nil when it is absent or not a text field.
func (r *Record) Text(f Field) []byte {
	if !r.Present.Has(f) {
		return nil
	}
	switch f {
	case Version:
		return r.Version
	case AccountID:
		return r.AccountID
	case InterfaceID:
		return r.InterfaceID
	}
	if f.Kind() != KindText || int(f) >= NumKnownFields {
		return nil
	}
	s := r.extra[f-NumFields]
	if r.built != nil {
		return r.built[s.start:s.end:s.end]
	}
	return r.Line[s.start:s.end]
}

// SetText gives a record built field by field — one read from Parquet,
// not parsed from a line — the custom-format text field f (vpc_id, region,
// …) and marks it present; Text then returns it. Its bytes are appended to
// *buf, which holds the record's text fields one after another: the caller
// empties it before a record's first SetText, and keeps it from one record
// to the next so that filling records allocates nothing once it has grown.
// A field that is not such a text field is left alone.
func (r *Record) SetText(f Field, b []byte, buf *[]byte) {
	if int(f) < NumFields || int(f) >= NumKnownFields || f.Kind() != KindText {
		return
	}
	start := len(*buf)
	*buf = append(*buf, b...)
	if *buf == nil {
		*buf = []byte{} // an empty text still marks the record as built
	}
	r.built = *buf
	r.extra[f-NumFields] = span{int32(start), int32(len(*buf))}
	r.Present = r.Present.With(f)
}

// Addr returns an address field and whether it was present.
func (r *Record) Addr(f Field) (netip.Addr, bool) {
	if !r.Present.Has(f) {
		return netip.Addr{}, false
	}
	switch f {
	case SrcAddr:
		return r.SrcAddr, true
	case DstAddr:
		return r.DstAddr, true
	case PktSrcAddr:
		return r.PktSrcAddr, true
	case PktDstAddr:
		return r.PktDstAddr, true
	}
	return netip.Addr{}, false
}
