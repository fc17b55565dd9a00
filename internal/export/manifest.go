package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/flowlog/flowlog/internal/objstore"
)

// The export's own bookkeeping lies under this folder of the target. Its
// name starts with "_", so Hive, Trino, Spark and DuckDB (and flowlog
// query) do not take its files for data.
const (
	metaDir     = "_flowlog_export"
	manifestDir = metaDir + "/manifest/"
	pendingDir  = metaDir + "/pending/"
)

// Converted is one source object an export has converted, as a line of a
// manifest segment.
type Converted struct {
	Source  string `json:"source"` // the store it was read from, for people
	Key     string `json:"key"`
	ETag    string `json:"etag,omitempty"`
	Size    int64  `json:"size"`
	Records int64  `json:"records"`
}

// pending is what a batch is writing before it commits: the data files, so
// that a run after an interrupted one can remove them.
type pending struct {
	Batch string   `json:"batch"`
	Files []string `json:"files"`
}

// Manifest is what the target says was converted: a segment per committed
// batch, under _flowlog_export/manifest/. A batch commits by writing its
// segment in one piece, after every file it wrote is in place; until then
// its file list is in _flowlog_export/pending/, so a batch that never
// committed can be undone.
type Manifest struct {
	done map[string]Converted // by key
}

// Has reports whether an object was converted, and the entry that says so.
func (m *Manifest) Has(key string) (Converted, bool) {
	c, ok := m.done[key]
	return c, ok
}

// Len is the number of objects converted.
func (m *Manifest) Len() int { return len(m.done) }

// readManifest reads every committed segment of the target.
func readManifest(ctx context.Context, t *Target) (*Manifest, error) {
	m := &Manifest{done: map[string]Converted{}}
	var keys []string
	err := t.Store.List(ctx, t.key(manifestDir), "", func(o objstore.Object) error {
		if strings.HasSuffix(o.Key, ".ndjson") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the export manifest: %w", err)
	}
	for _, key := range keys {
		if err := readSegment(ctx, t.Store, key, func(c Converted) { m.done[c.Key] = c }); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func readSegment(ctx context.Context, store objstore.Store, key string, fn func(Converted)) error {
	rc, err := store.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("read the export manifest: %w", err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c Converted
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.Key == "" {
			if err == nil {
				err = errors.New("no key")
			}
			return fmt.Errorf("%s/%s:%d: not a manifest entry: %v", store, key, line, err)
		}
		fn(c)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s/%s: %w", store, key, err)
	}
	return nil
}

// recoverPending undoes batches that wrote files but never committed:
// their files are deleted, so that converting their objects again does
// not duplicate a record. A batch whose segment exists did commit, and
// only its pending note is left to remove. It returns the number of files
// removed.
func recoverPending(ctx context.Context, t *Target) (int, error) {
	var notes []string
	err := t.Store.List(ctx, t.key(pendingDir), "", func(o objstore.Object) error {
		if strings.HasSuffix(o.Key, ".json") {
			notes = append(notes, o.Key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("look for interrupted exports: %w", err)
	}
	removed := 0
	for _, note := range notes {
		batch := strings.TrimSuffix(path.Base(note), ".json")
		committed := true
		if _, err := t.Store.Stat(ctx, t.key(manifestDir+batch+".ndjson")); errors.Is(err, objstore.ErrNotFound) {
			committed = false
		} else if err != nil {
			return removed, err
		}
		if !committed {
			p, err := readPending(ctx, t.Store, note)
			if err != nil {
				return removed, err
			}
			var keys []string
			for _, f := range p.Files {
				// Only the files of this batch, whatever the note says.
				if strings.Contains(path.Base(f), batch) && strings.HasPrefix(f, t.key("")) {
					keys = append(keys, f)
				}
			}
			if err := t.Store.Delete(ctx, keys); err != nil {
				return removed, fmt.Errorf("remove the files of an interrupted export: %w", err)
			}
			removed += len(keys)
		}
		if err := t.Store.Delete(ctx, []string{note}); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

func readPending(ctx context.Context, store objstore.Store, key string) (pending, error) {
	var p pending
	rc, err := store.Open(ctx, key)
	if err != nil {
		return p, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%s/%s: not a pending export note: %v", store, key, err)
	}
	return p, nil
}
