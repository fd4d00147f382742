package specconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func writeConfig(t *testing.T, bundle, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBundle(t *testing.T) {
	bundle := newBundle(t)
	data, err := json.MarshalIndent(Example(), "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	writeConfig(t, bundle, string(data))
	s, raw, err := LoadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, data) {
		t.Error("raw bytes differ from config.json")
	}
	if s.Hostname != "hull" || s.Process.Args[0] != "sh" {
		t.Errorf("unexpected spec: hostname %q, args %q", s.Hostname, s.Process.Args)
	}
}

func TestLoadBundleMissing(t *testing.T) {
	bundle := t.TempDir()
	_, _, err := LoadBundle(bundle)
	want := "config.json: no such file in bundle " + bundle
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error does not wrap fs.ErrNotExist: %v", err)
	}
}

func TestLoadBundleRelative(t *testing.T) {
	bundle := newBundle(t)
	writeConfig(t, bundle, `{"ociVersion": "1.0.0", "root": {"path": "rootfs"},
		"process": {"args": ["sh"], "cwd": "/"}}`)
	t.Chdir(bundle)
	if _, _, err := LoadBundle("."); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadBundle("nowhere")
	want := "config.json: no such file in bundle " + filepath.Join(bundle, "nowhere")
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestLoadBundleErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty file", "", "config.json: invalid JSON at line 1, column 1: unexpected end of JSON input"},
		{"trailing comma", "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\"args\": [\"sh\",]}\n}",
			"config.json: invalid JSON at line 3, column 29: invalid character ']' looking for beginning of value"},
		{"bad key", "{\n\t\"a\": 1,\n\tb: 2}",
			"config.json: invalid JSON at line 3, column 2: invalid character 'b' looking for beginning of object key string"},
		{"newline in string", "{\"hostname\": \"a\nb\"}",
			"config.json: invalid JSON at line 1, column 16: invalid character '\\n' in string literal"},
		{"truncated", "{\"ociVersion\": \"1.3.0\"",
			"config.json: invalid JSON at line 1, column 22: unexpected end of JSON input"},
		{"args a number", "{\"process\": {\"args\": 5}}",
			"config.json: process.args: cannot unmarshal number into []string"},
		{"args element a number", "{\"process\": {\n  \"args\": [\"sh\", 1]}}",
			"config.json: process.args[1]: cannot unmarshal number into string"},
		{"namespace type a number", `{"linux": {"namespaces": [{"type": "pid"}, {"path": "/x", "type": 3}]}}`,
			"config.json: linux.namespaces[1].type: cannot unmarshal number into specs.LinuxNamespaceType"},
		{"negative uid", `{"process": {"user": {"uid": -1}}}`,
			"config.json: process.user.uid: cannot unmarshal number -1 into uint32"},
		{"mounts an object", `{"mounts": {"destination": "/"}}`,
			"config.json: mounts: cannot unmarshal object into []specs.Mount"},
		{"rlimit hard a string", `{"process": {"rlimits": [{"type": "RLIMIT_NOFILE"}, {"type": "x", "hard": "1"}]}}`,
			"config.json: process.rlimits[1].hard: cannot unmarshal string into uint64"},
		{"sysctl value a number", `{"linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}`,
			`config.json: linux.sysctl["net.ipv4.ip_forward"]: cannot unmarshal number into string`},
		{"after unknown fields", `{"x": [1, {"y": [true]}], "annotations": {"a": "b", "c": []}}`,
			`config.json: annotations.c: cannot unmarshal array into string`},
		{"top level array", "[]",
			"config.json: invalid JSON at line 1, column 1: cannot unmarshal array into specs.Spec"},
		{"invalid config", `{"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "process": {"args": [], "cwd": "/"}}`,
			"config.json: process.args: must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bundle := newBundle(t)
			writeConfig(t, bundle, tc.data)
			s, raw, err := LoadBundle(bundle)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("wrong error\n got: %v\nwant: %s", err, tc.want)
			}
			if s != nil || raw != nil {
				t.Error("want no spec and no bytes with an error")
			}
		})
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	tests := []struct {
		offset          int64
		description     string
		wantLine, wantC int
	}{
		{offset: 0, wantLine: 1, wantC: 1, description: "start"},
		{offset: 1, wantLine: 1, wantC: 1, description: "after a"},
		{offset: 2, wantLine: 1, wantC: 2, description: "after b"},
		{offset: 4, wantLine: 2, wantC: 1, description: "after c"},
		{offset: 7, wantLine: 3, wantC: 1, description: "after the empty line's newline"},
		{offset: 9, wantLine: 4, wantC: 2, description: "after f"},
		{offset: 99, wantLine: 4, wantC: 3, description: "past the end"},
	}
	for _, tc := range tests {
		line, col := position(data, tc.offset)
		if line != tc.wantLine || col != tc.wantC {
			t.Errorf("%s: position(%d) = %d:%d, want %d:%d", tc.description, tc.offset, line, col, tc.wantLine, tc.wantC)
		}
	}
}

func TestRootfs(t *testing.T) {
	bundle, err := filepath.EvalSymlinks(newBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("rootfs", filepath.Join(bundle, "link")); err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	tests := []struct {
		path, bundle, want string
	}{
		{"rootfs", bundle, rootfs},
		{"./x/../rootfs/", bundle, rootfs},
		{rootfs, "/elsewhere", rootfs},
		{"link", bundle, rootfs},
		{"missing/../gone", bundle, filepath.Join(bundle, "gone")},
		{"rootfs", filepath.Base(bundle), rootfs},
	}
	t.Chdir(filepath.Dir(bundle))
	for _, tc := range tests {
		s := Example()
		s.Root.Path = tc.path
		if got := Rootfs(s, tc.bundle); got != tc.want {
			t.Errorf("Rootfs(%q, %q) = %q, want %q", tc.path, tc.bundle, got, tc.want)
		}
	}
	s := Example()
	s.Root = nil
	if got := Rootfs(s, bundle); got != "" {
		t.Errorf("Rootfs without root = %q, want \"\"", got)
	}
}
