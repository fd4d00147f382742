// Package specjson decodes config.json into a runtime-spec Spec, leaving out
// the sections for other platforms (solaris, windows, vm, zos, freebsd),
// which a Linux runtime never reads. encoding/json builds its decoder for
// every type reachable from the target, and those sections' types are about
// a third of the spec's: skipping them saves 1-2 ms of a `hull run`.
package specjson

import (
	"encoding/json"
	"errors"
	"reflect"

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
