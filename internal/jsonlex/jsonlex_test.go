package jsonlex

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// same decodes in into a T with dec and with encoding/json: when dec takes
// it, encoding/json must take it too and agree.
func same[T any](t *testing.T, in string, dec func(*Decoder, *T) bool) (took bool) {
	t.Helper()
	var got, want T
	d := New([]byte(in))
	if !dec(d, &got) || !d.End() {
		return false
	}
	if err := json.Unmarshal([]byte(in), &want); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%q: decoded %v, encoding/json %v, %v", in, got, want, err)
	}
	return true
}

func TestIntegers(t *testing.T) {
	for _, c := range []struct {
		in  string
		i8  bool
		u16 bool
		i64 bool
		u64 bool
	}{
		{"0", true, true, true, true},
		{"-0", true, false, true, false}, // encoding/json refuses -0 for unsigned types
		{"127", true, true, true, true},
		{"-128", true, false, true, false},
		{"128", false, true, true, true},
		{"65535", false, true, true, true},
		{"65536", false, false, true, true},
		{"9223372036854775807", false, false, true, true},
		{"-9223372036854775808", false, false, true, false},
		{"18446744073709551615", false, false, false, true},
		{"18446744073709551616", false, false, false, false},
		{"1.0", false, false, false, false},
		{"1e2", false, false, false, false},
		{"01", false, false, false, false},
		{"-", false, false, false, false},
		{`"1"`, false, false, false, false},
		{"null", true, true, true, true},
	} {
		if got := same(t, c.in, Int[int8]); got != c.i8 {
			t.Errorf("Int[int8](%s) took %v, want %v", c.in, got, c.i8)
		}
		if got := same(t, c.in, Uint[uint16]); got != c.u16 {
			t.Errorf("Uint[uint16](%s) took %v, want %v", c.in, got, c.u16)
		}
		if got := same(t, c.in, Int[int64]); got != c.i64 {
			t.Errorf("Int[int64](%s) took %v, want %v", c.in, got, c.i64)
		}
		if got := same(t, c.in, Uint[uint64]); got != c.u64 {
			t.Errorf("Uint[uint64](%s) took %v, want %v", c.in, got, c.u64)
		}
	}
}

func TestStrings(t *testing.T) {
	for in, took := range map[string]bool{
		`"plain"`: true,
		`"é 日本"`:  true,
		`"\" \\ \/ \b \f \n \r \t \u00e9 \u003c"`: true,
		`"\ud83d\ude00"`: false, // surrogates: left to encoding/json
		"\"\xff\"":       false, // invalid UTF-8: encoding/json replaces it
		"\"a\tb\"":       false, // raw control character
		`"\x"`:           false,
		`"open`:          false,
		`null`:           true,
	} {
		if got := same(t, in, Str[string]); got != took {
			t.Errorf("Str(%s) took %v, want %v", in, got, took)
		}
	}
}

func TestTime(t *testing.T) {
	for in, took := range map[string]bool{
		`"2025-01-02T03:04:05.123456789Z"`: true,
		`"2025-01-02T03:04:05+05:30"`:      true,
		`"2025-01-02T03:04:05\u005a"`:      false, // UnmarshalJSON does not undo escapes
		`"2025-01-02"`:                     false,
		`null`:                             true,
	} {
		if got := same(t, in, Time); got != took {
			t.Errorf("Time(%s) took %v, want %v", in, got, took)
		}
	}
	var zero time.Time
	if d := New([]byte(`1`)); Time(d, &zero) {
		t.Error("Time took a number")
	}
}

func TestSkip(t *testing.T) {
	for in, valid := range map[string]bool{
		`{"a":[1,-2.5e+3,true,false,null,"\ud800",{"b":{}}]}`: true,
		`[]`: true, `{}`: true, `0`: true, `-0.0e-0`: true,
		`[1,]`: false, `{"a"}`: false, `01`: false, `1.`: false, `1e`: false, `tru`: false,
		`"a`: false, `{"a":1,}`: false, `[`: false, "\"\x01\"": false,
	} {
		d := New([]byte(in))
		got := d.Skip() && d.End()
		if got != valid || json.Valid([]byte(in)) != valid {
			t.Errorf("Skip(%s) = %v, json.Valid = %v, want %v", in, got, json.Valid([]byte(in)), valid)
		}
	}
}

func TestDuplicates(t *testing.T) {
	var f Fields
	if !f.Add(0) || !f.Add(63) || f.Add(0) || f.Add(63) {
		t.Error("Fields did not track its members")
	}
}
