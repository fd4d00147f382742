package planner

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	const atime = unix.MOUNT_ATTR__ATIME
	tests := []struct {
		name string
		opts []string
		want mountOptions
	}{
		{"empty", nil, mountOptions{}},
		{"flags", []string{"ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "mand", "noatime", "nodiratime", "strictatime", "nosymfollow", "remount"},
			mountOptions{flags: unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_SYNCHRONOUS |
				unix.MS_DIRSYNC | unix.MS_MANDLOCK | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_STRICTATIME |
				unix.MS_REMOUNT | 256}},
		{"later option clears", []string{"ro", "nosuid", "nodev", "noexec", "sync", "mand", "noatime", "nosymfollow", "relatime",
			"rw", "suid", "dev", "exec", "async", "nomand", "atime", "symfollow", "norelatime"}, mountOptions{}},
		{"diratime strictatime cleared", []string{"nodiratime", "strictatime", "diratime", "nostrictatime"}, mountOptions{}},
		{"bind", []string{"bind"}, mountOptions{flags: unix.MS_BIND}},
		{"rbind", []string{"rbind", "ro"}, mountOptions{flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY}},
		{"defaults is nothing", []string{"defaults"}, mountOptions{}},
		{"propagation", []string{"rslave"}, mountOptions{propagation: unix.MS_SLAVE | unix.MS_REC}},
		{"last propagation wins", []string{"shared", "private"}, mountOptions{propagation: unix.MS_PRIVATE}},
		{"runbindable", []string{"runbindable"}, mountOptions{propagation: unix.MS_UNBINDABLE | unix.MS_REC}},
		{"recursive set", []string{"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"},
			mountOptions{attrSet: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{"recursive clear", []string{"rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"},
			mountOptions{attrClr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{"recursive later wins", []string{"rro", "rrw", "rdev", "rnodev"},
			mountOptions{attrSet: unix.MOUNT_ATTR_NODEV, attrClr: unix.MOUNT_ATTR_RDONLY}},
		{"rnoatime", []string{"rnoatime"}, mountOptions{attrSet: unix.MOUNT_ATTR_NOATIME, attrClr: atime}},
		{"rstrictatime", []string{"rstrictatime"}, mountOptions{attrSet: unix.MOUNT_ATTR_STRICTATIME, attrClr: atime}},
		{"rrelatime", []string{"rrelatime"}, mountOptions{attrSet: unix.MOUNT_ATTR_RELATIME, attrClr: atime}},
		{"ratime back to default", []string{"rnoatime", "ratime"}, mountOptions{attrSet: unix.MOUNT_ATTR_RELATIME, attrClr: atime}},
		{"rnostrictatime", []string{"rnostrictatime"}, mountOptions{attrSet: unix.MOUNT_ATTR_RELATIME, attrClr: atime}},
		{"rnorelatime", []string{"rnorelatime"}, mountOptions{attrSet: unix.MOUNT_ATTR_STRICTATIME, attrClr: atime}},
		{"tmpcopyup", []string{"tmpcopyup"}, mountOptions{tmpcopyup: true}},
		{"data passthrough", []string{"nosuid", "mode=755", "size=65536k", "newinstance", "gid=5"},
			mountOptions{flags: unix.MS_NOSUID, data: []string{"mode=755", "size=65536k", "newinstance", "gid=5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMountOptions("mounts[0]", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseMountOptionsIdmap(t *testing.T) {
	for _, opt := range []string{"idmap", "ridmap"} {
		_, err := parseMountOptions("mounts[4]", []string{"rbind", opt})
		wantErr(t, err, "mounts[4]: option \""+opt+"\"", "not supported")
	}
}

func TestMountOptionsDataString(t *testing.T) {
	o, _ := parseMountOptions("", []string{"mode=755", "ro", "size=1m"})
	if got := o.dataString(); got != "mode=755,size=1m" {
		t.Errorf("data = %q", got)
	}
}
