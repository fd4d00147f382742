package specjson

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// filled returns a value of t with every field set, strings made of s.
func filled(t reflect.Type, s string, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Pointer:
		v.Set(filled(t.Elem(), s, depth).Addr())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || t == reflect.TypeOf(specs.Spec{}) && otherPlatforms[f.Name] {
				continue
			}
			v.Field(i).Set(filled(f.Type, fmt.Sprintf("%s%d", s, i), depth+1))
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 0, 2))
		v.Set(reflect.Append(v, filled(t.Elem(), s+"a", depth+1), filled(t.Elem(), s+"b", depth+1)))
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(reflect.ValueOf(s+"\u00e9k"), filled(t.Elem(), s+"v", depth+1))
	case reflect.String:
		v.SetString(s + "\"\\/\n\t\u00e9\u2028<&>")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-1 << (t.Bits() - 1)) // the smallest
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(math.MaxUint64 >> (64 - t.Bits())) // the largest
	default:
		panic("no filler for " + t.String())
	}
	return v
}

func everyField(t *testing.T) []byte {
	spec := filled(reflect.TypeOf(specs.Spec{}), "x", 0).Interface().(specs.Spec)
	data, err := json.Marshal(&spec)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestEveryField: a config with every field of the spec set, the integers
// at their limits and strings with escapes, takes the generated path and
// decodes as encoding/json decodes it.
func TestEveryField(t *testing.T) {
	data := everyField(t)
	got, exact, err := Decode(data)
	if err != nil || !exact {
		t.Fatalf("Decode = exact %v, %v: the generated decoder gave up on %s", exact, err, data)
	}
	want, err := slow(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("generated decoder:\n%+v\nencoding/json:\n%+v", got, want)
	}
}

// configs engines and users send, which must take the generated path.
var typical = map[string]string{
	"runc spec": `{"ociVersion":"1.2.0","process":{"terminal":true,"user":{"uid":0,"gid":0},"args":["sh"],
		"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],"cwd":"/",
		"capabilities":{"bounding":["CAP_AUDIT_WRITE","CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
		"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},
		"root":{"path":"rootfs","readonly":true},"hostname":"runc",
		"mounts":[{"destination":"/proc","type":"proc","source":"proc"},
		{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}],
		"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},
		"namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}],
		"maskedPaths":["/proc/acpi","/proc/kcore"],"readonlyPaths":["/proc/bus","/proc/sys"]}}`,
	"engine": `{
	"ociVersion": "1.1.0",
	"process": {"user": {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 18},
		"args": ["/bin/app", "--flag=\u00e9"], "env": ["A=\"quoted\"\tx"], "cwd": "/srv",
		"oomScoreAdj": -999, "apparmorProfile": "docker-default"},
	"annotations": {"io.kubernetes.cri.sandbox-id": "abc", "org.opencontainers.image.title": "\u65e5\u672c"},
	"linux": {"cgroupsPath": "kubepods-besteffort.slice:cri-containerd:abc",
		"resources": {"memory": {"limit": 536870912, "swap": -1}, "cpu": {"shares": 2, "quota": -1, "period": 100000},
			"pids": {"limit": 0}, "unified": {"memory.high": "max"}},
		"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
			"syscalls": [{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
				"args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]},
		"sysctl": {"net.ipv4.ip_forward": "1"}, "uidMappings": null,
		"timeOffsets": {"monotonic": {"secs": -5, "nanosecs": 0}}},
	"windows": {"layerFolders": ["C:\\x"], "hyperv": {"utilityVMPath": 5}},
	"vm": null
}`,
}

func TestTypicalConfigsTakeGeneratedPath(t *testing.T) {
	for name, cfg := range typical {
		got, exact, err := Decode([]byte(cfg))
		if err != nil || !exact {
			t.Errorf("%s: exact %v, %v", name, exact, err)
			continue
		}
		want, _ := slow([]byte(cfg))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: generated decoder:\n%+v\nencoding/json:\n%+v", name, got, want)
		}
	}
}

// TestGivesUp: input the generated decoder must leave to encoding/json,
// valid or not, so that the result or the error is encoding/json's.
func TestGivesUp(t *testing.T) {
	for _, in := range []string{
		`{"process":{"Args":["sh"]}}`,             // another case: encoding/json folds it
		`{"process":{"args":["a"],"args":["b"]}}`, // duplicate: encoding/json merges
		`{"process":{"landlock":{}}}`,             // unknown: the strict check names it
		`{"Windows":{}}`,                          // unknown in another case
		`{"process":{"user":{"uid":1.0}}}`,        // not an integer
		`{"process":{"user":{"uid":-1}}}`,         // negative unsigned
		`{"process":{"user":{"uid":-0}}}`,         // encoding/json refuses -0 for uint
		`{"process":{"user":{"uid":4294967296}}}`, // overflow of uint32
		`{"process":{"oomScoreAdj":9223372036854775808}}`,
		`{"process":{"oomScoreAdj":"1"}}`,       // string for a number
		`{"process":{"args":"sh"}}`,             // string for an array
		`{"process":{"args":["\ud83d\ude00"]}}`, // surrogate pair: encoding/json's
		`{"process":{"args":["\udc00"]}}`,       // lone surrogate
		"{\"process\":{\"args\":[\"\xff\"]}}",   // invalid UTF-8: encoding/json replaces it
		"{\"process\":{\"args\":[\"a\tb\"]}}",   // raw control character
		`{"process":{"args":["\x"]}}`,           // bad escape
		`{"process":{}} x`,                      // trailing data
		"\ufeff{}",                              // byte order mark
		`{"process":{},}`,                       // trailing comma
		`{"process":{"terminal":tru}}`,          // bad literal
		`{"solaris":[1,]}`,                      // bad syntax in a skipped section
		`{"solaris":01}`,                        // bad number in a skipped section
		`null`, `[]`, ``, `{`,
	} {
		if _, ok := fast([]byte(in)); ok {
			t.Errorf("generated decoder took %q", in)
		}
	}
}

func TestNullsAndEmpties(t *testing.T) {
	for _, in := range []string{
		`{"process":null,"mounts":[],"annotations":{},"linux":{"sysctl":null,"namespaces":[],"uidMappings":[null]}}`,
		`{"process":{"args":[null,"a"],"user":null,"rlimits":[]},"annotations":{"a":null},"linux":{"resources":{"memory":{"limit":null}}}}`,
		`{"process":{"user":{"uid":0,"gid":-0e0}}}`,
		`{"annotations":{"a\u0062":"c","\u003c&\u003e":"d","a\u0062":"last wins"}}`,
		`{"linux":{"intelRdt":{"closID":"x"},"seccomp":{"syscalls":[{"names":[],"args":[{"value":18446744073709551615}]}]}}}`,
		`{"solaris":{"a":[1,-2.5e+3,true,false,null,"\ud800",{"b":{}}]},"zos":1e9}`,
	} {
		got, ok := fast([]byte(in))
		want, err := slow([]byte(in))
		switch {
		case !ok && err == nil && !strings.Contains(in, "-0e0"):
			t.Errorf("generated decoder gave up on %s", in)
		case ok && (err != nil || !reflect.DeepEqual(got, want)):
			t.Errorf("%s: generated decoder %+v, encoding/json %+v, %v", in, got, want, err)
		}
	}
}

// FuzzDecode holds the generated decoder to encoding/json: whatever it
// takes, encoding/json must take too and decode the same, and it must hold
// only exact field names.
func FuzzDecode(f *testing.F) {
	f.Add(everyField(&testing.T{}))
	for _, cfg := range typical {
		f.Add([]byte(cfg))
	}
	if profile, err := os.ReadFile("../../libcontainer/seccomp/testdata/default-profile.json"); err == nil {
		f.Add([]byte(`{"linux":{"seccomp":` + string(profile) + `}}`))
	}
	f.Fuzz(checkDecode)
}

func checkDecode(t *testing.T, data []byte) {
	{
		got, ok := fast(data)
		if !ok {
			return
		}
		want, err := slow(data)
		if err != nil {
			t.Fatalf("generated decoder took what encoding/json refuses (%v)", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("generated decoder:\n%+v\nencoding/json:\n%+v", got, want)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if path := inexact(v, reflect.TypeOf(specs.Spec{}), "config"); path != "" {
			t.Fatalf("generated decoder took %s, not exactly a field of the spec", path)
		}
	}
}

// inexact returns the path of a member name in v that is not exactly the
// JSON name of a field of t.
func inexact(v any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for k, e := range val {
				if p := inexact(e, t.Elem(), path+"."+k); p != "" {
					return p
				}
			}
			return ""
		}
		ms, err := members(t, "")
		if err != nil {
			return path + ": " + err.Error()
		}
	keys:
		for k, e := range val {
			for _, m := range ms {
				if m.name == k {
					if t == reflect.TypeOf(specs.Spec{}) && otherPlatforms[m.field] {
						continue keys
					}
					if p := inexact(e, m.typ, path+"."+k); p != "" {
						return p
					}
					continue keys
				}
			}
			return path + "." + k
		}
	case []any:
		for i, e := range val {
			if p := inexact(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}
