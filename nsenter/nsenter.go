// Package nsenter holds hull's C init stage. Importing it links a constructor
// that runs before the Go runtime: when the binary is started as `hull init`
// with the plan and sync fds in its environment, it executes the plan and
// execs the container process, so the Go runtime never starts there.
package nsenter

/*
#cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2 -D_GNU_SOURCE
*/
import "C"
