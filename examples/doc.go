// Package examples holds runnable material for people trying flowlog: a
// small bucket of flow log objects (bucket/) and walkthrough.sh, a tour of
// the main job on the embedded default. It has no code; its test runs the
// walkthrough end to end, so the README's first command keeps working.
package examples
