// Package devices turns config.json's linux.resources.devices into device
// cgroup rules: the lines cgroup v1 writes to devices.allow and
// devices.deny, and the eBPF program cgroup v2 attaches instead.
//
// Both follow cgroup v1's semantics: the container starts with every device
// denied, then each rule in order either allows or denies its devices and
// access, so the last rule that covers a request decides it.
package devices

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Wildcard is a major or minor number that matches any.
const Wildcard = -1

// Rule is one device cgroup rule.
type Rule struct {
	Type   byte   // 'a' (all devices), 'b' (block) or 'c' (char)
	Major  int64  // or Wildcard
	Minor  int64  // or Wildcard
	Access string // a non-empty subset of "rwm"
	Allow  bool
}

// String returns the rule as cgroup v1 writes it: "c 1:3 rwm", or "a" for
// every device (the kernel ignores the rest of an "a" rule).
func (r Rule) String() string {
	if r.Type == 'a' {
		return "a"
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, number(r.Major), number(r.Minor), r.Access)
}

func number(n int64) string {
	if n == Wildcard {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

// defaults are the devices every container may use whatever config.json
// says, appended after its rules as runc does (engines such as podman send
// only "deny all" and rely on them): mknod of any device, then
// /dev/{null,random,full,tty,zero,urandom,console}, /dev/pts/*, /dev/ptmx
// and /dev/net/tun.
var defaults = []Rule{
	{Type: 'c', Major: Wildcard, Minor: Wildcard, Access: "m", Allow: true},
	{Type: 'b', Major: Wildcard, Minor: Wildcard, Access: "m", Allow: true},
	{Type: 'c', Major: 1, Minor: 3, Access: "rwm", Allow: true},
	{Type: 'c', Major: 1, Minor: 8, Access: "rwm", Allow: true},
	{Type: 'c', Major: 1, Minor: 7, Access: "rwm", Allow: true},
	{Type: 'c', Major: 5, Minor: 0, Access: "rwm", Allow: true},
	{Type: 'c', Major: 1, Minor: 5, Access: "rwm", Allow: true},
	{Type: 'c', Major: 1, Minor: 9, Access: "rwm", Allow: true},
	{Type: 'c', Major: 5, Minor: 1, Access: "rwm", Allow: true},
	{Type: 'c', Major: 136, Minor: Wildcard, Access: "rwm", Allow: true},
	{Type: 'c', Major: 5, Minor: 2, Access: "rwm", Allow: true},
	{Type: 'c', Major: 10, Minor: 200, Access: "rwm", Allow: true},
}

// Defaults returns a copy of the rules appended after config.json's.
func Defaults() []Rule {
	return append([]Rule(nil), defaults...)
}

// FromSpec converts config.json's rules and appends the defaults. The
// error names the bad entry, e.g. "linux.resources.devices[2].access".
func FromSpec(list []specs.LinuxDeviceCgroup) ([]Rule, error) {
	rules := make([]Rule, 0, len(list)+len(defaults))
	for i, d := range list {
		r, err := fromSpec(d)
		if err != nil {
			return nil, fmt.Errorf("linux.resources.devices[%d].%w", i, err)
		}
		rules = append(rules, r)
	}
	return append(rules, defaults...), nil
}

func fromSpec(d specs.LinuxDeviceCgroup) (Rule, error) {
	r := Rule{Type: 'a', Major: Wildcard, Minor: Wildcard, Access: d.Access, Allow: d.Allow}
	switch d.Type {
	case "", "a":
	case "b", "c":
		r.Type = d.Type[0]
	default:
		return r, fmt.Errorf("type: %q is not a, b or c", d.Type)
	}
	if d.Major != nil {
		r.Major = *d.Major
	}
	if d.Minor != nil {
		r.Minor = *d.Minor
	}
	if r.Major < Wildcard || r.Minor < Wildcard {
		return r, fmt.Errorf("major: negative device number %d:%d", r.Major, r.Minor)
	}
	if d.Access == "" || strings.Trim(d.Access, "rwm") != "" {
		return r, fmt.Errorf("access: %q is not a non-empty subset of \"rwm\"", d.Access)
	}
	return r, nil
}

// Access bits, as in the kernel's struct bpf_cgroup_dev_ctx.
const (
	accMknod = 1
	accRead  = 2
	accWrite = 4
)

func accessBits(access string) uint32 {
	var bits uint32
	for _, c := range access {
		switch c {
		case 'm':
			bits |= accMknod
		case 'r':
			bits |= accRead
		case 'w':
			bits |= accWrite
		}
	}
	return bits
}

// Allowed evaluates rules for a request as the kernel would: typ is 'b' or
// 'c', access a subset of "rwm". The last rule that covers the request
// decides: an allow rule covers it if it grants all of the access asked
// for, a deny rule if it denies any of it; an "a" rule covers everything.
// Nothing covered is denied.
func Allowed(rules []Rule, typ byte, major, minor int64, access string) bool {
	want := accessBits(access)
	for i := len(rules) - 1; i >= 0; i-- {
		if covers(rules[i], typ, major, minor, want) {
			return rules[i].Allow
		}
	}
	return false
}

func covers(r Rule, typ byte, major, minor int64, want uint32) bool {
	if r.Type == 'a' {
		return true
	}
	if r.Type != typ || (r.Major != Wildcard && r.Major != major) || (r.Minor != Wildcard && r.Minor != minor) {
		return false
	}
	acc := accessBits(r.Access)
	if r.Allow {
		return want&^acc == 0
	}
	return want&acc != 0
}
