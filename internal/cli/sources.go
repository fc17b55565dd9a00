package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowlog/flowlog/internal/query"
)

// isRecordFile reports whether a file found in a folder holds flow log
// records: the service's *.log.gz objects, or plain *.log files.
func isRecordFile(name string) bool {
	return strings.HasSuffix(name, ".log.gz") || strings.HasSuffix(name, ".log")
}

// localInputs turns SOURCE arguments into inputs: "-" is standard input, a
// file is itself, a folder is every record file under it, in name order.
// Arguments keep the order they were given in.
func (f *Factory) localInputs(args []string) ([]query.Input, error) {
	var inputs []query.Input
	stdinUsed := false
	for _, arg := range args {
		if arg == "-" {
			if stdinUsed {
				return nil, usageErrorf("standard input (-) named twice")
			}
			stdinUsed = true
			inputs = append(inputs, f.stdinInput())
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &UserError{Err: fmt.Errorf("%s: no such file or folder", arg), Code: ExitNotFound}
			}
			return nil, err
		}
		if !info.IsDir() {
			inputs = append(inputs, fileInput(arg))
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && isRecordFile(d.Name()) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read folder %s: %w", arg, err)
		}
		slices.Sort(found)
		for _, path := range found {
			inputs = append(inputs, fileInput(path))
		}
	}
	return inputs, nil
}

func fileInput(path string) query.Input {
	return query.Input{
		Name: path,
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) },
	}
}

func (f *Factory) stdinInput() query.Input {
	return query.Input{
		Name: "<stdin>",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(f.IO.In), nil },
	}
}
