package libcontainer

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNotifyInSpec(t *testing.T) {
	s := &specs.Spec{
		Process: &specs.Process{Env: []string{"PATH=/bin", "NOTIFY_SOCKET=/host/path", "A=1", "NOTIFY_SOCKET=@x"}},
		Mounts:  []specs.Mount{{Destination: "/run", Type: "tmpfs", Source: "tmpfs"}},
	}
	notifyInSpec(s, "/state/c1/notify")
	wantEnv := []string{"PATH=/bin", "A=1", "NOTIFY_SOCKET=/run/notify/notify.sock"}
	if !reflect.DeepEqual(s.Process.Env, wantEnv) {
		t.Errorf("env %q, want %q", s.Process.Env, wantEnv)
	}
	// last, so that it lands on top of a tmpfs at /run
	want := specs.Mount{Destination: "/run/notify", Type: "bind", Source: "/state/c1/notify",
		Options: []string{"bind", "nosuid", "noexec", "nodev", "ro"}}
	if len(s.Mounts) != 2 || !reflect.DeepEqual(s.Mounts[1], want) {
		t.Errorf("mounts %+v, want the tmpfs then %+v", s.Mounts, want)
	}
}
