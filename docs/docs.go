// Package docs holds flowlog's hand-written documentation, embedded so that
// 'flowlog help TOPIC' shows the same pages as the repository.
package docs

import "embed"

// Pages are the Markdown pages of this folder.
//
//go:embed *.md
var Pages embed.FS
