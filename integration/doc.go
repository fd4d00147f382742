// Package integration tests the hull binary end to end, as root: it makes
// OCI bundles from a busybox-static rootfs, drives the runtime's command
// line (create, start, run, state, kill, delete, list) and checks exit
// codes, output and what a shell sees from inside the container.
//
// The runtime under test is $HULL_BINARY, or ../hull (built by make). The
// same tests run against runc (HULL_BINARY=/usr/sbin/runc); checks that only
// hull satisfies by design are marked with hullOnly.
//
// Run with: make integration (or go test ./integration/... after make).
package integration
