// Package jsonlex reads JSON for hand-written and generated decoders of
// hull's hot paths (config.json, state.json), where encoding/json's
// reflection costs a short-lived command more than the decoding itself.
//
// It takes only what it is sure encoding/json decodes the same way: exact
// field names, no duplicate fields, integers that fit, strings whose escapes
// and UTF-8 are plain. Anything else, valid or not, makes it give up (a
// false return), and the caller then decodes with encoding/json, whose
// result and errors stay the reference.
package jsonlex

import (
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Decoder reads one JSON document.
type Decoder struct {
	data []byte
	pos  int
	buf  []byte // unescaped strings
}

// New returns a Decoder of data.
func New(data []byte) *Decoder { return &Decoder{data: data} }

// End reports whether only white space is left.
func (d *Decoder) End() bool {
	d.ws()
	return d.pos == len(d.data)
}

// maxSkipDepth bounds the nesting of the values skip walks (encoding/json
// allows 10000; giving up earlier only costs the slow path).
const maxSkipDepth = 512

func (d *Decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// Peek returns the next byte after white space, or 0 at the end.
func (d *Decoder) Peek() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// literal consumes lit if it comes next.
func (d *Decoder) literal(lit string) bool {
	if d.Peek() != lit[0] || len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

// Null consumes a null: every decoder leaves its target at its zero value
// then, as encoding/json does for a value it decodes into fresh.
func (d *Decoder) Null() bool { return d.literal("null") }

// Object walks an object whose member names have no escapes (a name with
// one gives up): member is called with each name, the decoder at its value,
// and decodes the value or reports false to give up (an unknown name, a
// duplicate, a value it cannot take). A null is an object without members.
func Object(d *Decoder, member func(name []byte) bool) bool {
	if d.Null() {
		return true
	}
	return d.list('{', '}', func() bool {
		k, ok := d.key()
		return ok && member(k)
	})
}

// list walks the members of an object or the elements of an array, c and
// end being its brackets, calling each at every one.
func (d *Decoder) list(c, end byte, each func() bool) bool {
	more, ok := d.open(c, end)
	for ok && more {
		if ok = each(); ok {
			more, ok = d.next(end)
		}
	}
	return ok
}

// open consumes c ('{' or '[') and reports whether the object or array has a
// first member, consuming the closing byte of an empty one.
func (d *Decoder) open(c, end byte) (more, ok bool) {
	if d.Peek() != c {
		return false, false
	}
	d.pos++
	if d.Peek() == end {
		d.pos++
		return false, true
	}
	return true, true
}

// next consumes the ',' before another member, or the closing end.
func (d *Decoder) next(end byte) (more, ok bool) {
	switch d.Peek() {
	case ',':
		d.pos++
		return true, true
	case end:
		d.pos++
		return false, true
	}
	return false, false
}

// key reads a member name and its ':'. The bytes alias data; names with
// escapes give up.
func (d *Decoder) key() ([]byte, bool) {
	k, ok := d.raw()
	if !ok || d.Peek() != ':' {
		return nil, false
	}
	d.pos++
	return k, true
}

// raw reads a string that has no escapes, as its bytes in data.
func (d *Decoder) raw() ([]byte, bool) {
	if d.Peek() != '"' {
		return nil, false
	}
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case c == '"':
			k := d.data[start:i]
			if !ascii && !utf8.Valid(k) {
				return nil, false
			}
			d.pos = i + 1
			return k, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// str reads a string.
func (d *Decoder) str() (string, bool) {
	if b, ok := d.raw(); ok {
		return string(b), true
	}
	// raw gave up: at an escape, or on what unescape refuses as well
	if d.Peek() != '"' {
		return "", false
	}
	return d.unescape(d.pos + 1)
}

// unescape reads a string whose first byte after the quote is at start,
// undoing its escapes.
func (d *Decoder) unescape(start int) (string, bool) {
	b := d.buf[:0]
	for i := start; i < len(d.data); {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos, d.buf = i+1, b
			if !utf8.Valid(b) {
				return "", false
			}
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			return "", false
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d.data[i+2:])
			if !ok || utf16.IsSurrogate(r) { // pairs and lone halves: encoding/json's
				return "", false
			}
			b = utf8.AppendRune(b, r)
			i += 4
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// integer reads a JSON number that is an integer (no fraction or exponent)
// whose magnitude fits in 64 bits.
func (d *Decoder) integer() (neg bool, mag uint64, ok bool) {
	if d.Peek() == '-' {
		neg = true
		d.pos++
	}
	start := d.pos
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		digit := uint64(d.data[d.pos] - '0')
		if mag > (1<<64-1-digit)/10 {
			return false, 0, false
		}
		mag = mag*10 + digit
		d.pos++
	}
	n := d.pos - start
	if n == 0 || n > 1 && d.data[start] == '0' {
		return false, 0, false
	}
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '.', 'e', 'E':
			return false, 0, false
		}
	}
	return neg, mag, true
}

// Skip walks over one value of any type, checking its syntax as
// encoding/json's scanner does.
func (d *Decoder) Skip() bool { return d.skip(0) }

func (d *Decoder) skip(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	switch d.Peek() {
	case '{':
		return Object(d, func([]byte) bool { return d.skip(depth + 1) })
	case '[':
		return d.list('[', ']', func() bool { return d.skip(depth + 1) })
	case '"':
		return d.skipStr()
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.Null()
	}
	return d.number()
}

// skipStr walks over a string; what it holds does not matter.
func (d *Decoder) skipStr() bool {
	for i := d.pos + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(d.data) {
				return false
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := hex4(d.data[i+2:]); !ok {
					return false
				}
				i += 5
			default:
				return false
			}
		}
	}
	return false
}

// number walks over any JSON number.
func (d *Decoder) number() bool {
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	start := d.pos
	if n := digits(); n == 0 || n > 1 && d.data[start] == '0' {
		return false
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return false
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// The decoders of values, for decoders of structs to compose. Each leaves
// *p at its zero value for a null.

func Str[T ~string](d *Decoder, p *T) bool {
	if d.Null() {
		return true
	}
	s, ok := d.str()
	*p = T(s)
	return ok
}

func Bool[T ~bool](d *Decoder, p *T) bool {
	switch {
	case d.Null():
	case d.literal("true"):
		*p = true
	case d.literal("false"):
		*p = false
	default:
		return false
	}
	return true
}

func Int[T ~int | ~int8 | ~int16 | ~int32 | ~int64](d *Decoder, p *T) bool {
	if d.Null() {
		return true
	}
	neg, mag, ok := d.integer()
	limit := uint64(1)<<(unsafe.Sizeof(*p)*8-1) - 1 // the largest T
	switch {
	case !ok:
		return false
	case neg && mag <= limit+1:
		*p = T(-int64(mag))
	case !neg && mag <= limit:
		*p = T(mag)
	default:
		return false
	}
	return true
}

func Uint[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64](d *Decoder, p *T) bool {
	if d.Null() {
		return true
	}
	neg, mag, ok := d.integer()
	if !ok || neg || unsafe.Sizeof(*p) < 8 && mag>>(unsafe.Sizeof(*p)*8) != 0 {
		return false // encoding/json refuses "-0" for an unsigned type too
	}
	*p = T(mag)
	return true
}

// Time decodes a time as time.Time's UnmarshalJSON does: RFC 3339 between
// quotes, escapes not undone (so a string with any gives up).
func Time(d *Decoder, p *time.Time) bool {
	if d.Null() {
		return true
	}
	b, ok := d.raw()
	return ok && p.UnmarshalText(b) == nil
}

func Ptr[T any](d *Decoder, p **T, elem func(*Decoder, *T) bool) bool {
	if d.Null() {
		return true
	}
	*p = new(T)
	return elem(d, *p)
}

func Slice[T any](d *Decoder, p *[]T, elem func(*Decoder, *T) bool) bool {
	if d.Null() {
		return true
	}
	*p = []T{} // encoding/json makes [] an empty slice, not nil
	return d.list('[', ']', func() bool {
		var v T
		if !elem(d, &v) {
			return false
		}
		*p = append(*p, v)
		return true
	})
}

func Map[T any](d *Decoder, p *map[string]T, elem func(*Decoder, *T) bool) bool {
	if d.Null() {
		return true
	}
	m := map[string]T{}
	*p = m
	// not Object: a map's keys are data, escapes undone
	return d.list('{', '}', func() bool {
		k, ok := d.str()
		if !ok || d.Peek() != ':' {
			return false
		}
		d.pos++
		var v T
		if !elem(d, &v) {
			return false
		}
		m[k] = v // the last of duplicate keys wins, as in encoding/json
		return true
	})
}

// Fields tracks the members of one object, giving up on a duplicate
// (encoding/json merges those; the slow path does it).
type Fields uint64

func (f *Fields) Add(bit uint) bool {
	if *f&(1<<bit) != 0 {
		return false
	}
	*f |= 1 << bit
	return true
}
