package parquetio

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/parquetio/pqtest"
	"github.com/flowlog/flowlog/internal/record"
)

// readStarts reads the start of every record of a file, or the error.
func readStarts(data []byte) ([]int64, error) {
	f, err := Open(bytes.NewReader(data), int64(len(data)), "corrupt.parquet")
	if err != nil {
		return nil, err
	}
	var rd Reader
	var starts []int64
	_, err = rd.Each(f, record.AllFields, false, Bounds{}, func(r *record.Record) bool {
		starts = append(starts, r.Start)
		return true
	})
	return starts, err
}

func TestHandcraftedFile(t *testing.T) {
	// The honest file reads: what the corrupt ones below get wrong is only
	// the size they declare.
	starts, err := readStarts(pqtest.File(pqtest.Page{Starts: []int64{1700000000, 1700000060}}))
	if err != nil || len(starts) != 2 || starts[0] != 1700000000 || starts[1] != 1700000060 {
		t.Fatalf("the honest file: %v, %v", starts, err)
	}
}

func TestCorruptSizesRefused(t *testing.T) {
	tests := []struct {
		name string
		page pqtest.Page
		want string
	}{
		{"huge compressed page", pqtest.Page{Compressed: 1<<31 - 1, Starts: []int64{1}},
			"corrupt.parquet: corrupt parquet file: row group 0, column start: page at offset 4 declares 2147483647 bytes, 8 left in the column chunk"},
		{"huge uncompressed page", pqtest.Page{Uncompressed: 770 << 20, Starts: []int64{1}},
			"corrupt.parquet: corrupt parquet file: row group 0, column start: page at offset 4 declares 8 bytes (807403520 uncompressed), more than 67108864"},
		{"negative page", pqtest.Page{Compressed: -5, Starts: []int64{1}},
			"page at offset 4 declares -5 bytes"},
		{"too many values", pqtest.Page{NumValues: 1 << 30, Starts: []int64{1}},
			"row group 0, column start: page at offset 4 declares 1073741824 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := pqtest.File(tt.page)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := readStarts(data)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is more than one line: %q", err)
			}
			// parquet-go allocated what the header declared (770 MiB
			// for the second case); the checks come first.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes refusing a %d-byte file", alloc, len(data))
			}
		})
	}
}

func TestCorruptFooterRefused(t *testing.T) {
	good := pqtest.File(pqtest.Page{Starts: []int64{1}})
	footerLen := func(n uint32) []byte {
		b := bytes.Clone(good)
		b[len(b)-8], b[len(b)-7], b[len(b)-6], b[len(b)-5] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		return b
	}
	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"footer longer than the file": {footerLen(1 << 30), "footer of 1073741824 bytes in a file of"},
		"no magic":                    {good[:len(good)-1], "no PAR1 at the end"},
		"too short":                   {[]byte("PAR1PAR1"), "too short for a parquet file"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readStarts(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "corrupt.parquet: ") {
				t.Fatalf("got %v, want an error naming the file with %q", err, tt.want)
			}
		})
	}
}
