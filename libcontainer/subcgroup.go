package libcontainer

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// subCgroupPaths applies exec --cgroup values to the container's cgroup
// paths (keyed by controller, "" for cgroup2). A value is
// "[controller[,controller...]:]path": path is a sub-cgroup of the
// container's, for the controllers named or, without a list, for all of
// them; a value naming controllers wins over one that does not, as in runc.
func subCgroupPaths(paths map[string]string, values []string) (map[string]string, error) {
	out := maps.Clone(paths)
	all, named := "", map[string]string{}
	for _, v := range values {
		ctrls, sub, found := strings.Cut(v, ":")
		if !found {
			ctrls, sub = "", v
		}
		if sub == "" || filepath.IsAbs(sub) || !filepath.IsLocal(sub) {
			return nil, fmt.Errorf("exec --cgroup %q: %q must be a path below the container's cgroup", v, sub)
		}
		if ctrls == "" {
			all = sub
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if _, ok := paths[c]; !ok || c == "" {
				return nil, fmt.Errorf("exec --cgroup %q: the container has no %q cgroup", v, c)
			}
			named[c] = sub
		}
	}
	for c, dir := range paths {
		sub := named[c]
		if sub == "" {
			sub = all
		}
		if sub != "" {
			out[c] = filepath.Join(dir, sub)
		}
	}
	return out, nil
}

// checkSubCgroups makes sure every sub-cgroup exists: exec joins an
// existing cgroup and never creates one (runc's rule).
func checkSubCgroups(old, sub map[string]string) error {
	for c, dir := range sub {
		if dir == old[c] {
			continue
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("exec --cgroup: %s does not exist (exec joins an existing sub-cgroup)", dir)
		}
	}
	return nil
}
