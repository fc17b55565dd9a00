package parquetio

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/flowlog/flowlog/internal/record"
)

// RowGroupRows is how many rows a row group of an exported file holds at
// most. Rows are sorted by start, so a row group covers a slice of the
// hour: small enough that a time window skips most of a file, large enough
// that the statistics and page headers stay a small share of it.
const RowGroupRows = 16384

// WriteOptions tune WriteFile; the zero value is the export's layout.
type WriteOptions struct {
	RowGroupRows int               // 0 means RowGroupRows
	Metadata     map[string]string // key-value metadata of the file
}

// WriteFile writes rows as one Parquet file to w: the export schema, zstd,
// rows sorted by start (rows is sorted in place), row groups with min/max
// statistics and the sorting declared. w is written front to back, never
// sought, so it may be a pipe.
func WriteFile(w io.Writer, rows []Row, opts WriteOptions) error {
	slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(a.Start, b.Start) })
	groupRows := opts.RowGroupRows
	if groupRows <= 0 {
		groupRows = RowGroupRows
	}
	options := []parquet.WriterOption{
		Schema(),
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.MaxRowsPerRowGroup(int64(groupRows)),
		// Addresses and ports repeat within a row group on most
		// interfaces; on one facing the internet they do not, and a
		// dictionary that grows past this gives way to plain values.
		parquet.DictionaryMaxBytes(256 << 10),
		parquet.SortingWriterConfig(parquet.SortingColumns(parquet.Ascending(ColStart))),
		parquet.CreatedBy("flowlog", "", ""),
	}
	for k, v := range opts.Metadata {
		options = append(options, parquet.KeyValueMetadata(k, v))
	}
	pw := parquet.NewWriter(w, options...)

	const batch = 1024
	prows := make([]parquet.Row, batch)
	for i := range prows {
		prows[i] = make(parquet.Row, numColumns)
	}
	var arena []byte
	for len(rows) > 0 {
		n := min(batch, len(rows))
		arena = arena[:0]
		for i := range n {
			arena = fillRow(prows[i], &rows[i], arena)
		}
		if _, err := pw.WriteRows(prows[:n]); err != nil {
			return fmt.Errorf("write parquet rows: %w", err)
		}
		rows = rows[n:]
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

// fillRow sets the values of one row. Byte values are appended to arena;
// each is sliced with its capacity cut at its end, so appending later
// values (or moving to a larger array) never changes it.
func fillRow(pr parquet.Row, r *Row, arena []byte) []byte {
	bytesValue := func(col int, appendTo func([]byte) []byte) parquet.Value {
		start := len(arena)
		arena = appendTo(arena)
		return parquet.ByteArrayValue(arena[start:len(arena):len(arena)]).Level(0, 1, col)
	}
	str := func(col int, f record.Field, s string) parquet.Value {
		if !r.Present.Has(f) {
			return parquet.NullValue().Level(0, 0, col)
		}
		return bytesValue(col, func(b []byte) []byte { return append(b, s...) })
	}
	addr := func(text, bin int, f record.Field, a netip.Addr) {
		if !r.Present.Has(f) {
			pr[text], pr[bin] = parquet.NullValue().Level(0, 0, text), parquet.NullValue().Level(0, 0, bin)
			return
		}
		pr[text] = bytesValue(text, a.AppendTo)
		b16 := AddrBin(a)
		pr[bin] = bytesValue(bin, func(b []byte) []byte { return append(b, b16[:]...) })
	}
	integer := func(col int, f record.Field, v int64, bits int) parquet.Value {
		switch {
		case !r.Present.Has(f):
			return parquet.NullValue().Level(0, 0, col)
		case bits == 32:
			return parquet.Int32Value(int32(v)).Level(0, 1, col)
		}
		return parquet.Int64Value(v).Level(0, 1, col)
	}

	version, ok := versionValue(r.Version)
	if !ok {
		// A version that is not a number has no INT32 form: NULL.
		pr[iVersion] = parquet.NullValue().Level(0, 0, iVersion)
	} else {
		pr[iVersion] = integer(iVersion, record.Version, int64(version), 32)
	}
	pr[iAccountID] = str(iAccountID, record.AccountID, r.AccountID)
	pr[iInterfaceID] = str(iInterfaceID, record.InterfaceID, r.InterfaceID)
	addr(iSrcAddr, iSrcAddrBin, record.SrcAddr, r.SrcAddr)
	addr(iDstAddr, iDstAddrBin, record.DstAddr, r.DstAddr)
	pr[iSrcPort] = integer(iSrcPort, record.SrcPort, int64(r.SrcPort), 32)
	pr[iDstPort] = integer(iDstPort, record.DstPort, int64(r.DstPort), 32)
	pr[iProtocol] = integer(iProtocol, record.Protocol, int64(r.Protocol), 32)
	pr[iPackets] = integer(iPackets, record.Packets, int64(r.Packets), 64)
	pr[iBytes] = integer(iBytes, record.Bytes, int64(r.Bytes), 64)
	pr[iStart] = integer(iStart, record.Start, r.Start, 64)
	pr[iEnd] = integer(iEnd, record.End, r.End, 64)
	pr[iAction] = str(iAction, record.ActionField, r.Action.String())
	pr[iLogStatus] = str(iLogStatus, record.LogStatus, r.Status.String())
	return arena
}
