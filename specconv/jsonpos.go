package specconv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// position returns the 1-based line and byte column in data of the byte
// that ended at offset, which is where encoding/json reports its errors
// (offset is the count of bytes read when the error was found).
func position(data []byte, offset int64) (line, col int) {
	p := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:p]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = p - bytes.LastIndexByte(before, '\n')
	return line, col
}

// frame is one open object or array on the way to a value.
type frame struct {
	array bool
	index int    // of the next element, in an array
	key   string // of the current member, in an object
	inKey bool   // whether the next token of an object is a key
}

// valuePath returns the JSON path (`linux.namespaces[1].type`) of the value
// of data that ends at offset: a literal, or the opening bracket of an
// object or array, which is where json.UnmarshalTypeError points. It
// returns "" for the top-level value or if no value ends there.
func valuePath(data []byte, offset int64) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && !top.array && top.inKey {
			if key, ok := tok.(string); ok {
				top.key, top.inKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			advance(stack)
			continue
		}
		if dec.InputOffset() == offset {
			return pathOf(stack)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{inKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{array: true})
		default:
			advance(stack)
		}
	}
}

// advance moves the innermost open container past a complete value.
func advance(stack []*frame) {
	if len(stack) == 0 {
		return
	}
	top := stack[len(stack)-1]
	if top.array {
		top.index++
	} else {
		top.inKey = true
	}
}

func pathOf(stack []*frame) string {
	var b bytes.Buffer
	for _, f := range stack {
		switch {
		case f.array:
			fmt.Fprintf(&b, "[%d]", f.index)
		case isIdent(f.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		default:
			// Keys such as sysctl names hold dots of their own.
			b.WriteString("[" + strconv.Quote(f.key) + "]")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}
