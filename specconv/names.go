package specconv

import (
	"strings"
	"sync"

	"github.com/moby/sys/capability"
	"golang.org/x/sys/unix"
)

// rlimits maps every RLIMIT_* name Linux knows to its setrlimit(2) resource.
var rlimits = map[string]int{
	"RLIMIT_AS":         unix.RLIMIT_AS,
	"RLIMIT_CORE":       unix.RLIMIT_CORE,
	"RLIMIT_CPU":        unix.RLIMIT_CPU,
	"RLIMIT_DATA":       unix.RLIMIT_DATA,
	"RLIMIT_FSIZE":      unix.RLIMIT_FSIZE,
	"RLIMIT_LOCKS":      unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK":    unix.RLIMIT_MEMLOCK,
	"RLIMIT_MSGQUEUE":   unix.RLIMIT_MSGQUEUE,
	"RLIMIT_NICE":       unix.RLIMIT_NICE,
	"RLIMIT_NOFILE":     unix.RLIMIT_NOFILE,
	"RLIMIT_NPROC":      unix.RLIMIT_NPROC,
	"RLIMIT_RSS":        unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO":     unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME":     unix.RLIMIT_RTTIME,
	"RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK":      unix.RLIMIT_STACK,
}

// RlimitResource maps an RLIMIT_* name to its setrlimit(2) resource number.
func RlimitResource(name string) (int, bool) {
	r, ok := rlimits[name]
	return r, ok
}

// capabilityNames holds "CAP_CHOWN" and the like for every capability the
// capability package knows, whether or not the running kernel has it: a
// config naming a capability newer than the kernel is valid, the init
// process decides what to do with it.
var capabilityNames = sync.OnceValue(func() map[string]bool {
	names := make(map[string]bool)
	for _, c := range capability.ListKnown() {
		names["CAP_"+strings.ToUpper(c.String())] = true
	}
	return names
})

func knownCapability(name string) bool {
	return capabilityNames()[name]
}
