package parquetio

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
)

// Partition is where a record lies in the export layout: its flow log and
// the UTC hour of its start.
type Partition struct {
	FlowLog string
	Hour    time.Time // UTC, truncated to the hour
}

// PartitionOf is the partition of a record of flow log name starting at
// start (unix seconds).
func PartitionOf(name string, start int64) Partition {
	return Partition{FlowLog: name, Hour: time.Unix(start, 0).UTC().Truncate(time.Hour)}
}

// Dir is the partition's folder: "flowlog=web01/date=2026-11-24/hour=13".
// Names of flow logs hold no '/' (flowlog.ValidateName); a name Hive would
// need to escape is written as it is, since the layout is read back by name.
func (p Partition) Dir() string {
	return fmt.Sprintf("flowlog=%s/date=%s/hour=%02d", p.FlowLog, p.Hour.Format(time.DateOnly), p.Hour.Hour())
}

// FlowLogDir is the folder of one flow log's partitions: "flowlog=web01".
func FlowLogDir(name string) string { return "flowlog=" + name }

// KeySpan reads the time partitions in a key's folders — flowlog's
// date=YYYY-MM-DD/hour=HH and AWS's Hive-style year=YYYY/month=MM/day=DD
// [/hour=HH] — and returns the span of record start times the object can
// hold: [from, to). ok is false for a key with no time partition, or with
// one that does not parse; such a key is never skipped by time.
func KeySpan(key string) (from, to time.Time, ok bool) {
	var year, month, day, hour = -1, -1, -1, -1
	var date string
	segments := strings.Split(key, "/")
	for _, seg := range segments[:len(segments)-1] {
		name, value, found := strings.Cut(seg, "=")
		if !found {
			continue
		}
		num := func() int {
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || len(value) > 4 {
				return -2
			}
			return n
		}
		switch name {
		case "date":
			date = value
		case "year":
			year = num()
		case "month":
			month = num()
		case "day":
			day = num()
		case "hour":
			hour = num()
		}
	}
	if year < -1 || month < -1 || day < -1 || hour < -1 || hour > 23 {
		return time.Time{}, time.Time{}, false
	}
	var t time.Time
	switch {
	case date != "":
		d, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return time.Time{}, time.Time{}, false
		}
		t = d
	case year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31:
		t = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if t.Day() != day {
			return time.Time{}, time.Time{}, false // February 30th
		}
	default:
		return time.Time{}, time.Time{}, false
	}
	if hour >= 0 {
		t = t.Add(time.Duration(hour) * time.Hour)
		return t, t.Add(time.Hour), true
	}
	return t, t.AddDate(0, 0, 1), true
}

// IsParquetKey reports whether a key names a Parquet file.
func IsParquetKey(key string) bool { return strings.HasSuffix(key, ".parquet") }

// NarrowToFlowLogs turns a folder or bucket prefix that holds an export
// (flowlog=NAME/ folders) into the folders of the named flow logs, so that
// only their partitions are listed. ok is false, and objs is left alone,
// when objs holds no export.
func NarrowToFlowLogs(ctx context.Context, objs flowlog.Objects, names []string) (narrowed []flowlog.Objects, ok bool, err error) {
	if objs.Name != "" {
		return nil, false, nil
	}
	found := false
	err = objs.Store.List(ctx, objs.KeyPrefix()+"flowlog=", "", func(objstore.Object) error {
		found = true
		return objstore.ErrStop
	})
	if err != nil || !found {
		return nil, false, err
	}
	for _, name := range names {
		n := objs
		n.Prefix = strings.TrimPrefix(objs.KeyPrefix()+FlowLogDir(name), "/")
		narrowed = append(narrowed, n)
	}
	return narrowed, true, nil
}
