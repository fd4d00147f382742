// Package convert turns an image config into a runtime config.json, as the
// image spec's conversion.md says: Entrypoint and Cmd become process.args,
// Env, WorkingDir and User the rest of process, and the image's platform,
// author, creation time, labels, stop signal, exposed ports and volumes
// become annotations. The rest is hull's default spec (`hull spec`).
package convert

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hull-oci/hull/specconv"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Annotations conversion.md defines, and hull's own for volumes.
const (
	AnnotationOS           = "org.opencontainers.image.os"
	AnnotationArch         = "org.opencontainers.image.architecture"
	AnnotationVariant      = "org.opencontainers.image.variant"
	AnnotationOSVersion    = "org.opencontainers.image.os.version"
	AnnotationOSFeatures   = "org.opencontainers.image.os.features"
	AnnotationAuthor       = "org.opencontainers.image.author"
	AnnotationCreated      = "org.opencontainers.image.created"
	AnnotationStopSignal   = "org.opencontainers.image.stopSignal"
	AnnotationExposedPorts = "org.opencontainers.image.exposedPorts"
	// AnnotationVolumes lists Config.Volumes, comma-separated. The spec
	// leaves volumes to implementations; hull mounts nothing for them, so
	// that data lands in the rootfs, and says where they were.
	AnnotationVolumes = "com.github.hull-oci.image.volumes"
)

// defaultPath is added when the image sets no PATH, as docker does.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Options are the choices conversion leaves to the caller.
type Options struct {
	// Rootless writes a config for an unprivileged user, as
	// `hull spec --rootless` does.
	Rootless bool
}

// Spec returns the runtime config for img, whose root filesystem is at
// rootfs (names in Config.User are looked up in its /etc/passwd and
// /etc/group).
func Spec(img *ocispec.Image, rootfs string, opts Options) (*specs.Spec, error) {
	s := specconv.Example()
	if opts.Rootless {
		specconv.ToRootless(s)
	}
	// hull has no terminal support yet, and an image's process is not
	// interactive unless the user says so by editing the config
	s.Process.Terminal = false
	// the rootfs is the bundle's own (a copy, or an overlay with its own
	// upper dir), and programs from images expect to write to it
	s.Root.Readonly = false
	cfg := img.Config
	if args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...); len(args) > 0 {
		s.Process.Args = args
	}
	s.Process.Env = env(cfg.Env)
	if cfg.WorkingDir != "" {
		s.Process.Cwd = cfg.WorkingDir
	}
	if cfg.User != "" {
		u, err := resolveUser(rootfs, cfg.User)
		if err != nil {
			return nil, fmt.Errorf("image config: User %q: %w", cfg.User, err)
		}
		s.Process.User = u
	}
	s.Annotations = annotations(img)
	return s, nil
}

// env is the image's environment, plus a PATH if it has none. The spec
// lets a converter add variables, never change the image's.
func env(image []string) []string {
	out := append([]string{}, image...)
	for _, kv := range image {
		if strings.HasPrefix(kv, "PATH=") {
			return out
		}
	}
	return append(out, defaultPath)
}

// annotations derives the annotations conversion.md lists. Labels win
// over the implicit ones on conflict, as the spec requires.
func annotations(img *ocispec.Image) map[string]string {
	a := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	put(AnnotationOS, img.OS)
	put(AnnotationArch, img.Architecture)
	put(AnnotationVariant, img.Variant)
	put(AnnotationOSVersion, img.OSVersion)
	put(AnnotationOSFeatures, strings.Join(img.OSFeatures, ","))
	put(AnnotationAuthor, img.Author)
	if img.Created != nil {
		put(AnnotationCreated, img.Created.Format(time.RFC3339Nano))
	}
	put(AnnotationStopSignal, img.Config.StopSignal)
	put(AnnotationExposedPorts, strings.Join(sortedKeys(img.Config.ExposedPorts), ","))
	put(AnnotationVolumes, strings.Join(sortedKeys(img.Config.Volumes), ","))
	for k, v := range img.Config.Labels {
		a[k] = v
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
