// Command gunzip-floor decompresses files with klauspost/compress gzip on
// every core and discards the output. The benchmark script uses it as the
// floor a query over the same files cannot beat: reading and inflating.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

func main() {
	files := os.Args[1:]
	var next atomic.Int64
	var total atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var zr *gzip.Reader
			br := bufio.NewReaderSize(nil, 64<<10)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				f, err := os.Open(files[i])
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					failed.Store(true)
					return
				}
				br.Reset(f)
				if zr == nil {
					zr, err = gzip.NewReader(br)
				} else {
					err = zr.Reset(br)
				}
				if err == nil {
					var n int64
					n, err = io.Copy(io.Discard, zr)
					total.Add(n)
				}
				f.Close()
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s: %v\n", files[i], err)
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		os.Exit(1)
	}
	fmt.Println(total.Load())
}
