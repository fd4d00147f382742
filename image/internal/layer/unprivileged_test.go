package layer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	it "github.com/hull-oci/hull/image/internal/imagetest"
)

// childRoot, when set, makes TestUnprivilegedChild apply its layer there.
const childRoot = "HULL_LAYER_TEST_CHILD_ROOT"

// TestUnprivileged applies a layer as nobody (the test binary runs itself
// with dropped ids): what needs root is skipped, the rest is applied.
func TestUnprivileged(t *testing.T) {
	requireRoot(t)
	// t.TempDir and the test binary's directory are 0700: nobody could
	// not reach them
	top, err := os.MkdirTemp("", "hull-layer-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	os.Chmod(top, 0o755)
	bin, root := filepath.Join(top, "layer.test"), filepath.Join(top, "root")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(root, 0o755)
	os.Chown(root, 65534, 65534)
	cmd := exec.Command(bin, "-test.run=^TestUnprivilegedChild$", "-test.v")
	cmd.Env = append(os.Environ(), childRoot+"="+root)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("--- PASS: TestUnprivilegedChild")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	e := it.Epoch.Unix()
	it.Expect(t, it.Tree(t, root), map[string]string{
		"ro":        "dir 0555 65534:65534",
		"ro/f":      fmt.Sprintf(`file 0644 65534:65534 "x" nlink=1 user.ok=1 mtime=%d`, e),
		"null":      "",
		"fifo":      fmt.Sprintf("fifo 0600 65534:65534 mtime=%d", e),
		"suid":      fmt.Sprintf(`file 4755 65534:65534 "" nlink=1 mtime=%d`, e),
		"link":      fmt.Sprintf("symlink ro/f 65534:65534 mtime=%d", e),
		"ro/hidden": "",
	})
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o755)
}

func TestUnprivilegedChild(t *testing.T) {
	root := os.Getenv(childRoot)
	if root == "" {
		t.Skip("run by TestUnprivileged")
	}
	layer := it.Tar(t,
		it.Dir("ro", 0o555).Owned(0, 0),
		it.File("ro/f", "x", 0o644).Owned(1000, 1000).Xattr("user.ok", "1").Xattr("trusted.root-only", "1"),
		it.CharDev("null", 1, 3),
		it.Fifo("fifo", 0o600),
		it.File("suid", "", 0o4755),
		it.Symlink("link", "ro/f"),
	)
	st, err := Apply(root, bytes.NewReader(layer), Options{Unprivileged: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.SkippedDevices != 1 || st.SkippedXattrs != 1 {
		t.Errorf("stats %+v, want 1 device and 1 xattr skipped", st)
	}
}
