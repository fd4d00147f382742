package specconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestUnknownFields(t *testing.T) {
	cases := []struct {
		json string
		want []string
	}{
		{`{"process":{"noNewPrivilege":true}}`, []string{"process.noNewPrivilege"}},
		{`{"process":{"landlock":{}}}`, []string{"process.landlock"}},
		{`{"process":{"user":{"uid":0,"umsk":1}}}`, []string{"process.user.umsk"}},
		{`{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1,"x":1}]}}`, []string{"process.rlimits[0].x"}},
		{`{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","errno":1}]}}}`,
			[]string{"linux.seccomp.syscalls[0].errno"}},
		{`{"linux":{"sysctl":{"net.ipv4.ip_forward":"1"},"resources":{"memory":{"limit":1}}}}`, nil},
		{`{"annotations":{"anything":"goes"},"process":{"NoNewPrivileges":true}}`, nil}, // json matches names case-insensitively
		{`{"unknownTop":1,"hooks":{"x":[]}}`, nil},                                      // only process and linux are strict
	}
	for _, tc := range cases {
		got, err := unknownFields([]byte(tc.json))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.json, got, err, tc.want)
		}
	}
}

func TestLoadBundleStrict(t *testing.T) {
	bundle := newBundle(t)
	s := Example()
	b, _ := json.Marshal(s)
	b = []byte(strings.Replace(string(b), `"noNewPrivileges":true`, `"noNewPrivilege":true`, 1))
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadBundle(bundle)
	want := `config.json: process.noNewPrivilege: unknown field (hull refuses settings it does not know; use --lenient or the annotation run.hull.lenient=true to run anyway)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
	Lenient = true
	defer func() { Lenient = false }()
	if _, _, err := LoadBundle(bundle); err != nil {
		t.Fatalf("lenient: %v", err)
	}
}
