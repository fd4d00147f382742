// Package specjson decodes config.json into a runtime-spec Spec, leaving out
// the sections for other platforms (solaris, windows, vm, zos, freebsd),
// which a Linux runtime never reads.
//
// A config is first decoded by code generated from the spec's types
// (decode_gen.go): encoding/json builds a decoder and an encoder for every
// type reachable from its target on first use, which costs a short-lived
// command like `hull run` about 150 KB of fresh heap and 2-3 ms. The
// generated decoder takes only input it decodes exactly as encoding/json
// would; for anything else (an error, an unknown or differently cased
// field, a duplicate) encoding/json decodes it, so results and error
// messages are always encoding/json's. FuzzDecode holds the two together.
package specjson

//go:generate go test -run TestGenerated -update

import (
	"encoding/json"
	"errors"
	"reflect"

	"github.com/hull-oci/hull/internal/jsonlex"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linuxSpec is specs.Spec without the other platforms' sections; the JSON
// names are specs.Spec's (TestSameFields checks that nothing else differs).
type linuxSpec struct {
	Version     string            `json:"ociVersion"`
	Process     *specs.Process    `json:"process,omitempty"`
	Root        *specs.Root       `json:"root,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Domainname  string            `json:"domainname,omitempty"`
	Mounts      []specs.Mount     `json:"mounts,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *specs.Linux      `json:"linux,omitempty"`
}

// Unmarshal decodes data as json.Unmarshal would into a specs.Spec, except
// for the other platforms' sections, which stay nil. Errors are
// encoding/json's.
func Unmarshal(data []byte) (*specs.Spec, error) {
	s, _, err := Decode(data)
	return s, err
}

// Decode is Unmarshal that also reports whether every member name in data
// (outside the other platforms' sections) is exactly a field of the spec:
// a caller that refuses unknown fields need not look for them then.
func Decode(data []byte) (s *specs.Spec, exact bool, err error) {
	if s, ok := fast(data); ok {
		return s, true, nil
	}
	s, err = slow(data)
	return s, false, err
}

// fast is the generated decoder; false means it gave up.
func fast(data []byte) (*specs.Spec, bool) {
	d := jsonlex.New(data)
	var s specs.Spec
	if d.Peek() != '{' || !decSpec(d, &s) {
		return nil, false
	}
	return &s, d.End()
}

func slow(data []byte) (*specs.Spec, error) {
	var l linuxSpec
	if err := json.Unmarshal(data, &l); err != nil {
		// name the type the caller asked for, not our stand-in
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Type == reflect.TypeOf(l) {
			typ.Type = reflect.TypeOf(specs.Spec{})
		}
		return nil, err
	}
	return &specs.Spec{
		Version: l.Version, Process: l.Process, Root: l.Root, Hostname: l.Hostname,
		Domainname: l.Domainname, Mounts: l.Mounts, Hooks: l.Hooks, Annotations: l.Annotations,
		Linux: l.Linux,
	}, nil
}
