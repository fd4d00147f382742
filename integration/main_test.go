package integration

import (
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Set once by TestMain, read-only afterwards.
var (
	runtimeBin string // absolute path of the runtime under test
	isHull     bool   // the runtime under test is hull (not runc or crun)
	base       string // the run's scratch directory: rootfs, bundles, --root dirs
	rootfsDir  string // shared busybox rootfs, used read-only by every bundle
	idPrefix   string // every container id (and so cgroup name) starts with it
)

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Println("integration: skipping every test: needs root")
		os.Exit(0)
	}
	// a suite started under systemd (or by a test of NOTIFY_SOCKET) must
	// not have every container proxy its readiness: notify_test.go sets it
	// where it is wanted
	_ = os.Unsetenv("NOTIFY_SOCKET")
	// A test spends part of its time waiting (for a container to start or
	// stop): a few more tests than GOMAXPROCS at a time keep 2 cores busy.
	if !flagSet("test.parallel") {
		_ = flag.Set("test.parallel", "4")
	}
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v\n", err)
		if base != "" {
			_ = os.RemoveAll(base)
		}
		os.Exit(1)
	}
	code := m.Run()
	if left := waitNoLeftovers(3 * time.Second); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration: FAIL: the tests left these behind:\n\t%s\n", strings.Join(left, "\n\t"))
		cleanLeftovers()
		code = 1
	}
	if len(mountsUnder(base)) == 0 {
		_ = os.RemoveAll(base)
	} else {
		fmt.Fprintf(os.Stderr, "integration: kept %s: mounts remain under it\n", base)
	}
	os.Exit(code)
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func setup() error {
	runtimeBin = os.Getenv("HULL_BINARY")
	if runtimeBin == "" {
		runtimeBin = "../hull"
	}
	bin, err := filepath.Abs(runtimeBin)
	if err != nil {
		return err
	}
	runtimeBin = bin
	if st, err := os.Stat(runtimeBin); err != nil || st.Mode()&0o111 == 0 {
		return fmt.Errorf("runtime %s is not an executable (build hull with make, or set HULL_BINARY): %v", runtimeBin, err)
	}
	out, err := exec.Command(runtimeBin, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version: %v", runtimeBin, err)
	}
	isHull = strings.HasPrefix(string(out), "hull version")

	idPrefix = fmt.Sprintf("it%d-", os.Getpid())
	// Short, so that --root and bundle paths stay far from any length limit.
	if base, err = os.MkdirTemp("/tmp", idPrefix); err != nil {
		return err
	}
	// MkdirTemp makes 0700; a container root in a user namespace is
	// "other" to these directories and must traverse them.
	if err := os.Chmod(base, 0o755); err != nil {
		return err
	}
	rootfsDir = filepath.Join(base, "rootfs")
	return buildRootfs(rootfsDir)
}

// buildRootfs makes a busybox-static root filesystem, as tests/mkbundle.sh does.
func buildRootfs(dir string) error {
	const busybox = "/bin/busybox"
	if err := checkStatic(busybox); err != nil {
		return err
	}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile(busybox, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return err
	}
	list, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %v", err)
	}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", applet)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %v (install busybox-static)", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is not statically linked (install busybox-static)", path)
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// waitNoLeftovers gives exiting processes and lazily removed cgroups a
// moment before reporting what is still there.
func waitNoLeftovers(limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for {
		left := leftovers()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// leftovers lists everything of this run that is still there: state dirs
// under the test roots, mounts under base, cgroups and processes named
// after our ids or base.
func leftovers() []string {
	var left []string
	roots, _ := filepath.Glob(filepath.Join(base, "t*", "root"))
	for _, root := range roots {
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			left = append(left, "state: "+filepath.Join(root, e.Name()))
		}
	}
	for _, mp := range mountsUnder(base) {
		left = append(left, "mount: "+mp)
	}
	for _, dir := range cgroupDirs(idPrefix) {
		left = append(left, "cgroup: "+dir)
	}
	for _, p := range processes(base, idPrefix) {
		left = append(left, "process: "+p)
	}
	return left
}

// cleanLeftovers undoes what a failed run left, best effort, so that one
// broken test run does not poison the next: only our own containers
// (state dirs under our roots, processes in cgroups named with our
// prefix), our mounts and our cgroups are touched.
func cleanLeftovers() {
	roots, _ := filepath.Glob(filepath.Join(base, "t*", "root"))
	for _, root := range roots {
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			_ = exec.Command(runtimeBin, "--root", root, "delete", "--force", e.Name()).Run()
		}
	}
	for _, pid := range pidsInCgroups(idPrefix) {
		_ = syscallKill(pid)
	}
	time.Sleep(200 * time.Millisecond)
	dirs := cgroupDirs(idPrefix)
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = os.Remove(dirs[i])
	}
	mps := mountsUnder(base)
	for i := len(mps) - 1; i >= 0; i-- {
		_ = unmountDetach(mps[i])
	}
}
