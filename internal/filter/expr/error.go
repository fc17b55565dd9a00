package expr

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is an expression that does not compile. Pos is the 1-based
// column, counted in characters, of the token the parser could not accept;
// one past the last character when the expression ended too early.
type SyntaxError struct {
	Pos int
	Msg string
	Src string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("--where: column %d: %s", e.Pos, e.Msg)
}

// Caret returns the expression and, below it, a caret under column Pos, as
// two lines without a final newline. Line breaks and other control
// characters in the expression are shown as spaces so that the caret lines
// up; tabs are kept in both lines for the same reason.
func (e *SyntaxError) Caret() string {
	var src, mark strings.Builder
	col := 1
	for _, r := range e.Src {
		switch {
		case r == '\t':
			src.WriteRune(r)
		case unicode.IsControl(r):
			src.WriteByte(' ')
		default:
			src.WriteRune(r)
		}
		if col < e.Pos {
			if r == '\t' {
				mark.WriteByte('\t')
			} else {
				mark.WriteByte(' ')
			}
		}
		col++
	}
	for ; col < e.Pos; col++ {
		mark.WriteByte(' ')
	}
	return src.String() + "\n" + mark.String() + "^"
}

// column converts a byte offset in src to a 1-based character column.
func column(src string, off int) int {
	return utf8.RuneCountInString(src[:off]) + 1
}
