package image_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	it "github.com/hull-oci/hull/image/internal/imagetest"
	"github.com/moby/sys/mountinfo"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// built is the hull binary built for this test run, in buildDir.
var (
	buildOnce sync.Once
	buildDir  string
	built     string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// hull returns the binary under test: $HULL_BINARY, or hull built from
// this tree into a temporary directory, once for all tests.
func hull(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers and mounts overlays")
	}
	bin := os.Getenv("HULL_BINARY")
	if bin == "" {
		buildOnce.Do(build)
		if buildErr != nil {
			t.Fatal(buildErr)
		}
		bin = built
	}
	if err := exec.Command(bin, "bundle", "--help").Run(); err != nil {
		t.Skipf("%s has no bundle command (main.go must list bundleCommand): %v", bin, err)
	}
	return bin
}

func build() {
	if buildDir, buildErr = os.MkdirTemp("", "hull-image-test-"); buildErr != nil {
		return
	}
	built = filepath.Join(buildDir, "hull")
	// `hull bundle` runs hull-bundle from hull's directory
	for _, pkg := range []string{".", "./cmd/hull-bundle"} {
		out := filepath.Join(buildDir, filepath.Base(pkg))
		if pkg == "." {
			out = built
		}
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = ".."
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
			return
		}
	}
}

// cli runs the binary and returns its stdout, stderr and error.
func cli(bin string, args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// e2eImage is busybox, a layer replacing /etc/marker and deleting with a
// whiteout and an opaque directory (gzip), and a zstd layer.
func e2eImage(t *testing.T) it.Image {
	return it.Image{
		Ref: "e2e:latest",
		Layers: []it.Layer{
			{Tar: it.Tar(t, append(it.Busybox(t), it.Dir("opt", 0o755), it.File("opt/old", "", 0o644))...)},
			{Tar: it.Tar(t, it.Dir("etc", 0o755), it.File("etc/marker", "from layer two\n", 0o644),
				it.Whiteout("bin/vi"), it.Dir("opt", 0o755), it.Opaque("opt"), it.File("opt/new", "", 0o644)), Compression: it.Gzip},
			{Tar: it.Tar(t, it.Dir("srv", 0o755), it.File("srv/zstd", "zstd layer\n", 0o644)), Compression: it.Zstd},
		},
		Config: ocispec.ImageConfig{
			User: "app",
			Cmd:  []string{"sh", "-c", "cat /etc/marker /srv/zstd; id -u; ls /opt; test -e /bin/vi || echo no vi"},
		},
	}
}

const e2eOutput = "from layer two\nzstd layer\n1000\nnew\nno vi\n"

// TestBundleRun bundles the image from each input in each mode and runs
// it with `hull run`; then `hull bundle --remove` must leave nothing.
func TestBundleRun(t *testing.T) {
	bin := hull(t)
	dir := t.TempDir()
	img := e2eImage(t)
	inputs := map[string]string{"layout": filepath.Join(dir, "layout"), "layout tar": filepath.Join(dir, "layout.tar"), "docker": filepath.Join(dir, "docker.tar")}
	it.WriteLayout(t, inputs["layout"], img)
	it.WriteLayoutTar(t, inputs["layout tar"], img)
	for i := range img.Layers {
		img.Layers[i].Compression = it.Uncompressed
	}
	it.WriteDockerArchive(t, inputs["docker"], img)
	n := 0
	for format, src := range inputs {
		for _, mode := range []string{"--copy", "--overlay"} {
			n++
			t.Run(format+" "+mode, func(t *testing.T) {
				dest := filepath.Join(dir, fmt.Sprintf("bundle%d", n))
				out, stderr, err := cli(bin, "bundle", mode, "--store", filepath.Join(dir, "store"), "--ref", "e2e:latest", src, dest)
				if err != nil {
					t.Fatalf("hull bundle: %v: %s", err, stderr)
				}
				t.Cleanup(func() { cli(bin, "bundle", "--remove", dest) })
				if !strings.HasPrefix(out, "unpacked sha256:") || stderr != "" {
					t.Errorf("hull bundle printed %q, %q", out, stderr)
				}
				out, stderr, err = cli(bin, "--root", filepath.Join(dir, "state"), "run", "-b", dest, fmt.Sprintf("bundle-test-%d-%d", os.Getpid(), n))
				if err != nil || out != e2eOutput {
					t.Errorf("hull run: %v\nstdout %q\nwant   %q\nstderr %s", err, out, e2eOutput, stderr)
				}
				if _, stderr, err := cli(bin, "bundle", "--remove", dest); err != nil {
					t.Fatalf("hull bundle --remove: %v: %s", err, stderr)
				}
				if _, err := os.Stat(dest); !os.IsNotExist(err) {
					t.Errorf("bundle still there: %v", err)
				}
			})
		}
	}
	mounts, _ := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	for _, m := range mounts {
		t.Errorf("left mounted: %s", m.Mountpoint)
	}
}

// TestBundleReuse bundles the same image twice in overlay mode: the second
// bundle reuses every layer and says so.
func TestBundleReuse(t *testing.T) {
	bin := hull(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "layout")
	it.WriteLayout(t, src, e2eImage(t))
	t.Setenv("HULL_LAYER_STORE", filepath.Join(dir, "store"))
	var outs []string
	for _, b := range []string{"one", "two"} {
		dest := filepath.Join(dir, b)
		out, stderr, err := cli(bin, "bundle", "--overlay", src, dest)
		if err != nil {
			t.Fatalf("hull bundle: %v: %s", err, stderr)
		}
		t.Cleanup(func() { cli(bin, "bundle", "--remove", dest) })
		outs = append(outs, out)
	}
	if strings.Contains(outs[0], "reused") || !strings.Contains(outs[1], "3 layers reused from the store") {
		t.Errorf("summaries:\n%s%s", outs[0], outs[1])
	}
	if layers, _ := filepath.Glob(filepath.Join(dir, "store", "sha256", "*")); len(layers) != 3 {
		t.Errorf("store (from $HULL_LAYER_STORE) holds %d layers, want 3", len(layers))
	}
}

// TestBundleErrors checks that failures are one line naming the cause, with
// exit status 1, and leave no bundle.
func TestBundleErrors(t *testing.T) {
	bin := hull(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "layout")
	descs := it.WriteLayout(t, src, e2eImage(t), it.Image{Ref: "other", Layers: e2eImage(t).Layers[:1]})
	manifest := it.BlobPath(src, descs[0].Digest)
	dest := filepath.Join(dir, "bundle")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{src}, "2 argument(s) required"},
		{[]string{"--copy", "--overlay", src, dest}, "exclude each other"},
		{[]string{src, dest}, "choose one with --ref"},
		{[]string{"--ref", "nope", src, dest}, `no image named "nope"`},
		{[]string{"--remove", dir}, "was not made by hull bundle"},
		{[]string{"--ref", "e2e:latest", filepath.Join(dir, "missing"), dest}, "no such file"},
	} {
		_, stderr, err := cli(bin, append([]string{"bundle"}, tc.args...)...)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("hull bundle %q: %v, stderr %q; want exit 1 and one line with %q", tc.args, err, stderr, tc.want)
		}
	}
	data, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, bytes.Replace(data, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":2 `), 1), 0o644)
	_, stderr, err := cli(bin, "bundle", "--ref", "e2e:latest", src, dest)
	if err == nil || !strings.Contains(stderr, descs[0].Digest.String()) || !strings.Contains(stderr, "digest mismatch") {
		t.Errorf("corrupt manifest: %v, %q; want an error naming %s", err, stderr, descs[0].Digest)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("failed bundle left %s: %v", dest, err)
	}
}
