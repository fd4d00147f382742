package convert

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rootfs makes a rootfs with the passwd and group files of the tests.
func rootfs(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:app:/home/app:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\napp:x:1001:\nwheel:x:10:root,app\naudio:x:29:app\nstaff:x:50:other\n"), 0o644)
	return dir
}

func TestUser(t *testing.T) {
	root := rootfs(t)
	for user, want := range map[string]specs.User{
		"1000":       {UID: 1000, GID: 1001},
		"4242":       {UID: 4242},
		"4242:77":    {UID: 4242, GID: 77},
		"app":        {UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 29}},
		"app:audio":  {UID: 1000, GID: 29},
		"app:5":      {UID: 1000, GID: 5},
		"1000:wheel": {UID: 1000, GID: 10},
		"root":       {UID: 0, GID: 0, AdditionalGids: []uint32{10}},
		"0:0":        {},
	} {
		got, err := resolveUser(root, user)
		if err != nil {
			t.Errorf("%s: %v", user, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", user, got, want)
		}
	}
	for user, missing := range map[string]string{"nobody": "nobody", "app:nogroup": "nogroup", "1000:1000:x": "1000:x"} {
		if _, err := resolveUser(root, user); err == nil || !strings.Contains(err.Error(), `"`+missing+`"`) {
			t.Errorf("%s: got %v, want an error naming %q", user, err, missing)
		}
	}
}

// TestUserFileStaysInRoot plants /etc/passwd as a symlink to the host's
// /etc/passwd: the lookup must resolve it inside the rootfs and fail.
func TestUserFileStaysInRoot(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.Symlink("/etc/passwd", filepath.Join(dir, "etc/passwd"))
	os.Symlink("../../../../../../../etc/group", filepath.Join(dir, "etc/group"))
	if _, err := resolveUser(dir, "root"); err == nil {
		t.Error("root was resolved through a symlink to the host's /etc/passwd")
	}
	if _, err := resolveUser(dir, "0:root"); err == nil {
		t.Error("group root was resolved through a symlink to the host's /etc/group")
	}
}

func TestSpec(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	img := &ocispec.Image{
		Created:  &created,
		Author:   "someone",
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		Config: ocispec.ImageConfig{
			User:         "app",
			Entrypoint:   []string{"/bin/app", "--serve"},
			Cmd:          []string{"--port", "80"},
			Env:          []string{"FOO=bar"},
			WorkingDir:   "/srv",
			ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
			Volumes:      map[string]struct{}{"/data": {}, "/cache": {}},
			Labels:       map[string]string{"version": "1", AnnotationAuthor: "label wins"},
			StopSignal:   "SIGQUIT",
		},
	}
	s, err := Spec(img, rootfs(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if want := []string{"/bin/app", "--serve", "--port", "80"}; !reflect.DeepEqual(p.Args, want) {
		t.Errorf("args %q, want %q", p.Args, want)
	}
	if want := []string{"FOO=bar", defaultPath}; !reflect.DeepEqual(p.Env, want) {
		t.Errorf("env %q, want %q", p.Env, want)
	}
	if p.Cwd != "/srv" || p.User.UID != 1000 || p.Terminal || s.Root.Readonly {
		t.Errorf("cwd %q, user %+v, terminal %v, readonly root %v", p.Cwd, p.User, p.Terminal, s.Root.Readonly)
	}
	want := map[string]string{
		AnnotationOS: "linux", AnnotationArch: "amd64", AnnotationAuthor: "label wins",
		AnnotationCreated: "2024-05-06T07:08:09Z", AnnotationStopSignal: "SIGQUIT",
		AnnotationExposedPorts: "53/udp,80/tcp", AnnotationVolumes: "/cache,/data", "version": "1",
	}
	if !reflect.DeepEqual(s.Annotations, want) {
		t.Errorf("annotations\n got  %v\n want %v", s.Annotations, want)
	}
}

func TestSpecDefaults(t *testing.T) {
	img := &ocispec.Image{Config: ocispec.ImageConfig{Env: []string{"PATH=/opt/bin"}}}
	s, err := Spec(img, t.TempDir(), Options{Rootless: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Process.Args, []string{"sh"}) || !reflect.DeepEqual(s.Process.Env, []string{"PATH=/opt/bin"}) {
		t.Errorf("args %q env %q: want hull's default args and the image's PATH only", s.Process.Args, s.Process.Env)
	}
	if s.Linux.UIDMappings == nil || s.Process.Cwd != "/" || s.Annotations != nil {
		t.Errorf("rootless %v, cwd %q, annotations %v", s.Linux.UIDMappings, s.Process.Cwd, s.Annotations)
	}
}
