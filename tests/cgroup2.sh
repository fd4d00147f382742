#!/bin/sh
# Runs inside the cgroup2 VM: the cgroup packages' tests and the cgroup-heavy
# part of the integration suite, against a pure cgroup v2 hierarchy.
set -e
dir=$1
stat -f -c %T /sys/fs/cgroup | grep -q cgroup2fs || { echo "cgroup2.sh: /sys/fs/cgroup is not cgroup2" >&2; exit 1; }
for t in cgroups fs2 devices; do
	(cd libcontainer/cgroups && "../../$dir/$t.test" -test.count=1)
done
cd integration && "../$dir/integration.test" -test.count=1 -test.run 'TestLifecycle|TestKill|TestRun|TestDelete|TestCreate|TestFds|TestCVE_2019_5736|TestHooks|TestPoststop|TestList'
