package state

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/hull-oci/hull/internal/jsonlex"
)

// appendJSON appends st to b as json.Marshal encodes it, byte for byte. It
// is written out by hand because encoding/json builds its encoder for State
// by reflection on first use, which every create pays (TestAppendJSON and
// FuzzStateRoundTrip hold the two encodings equal; a field added to State
// must be added here too).
func (st *State) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"ociVersion":`...)
	b = appendString(b, st.OCIVersion)
	b = append(b, `,"id":`...)
	b = appendString(b, st.ID)
	b = append(b, `,"init_process_pid":`...)
	b = strconv.AppendInt(b, int64(st.Pid), 10)
	b = append(b, `,"init_process_start":`...)
	b = strconv.AppendUint(b, st.PidStartTime, 10)
	b = append(b, `,"bundle":`...)
	b = appendString(b, st.Bundle)
	b = append(b, `,"rootfs":`...)
	b = appendString(b, st.Rootfs)
	// time.Time's MarshalJSON is AppendText quoted: RFC 3339 with
	// nanoseconds, refusing years and zone offsets RFC 3339 cannot hold;
	// its output needs no escaping
	b = append(b, `,"created":"`...)
	b, err := st.Created.AppendText(b)
	if err != nil {
		return nil, err
	}
	b = append(b, `","owner":`...)
	b = appendString(b, st.Owner)
	if len(st.Annotations) > 0 {
		b = append(b, `,"annotations":`...)
		b = appendMap(b, st.Annotations)
	}
	if len(st.CgroupPaths) > 0 {
		b = append(b, `,"cgroup_paths":`...)
		b = appendMap(b, st.CgroupPaths)
	}
	if len(st.CgroupParents) > 0 {
		b = append(b, `,"cgroup_parents":[`...)
		for i, s := range st.CgroupParents {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	b = append(b, `,"phase":`...)
	b = appendString(b, st.Phase)
	if st.Systemd {
		b = append(b, `,"systemd":true`...)
	}
	if st.Rootless {
		b = append(b, `,"rootless":true`...)
	}
	if st.NotifySocket != "" {
		b = append(b, `,"notify_socket":`...)
		b = appendString(b, st.NotifySocket)
	}
	return append(b, '}'), nil
}

// appendMap appends a non-empty m as a JSON object, keys sorted as
// encoding/json sorts them.
func appendMap(b []byte, m map[string]string) []byte {
	var room [16]string // the cgroup paths of every v1 controller, on the stack
	keys := room[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// appendString appends s as a JSON string, escaped as encoding/json does:
// '"' and '\' with a backslash, control characters as \b \f \n \r \t or
// \u00XX, '<' '>' '&' and U+2028 U+2029 as \uXXXX (for HTML and JSONP),
// and each byte of invalid UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decode reads data into the zero State st as json.Unmarshal would, or
// reports false for anything it is not sure to decode the same way (Load
// then uses encoding/json, whose decoder for State costs every command
// ~0.3 ms of reflection on first use). FuzzDecode holds the two together.
func (st *State) decode(data []byte) bool {
	d := jsonlex.New(data)
	if d.Peek() != '{' || !decodeState(d, st) {
		return false
	}
	return d.End()
}

func decodeState(d *jsonlex.Decoder, st *State) bool {
	var seen jsonlex.Fields
	return jsonlex.Object(d, func(k []byte) bool {
		switch string(k) {
		case "ociVersion":
			return seen.Add(0) && jsonlex.Str(d, &st.OCIVersion)
		case "id":
			return seen.Add(1) && jsonlex.Str(d, &st.ID)
		case "init_process_pid":
			return seen.Add(2) && jsonlex.Int(d, &st.Pid)
		case "init_process_start":
			return seen.Add(3) && jsonlex.Uint(d, &st.PidStartTime)
		case "bundle":
			return seen.Add(4) && jsonlex.Str(d, &st.Bundle)
		case "rootfs":
			return seen.Add(5) && jsonlex.Str(d, &st.Rootfs)
		case "created":
			return seen.Add(6) && jsonlex.Time(d, &st.Created)
		case "owner":
			return seen.Add(7) && jsonlex.Str(d, &st.Owner)
		case "annotations":
			return seen.Add(8) && jsonlex.Map(d, &st.Annotations, jsonlex.Str[string])
		case "cgroup_paths":
			return seen.Add(9) && jsonlex.Map(d, &st.CgroupPaths, jsonlex.Str[string])
		case "cgroup_parents":
			return seen.Add(10) && jsonlex.Slice(d, &st.CgroupParents, jsonlex.Str[string])
		case "phase":
			return seen.Add(11) && jsonlex.Str(d, &st.Phase)
		case "systemd":
			return seen.Add(12) && jsonlex.Bool(d, &st.Systemd)
		case "rootless":
			return seen.Add(13) && jsonlex.Bool(d, &st.Rootless)
		case "notify_socket":
			return seen.Add(14) && jsonlex.Str(d, &st.NotifySocket)
		}
		return false // unknown, or in another case: encoding/json's
	})
}
