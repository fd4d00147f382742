package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOptions is the parsed form of one mount's options.
type mountOptions struct {
	flags       uint64 // MS_* for mount(2)
	propagation uint64 // MS_PRIVATE, MS_SHARED, ... (| MS_REC), 0 = none
	attrSet     uint64 // MOUNT_ATTR_* applied recursively with mount_setattr(2)
	attrClr     uint64
	tmpcopyup   bool
	data        []string // options the kernel interprets per filesystem
}

// msFlag is a mount(2) flag an option sets or clears.
type msFlag struct {
	clear bool
	flag  uint64
}

// msFlags are the options mapped to mount(2) flags (the set runc accepts).
var msFlags = map[string]msFlag{
	"acl":           {false, unix.MS_POSIXACL},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noacl":         {true, unix.MS_POSIXACL},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"sync":          {false, unix.MS_SYNCHRONOUS},
}

// propagationFlags are the propagation options and rootfsPropagation values.
var propagationFlags = map[string]uint64{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recAttrs are the recursive options, mapped to mount_setattr(2) attributes.
var recAttrs = map[string]msFlag{
	"rro":          {false, unix.MOUNT_ATTR_RDONLY},
	"rrw":          {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":      {false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":        {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev":       {false, unix.MOUNT_ATTR_NODEV},
	"rdev":         {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec":      {false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":        {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":  {false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":    {true, unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":   {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// recAtime maps the recursive access-time options to the mode they select.
// The MOUNT_ATTR_* atime values are an enum, not bits: mount_setattr(2)
// requires MOUNT_ATTR__ATIME in attr_clr and exactly one mode in attr_set.
// "Clearing" a mode therefore selects another one: the kernel default
// (relatime), or strictatime for rnorelatime, the only mode that is neither
// relatime nor skips atime updates.
var recAtime = map[string]uint64{
	"rrelatime":      unix.MOUNT_ATTR_RELATIME,
	"rnorelatime":    unix.MOUNT_ATTR_STRICTATIME,
	"rnoatime":       unix.MOUNT_ATTR_NOATIME,
	"ratime":         unix.MOUNT_ATTR_RELATIME,
	"rstrictatime":   unix.MOUNT_ATTR_STRICTATIME,
	"rnostrictatime": unix.MOUNT_ATTR_RELATIME,
}

// parseMountOptions maps fstab-style options; a later option overrides an
// earlier one it conflicts with, as with mount(8). field names the mount for errors.
func parseMountOptions(field string, options []string) (mountOptions, error) {
	var o mountOptions
	atime, atimeSet := uint64(0), false
	for _, opt := range options {
		if f, ok := msFlags[opt]; ok {
			o.flags = applyFlag(o.flags, f)
		} else if p, ok := propagationFlags[opt]; ok {
			// mount(2) takes one propagation type per call: the last one wins.
			o.propagation = p
		} else if f, ok := recAttrs[opt]; ok {
			o.attrSet, o.attrClr = applyAttr(o.attrSet, o.attrClr, f)
		} else if v, ok := recAtime[opt]; ok {
			atime, atimeSet = v, true
		} else if opt == "tmpcopyup" {
			o.tmpcopyup = true
		} else if opt == "idmap" || opt == "ridmap" {
			return o, fmt.Errorf("%s: option %q: id-mapped mounts are not supported", field, opt)
		} else {
			o.data = append(o.data, opt)
		}
	}
	if atimeSet {
		o.attrSet |= atime
		o.attrClr |= unix.MOUNT_ATTR__ATIME
	}
	return o, nil
}

// applyFlag sets or clears one mount(2) flag.
func applyFlag(flags uint64, f msFlag) uint64 {
	if f.clear {
		return flags &^ f.flag
	}
	return flags | f.flag
}

// applyAttr moves one attribute into the set or the clear mask, out of the other.
func applyAttr(set, clr uint64, f msFlag) (uint64, uint64) {
	if f.clear {
		return set &^ f.flag, clr | f.flag
	}
	return set | f.flag, clr &^ f.flag
}

// isBind reports whether a mount of type typ with these flags is a bind mount.
func isBind(typ string, o mountOptions) bool {
	return typ == "bind" || o.flags&unix.MS_BIND != 0
}

// dataString joins the filesystem-specific options for mount(2).
func (o mountOptions) dataString() string {
	return strings.Join(o.data, ",")
}

// MountOptions lists every mount option the planner understands (for
// `hull features`); anything else is passed to the filesystem as data.
func MountOptions() []string {
	var out []string
	for name := range msFlags {
		out = append(out, name)
	}
	for name := range propagationFlags {
		out = append(out, name)
	}
	for name := range recAttrs {
		out = append(out, name)
	}
	for name := range recAtime {
		out = append(out, name)
	}
	out = append(out, "tmpcopyup")
	sort.Strings(out)
	return slices.Compact(out)
}
