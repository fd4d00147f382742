package integration

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// This file looks at the host: mounts, cgroups and processes, to find what
// a container or a failed runtime command left behind.

// mountEntry is one line of a mountinfo file.
type mountEntry struct {
	Mountpoint string
	Options    []string // per-mount options (ro, nosuid, ...)
	FSType     string
	Source     string
	Super      []string // super block options (size=..., mode=...)
}

func (m mountEntry) hasOption(o string) bool {
	for _, x := range m.Options {
		if x == o {
			return true
		}
	}
	return false
}

func (m mountEntry) hasSuper(o string) bool {
	for _, x := range m.Super {
		if x == o {
			return true
		}
	}
	return false
}

// parseMountinfo parses the text of /proc/<pid>/mountinfo.
func parseMountinfo(text string) []mountEntry {
	var out []mountEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+4 {
			continue
		}
		out = append(out, mountEntry{
			Mountpoint: unescapeOctal(f[4]),
			Options:    strings.Split(f[5], ","),
			FSType:     f[sep+1],
			Source:     f[sep+2],
			Super:      strings.Split(f[sep+3], ","),
		})
	}
	return out
}

// findMount returns the last (topmost) mount at mountpoint.
func findMount(ms []mountEntry, mountpoint string) (mountEntry, bool) {
	var found mountEntry
	ok := false
	for _, m := range ms {
		if m.Mountpoint == mountpoint {
			found, ok = m, true
		}
	}
	return found, ok
}

// unescapeOctal undoes the \040-style escapes of mountinfo.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder lists the mountpoints of our mount namespace under dir.
func mountsUnder(dir string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range parseMountinfo(string(data)) {
		if m.Mountpoint == dir || strings.HasPrefix(m.Mountpoint, dir+"/") {
			out = append(out, m.Mountpoint)
		}
	}
	return out
}

// cgroupDirs lists the directories under /sys/fs/cgroup, in any
// controller, whose name starts with prefix (a container id, or the
// run's id prefix), parents before children.
func cgroupDirs(prefix string) []string {
	var out []string
	_ = filepath.WalkDir("/sys/fs/cgroup", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a cgroup removed while we walk
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// cgroupDirsOf lists the cgroup directories named exactly id.
func cgroupDirsOf(id string) []string {
	var out []string
	for _, dir := range cgroupDirs(id) {
		if filepath.Base(dir) == id {
			out = append(out, dir)
		}
	}
	return out
}

// processes lists live processes (not zombies) other than us whose command
// line mentions one of marks, or whose cgroup path has a component starting
// with one of them.
func processes(marks ...string) []string {
	var out []string
	for _, pid := range allPids() {
		if pid == os.Getpid() || processGone(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		cmd := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		cg, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
		for _, mark := range marks {
			if strings.Contains(cmd, mark) || strings.Contains(string(cg), "/"+mark) {
				out = append(out, strconv.Itoa(pid)+" "+strings.TrimSpace(cmd)+" cgroup "+strings.Join(strings.Fields(string(cg)), " "))
				break
			}
		}
	}
	return out
}

// pidsInCgroups returns the live processes whose cgroup path has a
// component starting with prefix.
func pidsInCgroups(prefix string) []int {
	var out []int
	for _, pid := range allPids() {
		cg, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
		if strings.Contains(string(cg), "/"+prefix) && !processGone(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func allPids() []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// processGone reports whether pid has exited: no such process, or a zombie
// that its (new) parent has not reaped yet.
func processGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return true
	}
	state := data[i+2]
	return state == 'Z' || state == 'X'
}

// nsLink returns the namespace link of a process ("net:[4026531840]").
func nsLink(pid, ns string) string {
	l, err := os.Readlink("/proc/" + pid + "/ns/" + ns)
	if err != nil {
		return "error: " + err.Error()
	}
	return l
}

func syscallKill(pid int) error {
	return unix.Kill(pid, unix.SIGKILL)
}

func unmountDetach(mp string) error {
	return unix.Unmount(mp, unix.MNT_DETACH)
}
