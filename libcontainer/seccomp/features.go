package seccomp

import (
	"sort"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// Features describes what Compile accepts on this host, for `hull features`.
type Features struct {
	Actions, Operators, Archs, KnownFlags, SupportedFlags []string
}

// HostFeatures lists the actions libseccomp's API level allows, every
// operator and architecture, and the filter flags this kernel accepts.
func HostFeatures() Features {
	var f Features
	api, _ := libseccomp.GetAPI()
	for name, act := range actions {
		if need, ok := actionAPI[act]; !ok || api >= need {
			f.Actions = append(f.Actions, string(name))
		}
	}
	for name := range operators {
		f.Operators = append(f.Operators, string(name))
	}
	for name := range arches {
		f.Archs = append(f.Archs, string(name))
	}
	for name, bit := range flags {
		f.KnownFlags = append(f.KnownFlags, string(name))
		if bit == 0 || kernelHasFlag(bit) {
			f.SupportedFlags = append(f.SupportedFlags, string(name))
		}
	}
	for _, l := range [][]string{f.Actions, f.Operators, f.Archs, f.KnownFlags, f.SupportedFlags} {
		sort.Strings(l)
	}
	return f
}
