package integration

import (
	"fmt"
	"path"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Tests of the container process's settings: user, cwd, env, limits,
// capabilities, as the process sees them.

func TestHostname(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) { s.Hostname = "box-42" }, "hostname; cat /proc/sys/kernel/hostname")
	if want := "box-42\nbox-42\n"; out != want {
		t.Fatalf("hostname output %q, want %q", out, want)
	}
}

func TestUser(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 20}}
	}, "grep -E '^(Uid|Gid|Groups):' /proc/self/status; echo id $(id -u) $(id -g)")
	got := map[string][]string{}
	for _, l := range lines(out) {
		f := strings.Fields(l)
		got[f[0]] = f[1:]
	}
	want := map[string][]string{
		"Uid:":    {"1000", "1000", "1000", "1000"},
		"Gid:":    {"1001", "1001", "1001", "1001"},
		"Groups:": {"10", "20"},
		"id":      {"1000", "1001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("container output:\n%s\nwant %v", out, want)
	}
}

func TestCwd(t *testing.T) {
	t.Parallel()
	t.Run("existing", func(t *testing.T) {
		t.Parallel()
		out := runSh(t, func(_ *env, s *specs.Spec) { s.Process.Cwd = "/tmp" }, "pwd")
		if out != "/tmp\n" {
			t.Fatalf("pwd %q, want /tmp", out)
		}
	})
	// A missing cwd is created (the rootfs is shared by all tests: the
	// directory is unique to this run).
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		cwd := "/cwd-" + idPrefix + "/a/b"
		out := runSh(t, func(_ *env, s *specs.Spec) { s.Process.Cwd = cwd }, "pwd")
		if out != cwd+"\n" {
			t.Fatalf("pwd %q, want %s", out, cwd)
		}
	})
}

func TestEnv(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Process.Env = append(s.Process.Env, "FOO=bar baz", "EMPTY=", "WITH_EQ=a=b")
	}, `echo "FOO=$FOO"; echo "EMPTY=${EMPTY-unset}"; echo "WITH_EQ=$WITH_EQ"; echo "PATH=$PATH"`)
	want := "FOO=bar baz\nEMPTY=\nWITH_EQ=a=b\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	if out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
}

func TestRlimits(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 1000},
			{Type: "RLIMIT_NPROC", Soft: 300, Hard: 400},
		}
	}, "echo nofile $(ulimit -Sn) $(ulimit -Hn); echo nproc $(ulimit -Su) $(ulimit -Hu)")
	if want := "nofile 512 1000\nnproc 300 400\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
}

func TestUmask(t *testing.T) {
	t.Parallel()
	mask := uint32(0o027)
	out := runSh(t, func(_ *env, s *specs.Spec) { s.Process.User.Umask = &mask }, "umask")
	if out != "0027\n" {
		t.Fatalf("umask %q, want 0027", out)
	}
}

func TestOOMScoreAdj(t *testing.T) {
	t.Parallel()
	adj := 123
	out := runSh(t, func(_ *env, s *specs.Spec) { s.Process.OOMScoreAdj = &adj }, "cat /proc/self/oom_score_adj")
	if out != "123\n" {
		t.Fatalf("oom_score_adj %q, want 123", out)
	}
}

// capMask is the /proc/<pid>/status form of a set of capabilities.
func capMask(t *testing.T, names ...string) string {
	t.Helper()
	bits := map[string]uint{"CAP_CHOWN": 0, "CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_WRITE": 29}
	var m uint64
	for _, n := range names {
		b, ok := bits[n]
		if !ok {
			t.Fatalf("capMask: add %s", n)
		}
		m |= 1 << b
	}
	return fmt.Sprintf("%016x", m)
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	// For uid 0, execve makes the effective and permitted sets the
	// bounding set (capped by the permitted set under no_new_privs), so
	// a root container's sets are given equal. For another uid, only the
	// ambient set survives execve.
	tests := []struct {
		name string
		user specs.User
		caps specs.LinuxCapabilities
		want map[string]string
	}{{
		name: "root",
		caps: specs.LinuxCapabilities{
			Bounding:  []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"},
			Effective: []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"},
			Permitted: []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"},
		},
		want: map[string]string{
			"CapInh": capMask(t), "CapPrm": capMask(t, "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"),
			"CapEff": capMask(t, "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"),
			"CapBnd": capMask(t, "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"), "CapAmb": capMask(t),
		},
	}, {
		name: "ambient",
		user: specs.User{UID: 1000, GID: 1000},
		caps: specs.LinuxCapabilities{
			Bounding:    []string{"CAP_CHOWN", "CAP_KILL"},
			Effective:   []string{"CAP_KILL"},
			Permitted:   []string{"CAP_KILL"},
			Inheritable: []string{"CAP_KILL"},
			Ambient:     []string{"CAP_KILL"},
		},
		want: map[string]string{
			"CapInh": capMask(t, "CAP_KILL"), "CapPrm": capMask(t, "CAP_KILL"), "CapEff": capMask(t, "CAP_KILL"),
			"CapBnd": capMask(t, "CAP_CHOWN", "CAP_KILL"), "CapAmb": capMask(t, "CAP_KILL"),
		},
	}, {
		name: "none",
		caps: specs.LinuxCapabilities{},
		want: map[string]string{
			"CapInh": capMask(t), "CapPrm": capMask(t), "CapEff": capMask(t), "CapBnd": capMask(t), "CapAmb": capMask(t),
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := runSh(t, func(_ *env, s *specs.Spec) {
				s.Process.User = tc.user
				s.Process.Capabilities = &tc.caps
			}, "grep ^Cap /proc/self/status")
			got := map[string]string{}
			for _, l := range lines(out) {
				k, v, _ := strings.Cut(l, ":")
				got[k] = strings.TrimSpace(v)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("capabilities in the container:\n%s\nwant %v", out, tc.want)
			}
		})
	}
}

func TestNoNewPrivileges(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		t.Run(fmt.Sprint(nnp), func(t *testing.T) {
			t.Parallel()
			out := runSh(t, func(_ *env, s *specs.Spec) { s.Process.NoNewPrivileges = nnp }, "grep ^NoNewPrivs: /proc/self/status")
			want := map[bool]string{true: "1", false: "0"}[nnp]
			if f := strings.Fields(out); len(f) != 2 || f[1] != want {
				t.Fatalf("output %q, want NoNewPrivs: %s", out, want)
			}
		})
	}
}

func TestSysctl(t *testing.T) {
	t.Parallel()
	host := func(key string) string {
		return strings.TrimSpace(readFile(t, path.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))))
	}
	hostTTL := host("net.ipv4.ip_default_ttl")
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "net.ipv4.ip_default_ttl": "99"}
	}, "echo forward $(cat /proc/sys/net/ipv4/ip_forward); echo ttl $(cat /proc/sys/net/ipv4/ip_default_ttl)")
	if want := "forward 1\nttl 99\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	if got := host("net.ipv4.ip_default_ttl"); got != hostTTL {
		t.Errorf("the host's ip_default_ttl changed from %s to %s", hostTTL, got)
	}
}
