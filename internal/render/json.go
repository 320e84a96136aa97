// Package render turns answers into text, JSON and SARIF for people and pipelines.
package render

import (
	"bytes"
	"encoding/json"
	"io"
)

// JSON writes v as indented JSON followed by a newline. It encodes compact JSON and indents it
// with AppendIndent: encoding/json indents by running its validating scanner over every byte,
// several times the cost of encoding (7 of 9 s for a check of a 100,000-NIC estate).
func JSON(w io.Writer, v any) error {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(AppendIndent(make([]byte, 0, compact.Len()+compact.Len()/2), compact.Bytes()))
	return err
}

// AppendIndent appends src, compact JSON as encoding/json writes it (valid, no whitespace but
// the final newline), indented as json.Indent(dst, src, "", "  ") would: a newline and two
// spaces per level after '{', '[' and ',', ": " after a key, empty objects and arrays kept as
// {} and []. Only strings need reading byte by byte, and only up to their closing quote.
func AppendIndent(dst, src []byte) []byte {
	depth, open := 0, false // open: a '{' or '[' was just written
	for i := 0; i < len(src); i++ {
		c := src[i]
		if open && c != '}' && c != ']' {
			open = false
			depth++
			dst = appendNewline(dst, depth)
		}
		switch c {
		case '"':
			end := closingQuote(src, i+1)
			dst = append(dst, src[i:end+1]...)
			i = end
		case '{', '[':
			open = true
			dst = append(dst, c)
		case ',':
			dst = appendNewline(append(dst, c), depth)
		case ':':
			dst = append(dst, ':', ' ')
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				dst = appendNewline(dst, depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// closingQuote returns the index of the quote that ends the string whose contents start at i
// (len(src)-1 if the string is not closed): the first '"' after an even number of backslashes.
func closingQuote(src []byte, i int) int {
	for {
		k := bytes.IndexByte(src[i:], '"')
		if k < 0 {
			return len(src) - 1
		}
		j := i + k
		n := 0
		for n < j-i && src[j-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return j
		}
		i = j + 1
	}
}

const spaces = "                                                                "

func appendNewline(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for n := 2 * depth; n > 0; n -= len(spaces) {
		dst = append(dst, spaces[:min(n, len(spaces))]...)
	}
	return dst
}
