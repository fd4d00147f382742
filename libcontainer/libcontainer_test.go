package libcontainer

import (
	"reflect"
	"testing"

	"github.com/hull-oci/hull/libcontainer/planner"
)

type fakePaths map[string]string

func (f fakePaths) Paths() map[string]string { return f }

func TestCgroupHierarchies(t *testing.T) {
	got := cgroupHierarchies(fakePaths{
		"cpu":          "/sys/fs/cgroup/cpu,cpuacct/c1",
		"cpuacct":      "/sys/fs/cgroup/cpu,cpuacct/c1",
		"memory":       "/sys/fs/cgroup/memory/c1",
		"name=systemd": "/sys/fs/cgroup/systemd/c1",
		"":             "/sys/fs/cgroup/unified/c1",
	})
	want := []planner.CgroupHierarchy{
		{Dir: "cpu,cpuacct", FSType: "cgroup", Data: "cpu,cpuacct", HostPath: "/sys/fs/cgroup/cpu,cpuacct/c1", Links: []string{"cpu", "cpuacct"}},
		{Dir: "memory", FSType: "cgroup", Data: "memory", HostPath: "/sys/fs/cgroup/memory/c1"},
		{Dir: "systemd", FSType: "cgroup", Data: "none,name=systemd", HostPath: "/sys/fs/cgroup/systemd/c1"},
		{Dir: "unified", FSType: "cgroup2", HostPath: "/sys/fs/cgroup/unified/c1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	v2 := cgroupHierarchies(fakePaths{"": "/sys/fs/cgroup/c1"})
	if len(v2) != 1 || v2[0].Dir != "" || v2[0].FSType != "cgroup2" {
		t.Errorf("pure v2: %+v", v2)
	}
}

func TestPasswdName(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/bash\nbroken\nweb:*:1000:1000::/home/web:/bin/sh\n"
	for uid, want := range map[int]string{0: "root", 1000: "web", 5: ""} {
		if got := passwdName(passwd, uid); got != want {
			t.Errorf("uid %d: %q, want %q", uid, got, want)
		}
	}
}
