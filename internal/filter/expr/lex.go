package expr

import (
	"fmt"
	"strconv"
)

type tokenKind uint8

const (
	tEOF    tokenKind = iota
	tWord             // keywords, field names, numbers, addresses, ranges, times, bare IDs
	tString           // a double-quoted string; text is the unquoted value
	tLParen
	tRParen
	tComma
	tOp  // = == != < <= > >=
	tAnd // &&
	tOr  // ||
	tNot // !
)

type token struct {
	kind tokenKind
	text string // as written, except for tString
	raw  string // as written, for messages
	off  int    // byte offset in the source
}

// describe names the token in an error message.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	s := t.raw
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isSpecial reports the bytes that end a word. Everything else that is not
// white space belongs to a word, so addresses (with '.', ':' and '/'),
// ranges ('-') and RFC 3339 times ('+', ':') lex as one token.
func isSpecial(c byte) bool {
	switch c {
	case '(', ')', ',', '=', '!', '<', '>', '&', '|', '"':
		return true
	}
	return false
}

// lex splits src into tokens, ending with a tEOF token.
func lex(src string) ([]token, *SyntaxError) {
	var toks []token
	fail := func(off int, format string, args ...any) ([]token, *SyntaxError) {
		return nil, &SyntaxError{Pos: column(src, off), Msg: fmt.Sprintf(format, args...), Src: src}
	}
	i := 0
	for i < len(src) {
		c := src[i]
		if isSpace(c) {
			i++
			continue
		}
		start := i
		kind := tWord
		switch c {
		case '(':
			kind, i = tLParen, i+1
		case ')':
			kind, i = tRParen, i+1
		case ',':
			kind, i = tComma, i+1
		case '=', '<', '>':
			kind, i = tOp, i+1
			if i < len(src) && src[i] == '=' {
				i++
			}
		case '!':
			kind, i = tNot, i+1
			if i < len(src) && src[i] == '=' {
				kind, i = tOp, i+1
			}
		case '&', '|':
			if i+1 >= len(src) || src[i+1] != c {
				return fail(i, "unexpected %q (did you mean %q?)", string(c), string([]byte{c, c}))
			}
			kind, i = tAnd, i+2
			if c == '|' {
				kind = tOr
			}
		case '"':
			i++
			for i < len(src) && src[i] != '"' {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(src) {
				return fail(start, "unterminated quoted string")
			}
			i++
			s, err := strconv.Unquote(src[start:i])
			if err != nil {
				return fail(start, "invalid quoted string %s", src[start:i])
			}
			toks = append(toks, token{kind: tString, text: s, raw: src[start:i], off: start})
			continue
		default:
			for i < len(src) && !isSpace(src[i]) && !isSpecial(src[i]) {
				i++
			}
		}
		toks = append(toks, token{kind: kind, text: src[start:i], raw: src[start:i], off: start})
	}
	toks = append(toks, token{kind: tEOF, off: len(src)})
	return toks, nil
}
