package convert

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// resolveUser turns Config.User (user, uid, user:group, uid:gid, ...) into
// process.user, per conversion.md: numbers are copied verbatim, names are
// looked up in the rootfs, and only a user given by name without a group
// gets the supplementary groups /etc/group lists it in.
func resolveUser(rootfs, user string) (specs.User, error) {
	name, group, hasGroup := strings.Cut(user, ":")
	var u specs.User
	if uid, ok := numeric(name); ok {
		u.UID = uid
		if !hasGroup {
			// the primary group of that uid, if the image knows it (docker does the same)
			if rows, err := readTable(rootfs, "/etc/passwd"); err == nil {
				if row := find(rows, 2, name); row != nil {
					u.GID, _ = numeric(row[3])
				}
			}
		}
	} else {
		row, err := lookup(rootfs, "/etc/passwd", 0, name, 4)
		if err != nil {
			return u, err
		}
		u.UID, _ = numeric(row[2])
		u.GID, _ = numeric(row[3])
		if !hasGroup {
			if u.AdditionalGids, err = memberOf(rootfs, name, u.GID); err != nil {
				return u, err
			}
		}
	}
	if !hasGroup {
		return u, nil
	}
	if gid, ok := numeric(group); ok {
		u.GID = gid
		return u, nil
	}
	row, err := lookup(rootfs, "/etc/group", 0, group, 3)
	if err != nil {
		return u, err
	}
	u.GID, _ = numeric(row[2])
	return u, nil
}

// memberOf returns the groups other than primary that list user.
func memberOf(rootfs, user string, primary uint32) ([]uint32, error) {
	rows, err := readTable(rootfs, "/etc/group")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var gids []uint32
	for _, row := range rows {
		if len(row) < 4 {
			continue
		}
		gid, ok := numeric(row[2])
		if !ok || gid == primary {
			continue
		}
		for _, m := range strings.Split(row[3], ",") {
			if m == user {
				gids = append(gids, gid)
				break
			}
		}
	}
	return gids, nil
}

// lookup finds the row of file whose field col is key; the row must have
// at least width fields with a number in field 2.
func lookup(rootfs, file string, col int, key string, width int) ([]string, error) {
	rows, err := readTable(rootfs, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s in the image to look up %q", file, key)
	}
	if err != nil {
		return nil, err
	}
	row := find(rows, col, key)
	if row == nil {
		return nil, fmt.Errorf("no %q in the image's %s", key, file)
	}
	if _, ok := numeric(row[2]); !ok || len(row) < width {
		return nil, fmt.Errorf("%s: malformed entry for %q", file, key)
	}
	return row, nil
}

func find(rows [][]string, col int, key string) []string {
	for _, row := range rows {
		if len(row) > 3 && row[col] == key {
			return row
		}
	}
	return nil
}

// readTable reads a colon-separated file of the rootfs. The path is
// resolved inside rootfs: an image whose /etc/passwd is a symlink to
// /etc/shadow reads its own shadow file, never the host's.
func readTable(rootfs, file string) ([][]string, error) {
	h, err := pathrs.OpenInRoot(rootfs, file)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	// a fifo or a device in place of the file would block or worse
	if fi, err := h.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", file)
	}
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, ":"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return rows, nil
}

func numeric(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}
