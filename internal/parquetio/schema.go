// Package parquetio owns flow log records in Parquet: the columns of the
// export layout (docs/export.md), writing one file of records, and reading
// records back from Parquet files — flowlog's own exports and AWS's Parquet
// flow logs — skipping row groups whose statistics cannot match.
package parquetio

import (
	"net/netip"
	"strconv"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/flowlog/flowlog/internal/record"
)

// The columns of the export layout, by name. Every column is optional: a
// field written as "-" is NULL.
const (
	ColVersion     = "version"
	ColAccountID   = "account_id"
	ColInterfaceID = "interface_id"
	ColSrcAddr     = "srcaddr"
	ColDstAddr     = "dstaddr"
	ColSrcAddrBin  = "srcaddr_bin"
	ColDstAddrBin  = "dstaddr_bin"
	ColSrcPort     = "srcport"
	ColDstPort     = "dstport"
	ColProtocol    = "protocol"
	ColPackets     = "packets"
	ColBytes       = "bytes"
	ColStart       = "start"
	ColEnd         = "end"
	ColAction      = "action"
	ColLogStatus   = "log_status"
)

// schemaRow declares the layout's columns in their order; it is never
// filled, rows are written value by value (see Writer).
type schemaRow struct {
	Version     *int32  `parquet:"version,optional"`
	AccountID   *string `parquet:"account_id,optional,dict"`
	InterfaceID *string `parquet:"interface_id,optional,dict"`
	SrcAddr     *string `parquet:"srcaddr,optional,dict"`
	DstAddr     *string `parquet:"dstaddr,optional,dict"`
	SrcAddrBin  []byte  `parquet:"srcaddr_bin,optional,dict"`
	DstAddrBin  []byte  `parquet:"dstaddr_bin,optional,dict"`
	SrcPort     *int32  `parquet:"srcport,optional,dict"`
	DstPort     *int32  `parquet:"dstport,optional,dict"`
	Protocol    *int32  `parquet:"protocol,optional,dict"`
	Packets     *int64  `parquet:"packets,optional"`
	Bytes       *int64  `parquet:"bytes,optional"`
	Start       *int64  `parquet:"start,optional"`
	End         *int64  `parquet:"end,optional"`
	Action      *string `parquet:"action,optional,dict"`
	LogStatus   *string `parquet:"log_status,optional,dict"`
}

// Schema is the Parquet schema of an exported file. It is built on first
// use, by a writer, not when flowlog starts.
var Schema = sync.OnceValue(func() *parquet.Schema { return parquet.SchemaOf(schemaRow{}) })

// column indexes of the export schema, in schemaRow's order.
const (
	iVersion = iota
	iAccountID
	iInterfaceID
	iSrcAddr
	iDstAddr
	iSrcAddrBin
	iDstAddrBin
	iSrcPort
	iDstPort
	iProtocol
	iPackets
	iBytes
	iStart
	iEnd
	iAction
	iLogStatus
	numColumns
)

// Row is one record as an export holds it before writing: its own values,
// not pointing into a line that is about to be reused. A field absent from
// Present ("-") is NULL.
type Row struct {
	Start, End       int64
	Packets, Bytes   uint64
	SrcAddr, DstAddr netip.Addr
	Version          string
	AccountID        string
	InterfaceID      string
	SrcPort, DstPort uint16
	Protocol         uint8
	Action           record.Action
	Status           record.Status
	Present          record.FieldSet
}

// Interner keeps one copy of strings that repeat in every record (account
// and interface ids, the version), so buffered rows share them.
type Interner map[string]string

func (in Interner) intern(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	if len(in) > 1<<16 {
		clear(in) // ids of a million interfaces: keep the map small, copies are fine
	}
	s := string(b)
	in[s] = s
	return s
}

// RowOf copies a parsed record into a Row.
func RowOf(r *record.Record, in Interner) Row {
	row := Row{
		Start: r.Start, End: r.End, Packets: r.Packets, Bytes: r.Bytes,
		SrcAddr: r.SrcAddr, DstAddr: r.DstAddr,
		SrcPort: r.SrcPort, DstPort: r.DstPort, Protocol: r.Protocol,
		Action: r.Action, Status: r.Status, Present: r.Present,
	}
	if r.Has(record.Version) {
		row.Version = in.intern(r.Version)
	}
	if r.Has(record.AccountID) {
		row.AccountID = in.intern(r.AccountID)
	}
	if r.Has(record.InterfaceID) {
		row.InterfaceID = in.intern(r.InterfaceID)
	}
	return row
}

// AddrBin is the 16-byte form of an address in the *_bin columns: IPv6 as
// it is, IPv4 as ::ffff:a.b.c.d. Compared as unsigned bytes, a CIDR prefix
// is one range of these values.
func AddrBin(a netip.Addr) [16]byte { return a.As16() }

// versionValue is the INT32 of a version field; ok is false for one that is
// not a number.
func versionValue(s string) (int32, bool) {
	v, err := strconv.ParseInt(s, 10, 32)
	return int32(v), err == nil
}
