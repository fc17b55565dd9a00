package report

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/flowlog/flowlog/internal/query"
)

var screenshot = flag.String("screenshot", "", "write a screenshot of the sample report to `FILE` (docs/report.png)")

// chromium finds the browser: $FLOWLOG_CHROMIUM, or chromium on the PATH.
// Without one the browser tests skip, unless FLOWLOG_REQUIRE_CHROMIUM is
// set (scripts/test.sh sets it after installing Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FLOWLOG_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("FLOWLOG_REQUIRE_CHROMIUM") != "" {
		t.Fatal("FLOWLOG_REQUIRE_CHROMIUM is set but no chromium was found (apt-get install chromium, or set FLOWLOG_CHROMIUM)")
	}
	t.Skip("no chromium: install Debian's chromium package (scripts/test.sh does) to open the report in a browser")
	return ""
}

// browser starts one headless Chromium for a test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("headless", "new"),
		chromedp.WindowSize(1100, 1400),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// pageLoad is what a browser saw while it opened a page.
type pageLoad struct {
	mu       sync.Mutex
	problems []string // console errors and warnings, exceptions, log errors
	requests []string // every URL requested besides the page itself
}

func (l *pageLoad) add(list *[]string, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, s)
}

// open loads file in a new tab of the browser, watching the console, the
// log and the network, and leaves the tab open for more actions.
func open(t *testing.T, bctx context.Context, file string) (context.Context, *pageLoad) {
	t.Helper()
	tab, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	url := "file://" + file
	load := &pageLoad{}
	chromedp.ListenTarget(tab, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeWarning || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, strings.Trim(string(a.Value), `"`))
				}
				load.add(&load.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			load.add(&load.problems, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError || ev.Entry.Level == log.LevelWarning {
				load.add(&load.problems, fmt.Sprintf("log %s (%s): %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text))
			}
		case *network.EventRequestWillBeSent:
			if ev.Request.URL != url {
				load.add(&load.requests, ev.Request.URL)
			}
		}
	})
	// A tab in the background draws no frames, and a screenshot of it
	// waits minutes for one.
	if err := chromedp.Run(tab, cdppage.BringToFront(), chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	// Let late events (a failed request, a deferred error) arrive.
	if err := chromedp.Run(tab, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return tab, load
}

// chartState is what the browser drew for one chart.
type chartState struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Desc      string  `json:"desc"`
	Shapes    int     `json:"shapes"` // paths and rects with an area on screen
	Texts     int     `json:"texts"`
	W         float64 `json:"w"`
	H         float64 `json:"h"`
	TableRows int     `json:"tableRows"`
}

const chartsScript = `Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const drawn = Array.from(svg.querySelectorAll('path, rect')).filter(e => {
    const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0;
  });
  const fig = svg.closest('figure');
  const table = fig ? fig.querySelector('details table') : null;
  const r = svg.getBoundingClientRect();
  return {
    id: fig ? fig.id : '',
    title: (svg.querySelector(':scope > title') || {}).textContent || '',
    desc: (svg.querySelector(':scope > desc') || {}).textContent || '',
    shapes: drawn.length,
    texts: svg.querySelectorAll('text').length,
    w: r.width, h: r.height,
    tableRows: table ? table.querySelectorAll('tbody tr').length : 0,
  };
})`

// TestReportRendersInChromium opens a report of simulated traffic in
// headless Chromium: it must load without a console error or a request
// beyond the file itself, draw every chart with content and a text
// alternative, show something in a screenshot, and print on A4.
func TestReportRendersInChromium(t *testing.T) {
	start := time.Now()
	step := func(what string) { t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond)) }
	bctx := browser(t)
	step("browser started")
	_, inputs := simulated(t, 24*time.Hour)
	step("simulated")
	rep, err := Build(context.Background(), &query.Query{Inputs: inputs}, Options{Names: testNames(t)})
	if err != nil {
		t.Fatal(err)
	}
	rep.Header.Version = "test"
	rep.Header.Sources = []string{"./edge"}
	rep.Header.Generated = day.Add(25 * time.Hour)
	var html bytes.Buffer
	if err := Render(&html, rep); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	tab, load := open(t, bctx, file)
	step("opened")
	var charts []chartState
	if err := chromedp.Run(tab, chromedp.Evaluate(chartsScript, &charts)); err != nil {
		t.Fatal(err)
	}
	for _, p := range load.problems {
		t.Errorf("the browser reported: %s", p)
	}
	for _, u := range load.requests {
		t.Errorf("the page requested %s: a report must load nothing", u)
	}

	// Every chart the layout made is drawn, with content.
	var want []string
	p := layout(rep)
	if len(p.Networks) != 4 || len(p.Scanners) != 1 {
		t.Fatalf("%d network and %d scanner figures, want 4 and 1", len(p.Networks), len(p.Scanners))
	}
	for _, figs := range [][]figure{p.Traffic, p.Talkers, p.Ports, p.Networks, p.Scanners, p.Gaps} {
		for _, f := range figs {
			if f.Chart == nil {
				t.Errorf("%q has no chart on simulated traffic: %s", f.Title, f.Empty)
				continue
			}
			want = append(want, f.Chart.ID)
		}
	}
	if len(charts) != len(want) {
		t.Fatalf("the browser found %d charts, want %d (%v): %+v", len(charts), len(want), want, charts)
	}
	for i, c := range charts {
		switch {
		case c.ID != want[i]:
			t.Errorf("chart %d is %q, want %q", i, c.ID, want[i])
		case c.Shapes == 0 || c.Texts == 0:
			t.Errorf("chart %s drew %d shapes and %d texts: empty", c.ID, c.Shapes, c.Texts)
		case c.W < 500 || c.H < 40:
			t.Errorf("chart %s is %.0f×%.0f px on a 1100 px page", c.ID, c.W, c.H)
		case strings.TrimSpace(c.Title) == "" || strings.TrimSpace(c.Desc) == "":
			t.Errorf("chart %s has no <title> or <desc>", c.ID)
		case c.TableRows == 0:
			t.Errorf("chart %s has no table of its numbers", c.ID)
		}
	}

	step("charts checked")
	// A screenshot shows a page, not a blank.
	var shot []byte
	if err := chromedp.Run(tab, chromedp.CaptureScreenshot(&shot)); err != nil {
		t.Fatal(err)
	}
	if inked, colours := ink(t, shot); inked < 0.03 || colours < 8 {
		t.Errorf("the screenshot is %.1f%% ink in %d colours: blank", 100*inked, colours)
	}

	step("screenshot")
	// Printed on A4, the report fits a few pages.
	var pdf []byte
	err = chromedp.Run(tab, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = cdppage.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if pages := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page>>")) + bytes.Count(pdf, []byte("/Type /Page ")); !bytes.HasPrefix(pdf, []byte("%PDF")) || pages < 2 || pages > 12 {
		t.Errorf("printed on A4: %d bytes of PDF, %d pages; want 2 to 12", len(pdf), pages)
	}

	step("printed")
	if *screenshot != "" {
		var top []byte
		err := chromedp.Run(tab, chromedp.EmulateViewport(1100, 1900), chromedp.CaptureScreenshot(&top))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, top, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserCheckCatchesABrokenPage shows the checks above can fail: a
// page with a script error and a request for an image is reported.
func TestBrowserCheckCatchesABrokenPage(t *testing.T) {
	bctx := browser(t)
	file := filepath.Join(t.TempDir(), "broken.html")
	broken := `<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"><script>console.error("boom"); missing();</script></body></html>`
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, load := open(t, bctx, file)
	joined := strings.Join(load.problems, "\n")
	if !strings.Contains(joined, "boom") || !strings.Contains(joined, "missing") {
		t.Errorf("console error and exception not both seen: %q", load.problems)
	}
	if len(load.requests) == 0 || !strings.Contains(load.requests[0], "127.0.0.1:9") {
		t.Errorf("the image request was not seen: %q", load.requests)
	}
}

// ink is the share of a PNG's pixels that differ from its top-left pixel
// (the background) and how many colours it has.
func ink(t *testing.T, shot []byte) (float64, int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	colours := map[[4]uint32]bool{}
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			r, g, bl, a := c.RGBA()
			colours[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
			if c != bg {
				inked++
			}
		}
	}
	return float64(inked) / float64(b.Dx()*b.Dy()), len(colours)
}
