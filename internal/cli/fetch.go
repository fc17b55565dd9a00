package cli

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dustin/go-humanize"
	"github.com/klauspost/compress/gzip"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/source"
)

type fetchOptions struct {
	to           string
	since, until string
	decompress   bool
	jobs         int
	flowLogs     []string
}

func newFetchCmd(f *Factory) *cobra.Command {
	opts := &fetchOptions{}
	cmd := &cobra.Command{
		Use:   "fetch [SOURCE...] --to DIR [--flowlog NAME] [--since T] [--until T]",
		Short: "Download flow log objects, keeping their key layout",
		Long: `Download the objects of s3://BUCKET[/PREFIX] sources, or of configured flow
logs (--flowlog), into DIR, keeping their key layout: s3://b/web/x-1.log.gz
becomes DIR/web/x-1.log.gz. --since and --until download only the objects
that can hold records of that time.

Each object is written to a temporary file and renamed into place only when
it is complete and its size (and MD5, where the server's ETag is one) match.
Objects already present and identical are skipped, so a fetch that was
interrupted finishes the job when run again. A key that would land outside
DIR (.., an absolute path, empty segments) is refused and reported, never
written.`,
		Example: `  flowlog fetch s3://my-logs/web --to ./logs --since 24h
  flowlog fetch --flowlog web-ingress --to ./logs --decompress`,
		GroupID: "records",
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchRun(cmd, f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "download into folder `DIR` (created if missing)")
	fl.StringVar(&opts.since, "since", "", "only objects that can hold records at or after `TIME`")
	fl.StringVar(&opts.until, "until", "", "only objects that can hold records at or before `TIME`")
	fl.BoolVar(&opts.decompress, "decompress", false, "write the records uncompressed (x.log.gz becomes x.log)")
	fl.IntVarP(&opts.jobs, "jobs", "j", 4, "download `N` objects at once")
	fl.StringArrayVar(&opts.flowLogs, "flowlog", nil, "download the objects of a configured flow log, by `NAME|ID` (repeatable)")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
	cmd.MarkFlagDirname("to")
	return cmd
}

type fetchStats struct {
	fetched, present, refused atomic.Int64
	bytes                     atomic.Int64
}

func fetchRun(cmd *cobra.Command, f *Factory, opts *fetchOptions, args []string) error {
	ctx := cmd.Context()
	if opts.to == "" {
		return usageErrorf("--to is required: the folder to download into")
	}
	if opts.jobs < 1 {
		return usageErrorf("--jobs must be at least 1")
	}
	if len(args) == 0 && len(opts.flowLogs) == 0 {
		return usageErrorf("name what to fetch: s3://BUCKET[/PREFIX] or --flowlog NAME")
	}
	window, err := parseWindow(opts.since, opts.until, f.Now())
	if err != nil {
		return err
	}
	sources, err := f.resolveSources(ctx, args, opts.flowLogs, sourceRules{ObjectsOnly: "fetch downloads objects"})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.to, 0o755); err != nil {
		return fmt.Errorf("--to %s: %w", opts.to, err)
	}

	type job struct {
		store objstore.Store
		obj   objstore.Object
	}
	var jobs []job
	var listed source.Stats
	for _, set := range sources.objectSets() {
		objs, err := source.List(ctx, set, window, &listed)
		if err != nil {
			return err
		}
		for _, o := range objs {
			jobs = append(jobs, job{set.Store, o})
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bar := f.newProgress(len(jobs), false)
	var stats fetchStats
	var firstErr error
	var errOnce sync.Once
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(opts.jobs, max(len(jobs), 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				j := jobs[i]
				err := fetchObject(ctx, j.store, j.obj, opts, &stats)
				var refused *refusedKeyError
				switch {
				case errors.As(err, &refused):
					stats.refused.Add(1)
					fmt.Fprintf(f.IO.ErrOut, "flowlog: %v\n", err)
				case err != nil:
					errOnce.Do(func() {
						firstErr = fmt.Errorf("fetch %s/%s: %w", j.store, j.obj.Key, err)
						cancel()
					})
					return
				}
				bar.done(0)
			}
		})
	}
	wg.Wait()
	bar.finish()

	fmt.Fprintf(f.IO.ErrOut, "fetched %d objects (%s), %d already present, %d refused, into %s\n",
		stats.fetched.Load(), humanize.IBytes(uint64(stats.bytes.Load())), stats.present.Load(), stats.refused.Load(), opts.to)
	if err := cmd.Context().Err(); err != nil {
		return err // interrupted: what is fetched is complete, the rest is not there
	}
	if firstErr != nil {
		return withHint(firstErr, "run the same fetch again to finish: complete objects are kept and skipped")
	}
	if n := stats.refused.Load(); n > 0 {
		return fmt.Errorf("%d %s refused: see above", n, output.Plural(n, "key"))
	}
	return nil
}

// refusedKeyError is a key that would be written outside the target folder.
type refusedKeyError struct {
	key    string
	reason string
}

func (e *refusedKeyError) Error() string {
	return fmt.Sprintf("refusing key %q: %s; it was not written", e.key, e.reason)
}

// targetPath is where key lands under dir, or a refusal: keys come from a
// server, and a hostile one must not write outside dir.
func targetPath(dir, key string) (string, error) {
	refuse := func(reason string) error { return &refusedKeyError{key: key, reason: reason} }
	switch {
	case key == "":
		return "", refuse("empty key")
	case strings.HasPrefix(key, "/"):
		return "", refuse("absolute path")
	case strings.ContainsAny(key, "\\\x00"):
		return "", refuse("backslash or NUL in key")
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return "", refuse("empty path segment")
		case ".", "..":
			return "", refuse("'" + seg + "' path segment would leave the folder")
		}
	}
	p := filepath.Join(dir, filepath.FromSlash(key))
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", refuse("outside the folder")
	}
	return p, nil
}

// md5ETag returns the MD5 an ETag stands for, if it is one: single-part
// uploads have the hex MD5 of the body as ETag, multipart ones do not.
func md5ETag(etag string) ([]byte, bool) {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 {
		return nil, false
	}
	b, err := hex.DecodeString(etag)
	return b, err == nil
}

func fileMD5(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	h := md5.New()
	if _, err := io.Copy(h, fh); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// fetchObject downloads one object unless an identical copy is present.
func fetchObject(ctx context.Context, store objstore.Store, o objstore.Object, opts *fetchOptions, stats *fetchStats) error {
	key := o.Key
	decompress := opts.decompress && strings.HasSuffix(key, ".gz")
	if decompress {
		key = strings.TrimSuffix(key, ".gz")
	}
	dst, err := targetPath(opts.to, key)
	if err != nil {
		return err
	}
	want, haveMD5 := md5ETag(o.ETag)
	if info, err := os.Stat(dst); err == nil && info.Mode().IsRegular() {
		// A decompressed copy was renamed into place only once verified.
		if decompress {
			stats.present.Add(1)
			return nil
		}
		if info.Size() == o.Size {
			if !haveMD5 {
				stats.present.Add(1)
				return nil
			}
			if sum, err := fileMD5(dst); err == nil && string(sum) == string(want) {
				stats.present.Add(1)
				return nil
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".flowlog-part-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	body, err := store.Open(ctx, o.Key)
	if err != nil {
		return err
	}
	defer body.Close()
	h := md5.New()
	counted := &countingWriter{}
	raw := io.TeeReader(body, io.MultiWriter(h, counted))
	if decompress {
		err = copyDecompressed(tmp, raw)
	} else {
		_, err = io.Copy(tmp, raw)
	}
	if err != nil {
		return err
	}
	if err := verifyDownload(o, counted.n, h, want, haveMD5); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	done = true
	stats.fetched.Add(1)
	stats.bytes.Add(counted.n)
	return nil
}

func copyDecompressed(dst io.Writer, src io.Reader) error {
	zr, err := gzip.NewReader(src)
	if err != nil {
		return fmt.Errorf("not gzip data: %w", err)
	}
	if _, err := io.Copy(dst, zr); err != nil {
		return fmt.Errorf("truncated or corrupt gzip data: %w", err)
	}
	// Read to the end so the size and checksum cover every byte.
	_, err = io.Copy(io.Discard, src)
	return err
}

func verifyDownload(o objstore.Object, n int64, h hash.Hash, want []byte, haveMD5 bool) error {
	if n != o.Size {
		return fmt.Errorf("incomplete download: %d of %d bytes", n, o.Size)
	}
	if haveMD5 && string(h.Sum(nil)) != string(want) {
		return fmt.Errorf("checksum mismatch: MD5 %x, ETag %x", h.Sum(nil), want)
	}
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
