// Command flowlog manages and queries cloud flow logs.
package main

import (
	"os"

	"github.com/flowlog/flowlog/internal/cli"
)

// Set by the release build with -ldflags "-X main.version=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cli.Execute(cli.BuildInfo{Version: version, Commit: commit, Date: date}, os.Args[1:]))
}
