#!/bin/sh
# Runs inside the cgroup2 VM: the cgroup packages' tests and the cgroup-heavy
# part of the integration suite, against a pure cgroup v2 hierarchy; then
# AppArmor for real, which the VM's kernel enforces.
set -e
dir=$1
stat -f -c %T /sys/fs/cgroup | grep -q cgroup2fs || { echo "cgroup2.sh: /sys/fs/cgroup is not cgroup2" >&2; exit 1; }
for t in cgroups fs2 devices; do
	(cd libcontainer/cgroups && "../../$dir/$t.test" -test.count=1)
done
cd integration
"../$dir/integration.test" -test.count=1 -test.run 'TestLifecycle|TestKill|TestRun|TestDelete|TestCreate|TestFds|TestCVE_2019_5736|TestHooks|TestPoststop|TestList|TestLSM|TestExec'

# AppArmor: apparmor_parser comes from the host root (tests/deps.sh installs
# it); REQUIRE_APPARMOR=1 turns the test's skip into a failure, and its
# verbose output must show that it ran and passed.
grep -qs ' /sys/kernel/security securityfs ' /proc/mounts ||
	mount -t securityfs securityfs /sys/kernel/security
out=$(mktemp)
if ! REQUIRE_APPARMOR=1 "../$dir/integration.test" -test.count=1 -test.v -test.run 'TestAppArmorProfile' >"$out" 2>&1; then
	cat "$out"
	exit 1
fi
grep -E -e '--- |container output|create: exit' "$out"
grep -q -e '^--- PASS: TestAppArmorProfile ' "$out" || { cat "$out"; echo "cgroup2.sh: TestAppArmorProfile did not run" >&2; exit 1; }
! grep -q -e '--- SKIP' "$out" || { echo "cgroup2.sh: part of TestAppArmorProfile was skipped" >&2; exit 1; }
rm -f "$out"
