package libcontainer

import (
	"reflect"
	"strings"
	"testing"
)

func TestSubCgroupPaths(t *testing.T) {
	v1 := map[string]string{"cpu": "/sys/fs/cgroup/cpu/c", "memory": "/sys/fs/cgroup/memory/c", "": "/sys/fs/cgroup/unified/c"}
	v2 := map[string]string{"": "/sys/fs/cgroup/c"}
	for _, tc := range []struct {
		paths  map[string]string
		values []string
		want   map[string]string
		err    string
	}{
		{v2, []string{"sub"}, map[string]string{"": "/sys/fs/cgroup/c/sub"}, ""},
		{v2, []string{"a/b"}, map[string]string{"": "/sys/fs/cgroup/c/a/b"}, ""},
		{v1, []string{"sub"}, map[string]string{"cpu": "/sys/fs/cgroup/cpu/c/sub", "memory": "/sys/fs/cgroup/memory/c/sub", "": "/sys/fs/cgroup/unified/c/sub"}, ""},
		{v1, []string{"memory:m"}, map[string]string{"cpu": "/sys/fs/cgroup/cpu/c", "memory": "/sys/fs/cgroup/memory/c/m", "": "/sys/fs/cgroup/unified/c"}, ""},
		// a value naming controllers wins, whatever the order
		{v1, []string{"cpu,memory:x", "all"}, map[string]string{"cpu": "/sys/fs/cgroup/cpu/c/x", "memory": "/sys/fs/cgroup/memory/c/x", "": "/sys/fs/cgroup/unified/c/all"}, ""},
		{v1, []string{"../escape"}, nil, "must be a path below"},
		{v1, []string{"a/../../b"}, nil, "must be a path below"},
		{v1, []string{"/abs"}, nil, "must be a path below"},
		{v1, []string{"cpu:"}, nil, "must be a path below"},
		{v1, []string{"pids:x"}, nil, `no "pids" cgroup`},
		{v2, []string{"memory:x"}, nil, `no "memory" cgroup`},
	} {
		got, err := subCgroupPaths(tc.paths, tc.values)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: error %v, want one with %q", tc.values, err, tc.err)
		case tc.err == "" && (err != nil || !reflect.DeepEqual(got, tc.want)):
			t.Errorf("%v: got %v, %v\nwant %v", tc.values, got, err, tc.want)
		}
	}
	if v1["cpu"] != "/sys/fs/cgroup/cpu/c" {
		t.Error("subCgroupPaths changed its input")
	}
}
