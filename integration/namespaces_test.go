package integration

import (
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const nsScript = `for n in cgroup ipc mnt net pid user uts; do echo "$n $(readlink /proc/self/ns/$n)"; done`

func TestPidNamespace(t *testing.T) {
	t.Parallel()
	out := runSh(t, nil, `echo $$; ls /proc | grep -c '^[0-9]'`)
	// the shell is pid 1 and sees itself and the ls/grep pipeline only
	if l := lines(out); len(l) != 2 || l[0] != "1" {
		t.Fatalf("output %q, want pid 1", out)
	} else if n, _ := strconv.Atoi(l[1]); n < 1 || n > 4 {
		t.Fatalf("the container sees %s processes in /proc, want only its own", l[1])
	}
}

// Namespaces listed in the config are new; those left out are the host's.
func TestNamespacesDiffer(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) { removeNS(s, specs.IPCNamespace) }, nsScript)
	got := keyed(out)
	const self = "self"
	for _, ns := range []string{"cgroup", "mnt", "net", "pid", "uts"} {
		if got[ns] == "" || got[ns] == nsLink(self, ns) {
			t.Errorf("%s namespace %q in the container, want a new one (host %q)", ns, got[ns], nsLink(self, ns))
		}
	}
	for _, ns := range []string{"ipc", "user"} {
		if got[ns] != nsLink(self, ns) {
			t.Errorf("%s namespace %q in the container, want the host's %q (not in the config)", ns, got[ns], nsLink(self, ns))
		}
	}
}

func TestNetworkNamespaceOnlyLo(t *testing.T) {
	t.Parallel()
	out := runSh(t, nil, "tail -n +3 /proc/net/dev | cut -d: -f1; ls /sys/class/net")
	if got := strings.Join(strings.Fields(out), " "); got != "lo lo" {
		t.Fatalf("network interfaces %q, want only lo", out)
	}
}

// A container joins the network namespace of another by path.
func TestJoinNamespaceByPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.newCtr("sleep", "100")
	if r := first.run("-d"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	pid := strconv.Itoa(first.wantStatus("running").Pid)
	want := nsLink(pid, "net")
	if want == nsLink("self", "net") {
		t.Fatalf("the first container shares the host's network namespace %s", want)
	}
	second := e.newCtr("sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts")
	setNS(second.Spec, specs.NetworkNamespace, "/proc/"+pid+"/ns/net")
	out := second.runOK()
	l := lines(out)
	if len(l) != 2 || l[0] != want {
		t.Fatalf("the second container's namespaces %q, want net %s", out, want)
	}
	if l[1] == nsLink(pid, "uts") {
		t.Errorf("the second container joined the first's uts namespace %s too", l[1])
	}
}

func TestUserNamespace(t *testing.T) {
	t.Parallel()
	requireNS(t, "user")
	out := runSh(t, func(_ *env, s *specs.Spec) {
		setNS(s, specs.UserNamespace, "")
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	}, "echo id $(id -u) $(id -g); echo uid_map $(cat /proc/self/uid_map); echo gid_map $(cat /proc/self/gid_map); echo user $(readlink /proc/self/ns/user)")
	got := keyed(out)
	want := map[string]string{"id": "0 0", "uid_map": "0 100000 65536", "gid_map": "0 200000 65536"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (output %q)", k, got[k], v, out)
		}
	}
	if got["user"] == "" || got["user"] == nsLink("self", "user") {
		t.Errorf("user namespace %q, want a new one", got["user"])
	}
}
