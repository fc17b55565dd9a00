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

// timeFolders finds the time partitions of a key that KeySpan reads: the
// key's folders before them (with their trailing '/'), and their names in
// order. ok is false when the key has none, or when other folders come
// between them, since then no key of a later time can be written from these
// alone.
func timeFolders(key string) (base string, names []string, ok bool) {
	if _, _, ok := KeySpan(key); !ok {
		return "", nil, false
	}
	segments := strings.Split(key, "/")
	start, end := -1, -1
	for i, seg := range segments[:len(segments)-1] {
		name, _, _ := strings.Cut(seg, "=")
		switch name {
		case "date", "year", "month", "day", "hour":
		default:
			continue
		}
		if start >= 0 && i != end {
			return "", nil, false
		}
		if start < 0 {
			start = i
		}
		end = i + 1
		names = append(names, name)
	}
	base = strings.Join(segments[:start], "/")
	if base != "" {
		base += "/"
	}
	return base, names, true
}

// PartitionSeek returns a key to list after to reach, under the folders of
// key and in its layout, the partitions of time t and later: every key in
// them sorts after it, and (in a layout that pads its numbers with zeros,
// as flowlog's and AWS's do) the keys of earlier partitions sort before it.
//
// Nothing at or after t may sort before it, whether the layout pads or not:
// where a later partition's number differs, an unpadded one starts with a
// digit above the padding's '0', and the same number unpadded ("6" against
// "06") sorts after the padded one too. The one number whose unpadded form
// is a prefix of the padded one is 0 ("hour=0" against "hour=00"), so a
// zero hour is written "0": both forms sort after that. ok is false for a
// key KeySpan does not read, or a time outside years 1 to 9999.
func PartitionSeek(key string, t time.Time) (string, bool) {
	base, names, ok := timeFolders(key)
	t = t.UTC()
	if !ok || t.Year() < 1 || t.Year() > 9999 {
		return "", false
	}
	parts := make([]string, len(names))
	for i, name := range names {
		switch name {
		case "date":
			parts[i] = "date=" + t.Format(time.DateOnly)
		case "year":
			parts[i] = fmt.Sprintf("year=%04d", t.Year())
		case "month":
			parts[i] = fmt.Sprintf("month=%02d", int(t.Month()))
		case "day":
			parts[i] = fmt.Sprintf("day=%02d", t.Day())
		case "hour":
			parts[i] = fmt.Sprintf("hour=%02d", t.Hour())
			if t.Hour() == 0 {
				parts[i] = "hour=0"
			}
		}
	}
	return base + strings.Join(parts, "/"), true
}

// PartitionsEnd returns a key that sorts after every key in a time
// partition under the folders of key: its first time folder with a value
// of ':', which sorts right after the digits. from is when the records of
// the keys between key and end start at the earliest: the first time
// folder's value is of fixed width (a date=YYYY-MM-DD, a year=YYYY), so the
// keys after key are in its date or year or a later one, whatever the
// folders below it, padded or not, do to the order. ok is false for a key
// PartitionSeek takes no time from, or whose first time folder is another
// one (month=, day=, hour=) or a year not of four digits.
func PartitionsEnd(key string) (end string, from time.Time, ok bool) {
	base, names, ok := timeFolders(key)
	if !ok {
		return "", time.Time{}, false
	}
	value, _, _ := strings.Cut(key[len(base)+len(names[0])+1:], "/")
	switch names[0] {
	case "date":
		d, err := time.Parse(time.DateOnly, value)
		if err != nil {
			return "", time.Time{}, false
		}
		from = d
	case "year":
		y, err := strconv.Atoi(value)
		if err != nil || len(value) != 4 {
			return "", time.Time{}, false
		}
		from = time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC)
	default:
		return "", time.Time{}, false
	}
	return base + names[0] + "=:", from, true
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
