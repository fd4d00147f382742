package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/internal/protocol"
)

// hostProcWrites writes oom_score_adj and the sysctls. They go through the
// host's /proc, before the root switch, so that a container-controlled
// symlink in the rootfs cannot redirect the write (CVE-2019-16884 class).
// Namespaced sysctls resolve against the writer's namespaces, which are
// already the container's after the clone.
func (c *compiler) hostProcWrites() error {
	if adj := c.proc.OOMScoreAdj; adj != nil {
		c.plan.Add("process.oomScoreAdj", protocol.OpWriteFile, nil,
			"/proc/self/oom_score_adj", strconv.Itoa(*adj))
	}
	keys := make([]string, 0, len(c.linux.Sysctl))
	for k := range c.linux.Sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.plan.Add(fmt.Sprintf("linux.sysctl %q", k), protocol.OpWriteFile, nil,
			sysctlPath(k), c.linux.Sysctl[k])
	}
	return nil
}

// sysctlPath maps a sysctl key to its file under /proc/sys. Like runc, every
// dot is a separator ("net.ipv4.ip_forward" -> net/ipv4/ip_forward); a key
// already written with slashes maps to the same file.
func sysctlPath(key string) string {
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}

// hostname sets the hostname and domain name.
func (c *compiler) hostname() error {
	if h := c.spec.Hostname; h != "" {
		c.plan.Add(fmt.Sprintf("hostname %q", h), protocol.OpSethostname, nil, h)
	}
	if d := c.spec.Domainname; d != "" {
		c.plan.Add(fmt.Sprintf("domainname %q", d), protocol.OpSetdomainname, nil, d)
	}
	return nil
}
