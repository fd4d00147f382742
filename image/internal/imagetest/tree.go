package imagetest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Tree describes each entry under root by its path from root ("." for
// root): type, permissions, owner, then content (short files), digest
// (long ones), link target or device numbers, link count of files,
// xattrs, and the mtime of everything but directories (their mtimes
// change as the tree is built).
func Tree(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		desc, err := Describe(p)
		out[filepath.ToSlash(rel)] = desc
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// Describe describes one file as Tree does.
func Describe(p string) (string, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return "", err
	}
	perm := st.Mode & 0o7777
	var b strings.Builder
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		fmt.Fprintf(&b, "dir %04o %d:%d", perm, st.Uid, st.Gid)
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "symlink %s %d:%d", target, st.Uid, st.Gid)
	case unix.S_IFREG:
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		content := fmt.Sprintf("%q", data)
		if len(data) > 64 {
			content = fmt.Sprintf("sha256:%x", sha256.Sum256(data))
		}
		fmt.Fprintf(&b, "file %04o %d:%d %s nlink=%d", perm, st.Uid, st.Gid, content, st.Nlink)
	case unix.S_IFCHR, unix.S_IFBLK:
		kind := map[bool]string{true: "char", false: "block"}[st.Mode&unix.S_IFMT == unix.S_IFCHR]
		fmt.Fprintf(&b, "%s %d:%d %04o %d:%d", kind, unix.Major(st.Rdev), unix.Minor(st.Rdev), perm, st.Uid, st.Gid)
	case unix.S_IFIFO:
		fmt.Fprintf(&b, "fifo %04o %d:%d", perm, st.Uid, st.Gid)
	default:
		fmt.Fprintf(&b, "other %o", st.Mode)
	}
	b.WriteString(xattrs(p))
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		fmt.Fprintf(&b, " mtime=%d", st.Mtim.Sec)
	}
	return b.String(), nil
}

// xattrs lists a file's extended attributes, " name=value" each.
func xattrs(p string) string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil || n == 0 {
		return ""
	}
	names := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		val := make([]byte, 4096)
		m, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, " %s=%s", name, val[:m])
	}
	return b.String()
}

// Expect checks the entries of tree named in want ("" means absent).
func Expect(t testing.TB, tree map[string]string, want map[string]string) {
	t.Helper()
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		got, ok := tree[p]
		switch {
		case want[p] == "" && ok:
			t.Errorf("%s: want absent, got %s", p, got)
		case want[p] != "" && !ok:
			t.Errorf("%s: want %s, got absent", p, want[p])
		case want[p] != "" && got != want[p]:
			t.Errorf("%s:\n got  %s\n want %s", p, got, want[p])
		}
	}
}
