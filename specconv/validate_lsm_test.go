package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckLSM(t *testing.T) {
	const label = "system_u:system_r:container_t:s0"
	none, aa, se, both := HostLSM{}, HostLSM{AppArmor: true}, HostLSM{SELinux: true}, HostLSM{AppArmor: true, SELinux: true}
	cases := []struct {
		mutate func(*specs.Spec)
		host   HostLSM
		want   string // "" = accepted
	}{
		{func(s *specs.Spec) {}, none, ""},
		{func(s *specs.Spec) { s.Process.ApparmorProfile = "docker-default" }, none,
			`config.json: process.apparmorProfile: AppArmor is not enabled on this host (profile "docker-default")`},
		{func(s *specs.Spec) { s.Process.ApparmorProfile = "docker-default" }, se,
			`config.json: process.apparmorProfile: AppArmor is not enabled on this host (profile "docker-default")`},
		{func(s *specs.Spec) { s.Process.ApparmorProfile = "docker-default" }, aa, ""},
		{func(s *specs.Spec) { s.Process.SelinuxLabel = label }, aa,
			`config.json: process.selinuxLabel: SELinux is not enabled on this host (label "` + label + `")`},
		{func(s *specs.Spec) { s.Process.SelinuxLabel = label }, se, ""},
		{func(s *specs.Spec) { s.Linux.MountLabel = "x" }, aa,
			`config.json: linux.mountLabel: SELinux is not enabled on this host (label "x")`},
		{func(s *specs.Spec) { s.Linux.MountLabel = "x" }, se, ""},
		{func(s *specs.Spec) {
			s.Process.ApparmorProfile, s.Process.SelinuxLabel, s.Linux.MountLabel = "p", label, "x"
		}, both, ""},
		{func(s *specs.Spec) { s.Linux = nil; s.Process.SelinuxLabel = label }, none,
			`config.json: process.selinuxLabel: SELinux is not enabled on this host (label "` + label + `")`},
		{func(s *specs.Spec) { s.Process = nil; s.Linux.MountLabel = "x" }, none,
			`config.json: linux.mountLabel: SELinux is not enabled on this host (label "x")`},
	}
	for i, tc := range cases {
		s := Example()
		tc.mutate(s)
		err := CheckLSM(s, tc.host)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("case %d: %v, want no error", i, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("case %d: got %v, want %s", i, err, tc.want)
		}
	}
}

func TestCheckProcessLSM(t *testing.T) {
	p := &specs.Process{ApparmorProfile: "hull-test"}
	want := `process.apparmorProfile: AppArmor is not enabled on this host (profile "hull-test")`
	if err := CheckProcessLSM(p, HostLSM{SELinux: true}); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if err := CheckProcessLSM(p, HostLSM{AppArmor: true}); err != nil {
		t.Error(err)
	}
}
