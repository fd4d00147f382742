package devices

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Attach loads the program for rules and attaches it to the cgroup2
// directory dir, then detaches the programs that were attached there
// before (ours, from an earlier Set): the new one is in force before the
// old ones go, so there is no moment without a filter.
func Attach(dir string, rules []Rule) error {
	for _, r := range rules {
		if r.Major > 0x7fffffff || r.Minor > 0x7fffffff {
			return fmt.Errorf("device rule %q: number out of range", r)
		}
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	old, err := queryPrograms(fd)
	if err != nil {
		return fmt.Errorf("query device programs of %s: %w", dir, err)
	}
	prog, err := loadProgram(Program(rules))
	if err != nil {
		return fmt.Errorf("load device cgroup program: %w", err)
	}
	defer unix.Close(prog)
	if err := attachProgram(fd, prog, unix.BPF_PROG_ATTACH, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("attach device cgroup program to %s: %w", dir, err)
	}
	return detach(fd, dir, old)
}

func detach(fd int, dir string, ids []uint32) error {
	var errs []error
	for _, id := range ids {
		p, err := programByID(id)
		if err != nil {
			errs = append(errs, fmt.Errorf("old device program %d: %w", id, err))
			continue
		}
		err = attachProgram(fd, p, unix.BPF_PROG_DETACH, 0)
		unix.Close(p)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("detach old device program %d from %s: %w", id, dir, err))
		}
	}
	return errors.Join(errs...)
}

// bpf is the bpf(2) system call on an attribute struct of any size.
func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// progLoadAttr is the BPF_PROG_LOAD part of union bpf_attr that we use.
type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

// loadProgram loads a cgroup device program and returns its fd. When the
// verifier refuses it, it loads again with a log to say why.
func loadProgram(prog []Insn) (int, error) {
	code := encode(prog)
	license := []byte("Apache\x00")
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(prog)),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	fd, err := progLoad(&attr)
	if err == unix.EINVAL || err == unix.EACCES {
		log := make([]byte, 64<<10)
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
		if _, err2 := progLoad(&attr); err2 != nil {
			err = fmt.Errorf("%w: verifier: %s", err, unix.ByteSliceToString(log))
		}
		runtime.KeepAlive(log)
	}
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	return fd, err
}

// progLoad is BPF_PROG_LOAD, again while it fails with EAGAIN: the
// verifier gives up with EAGAIN when a signal is pending, and the Go
// runtime's preemption signals can arrive during a slow verification.
func progLoad(attr *progLoadAttr) (fd int, err error) {
	for range 50 {
		fd, err = bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
		if err != unix.EAGAIN {
			break
		}
	}
	return fd, err
}

// encode lays the program out as the kernel's struct bpf_insn array.
func encode(prog []Insn) []byte {
	b := make([]byte, 0, 8*len(prog))
	for _, i := range prog {
		b = append(b, i.Op, i.Dst&0xf|i.Src<<4)
		b = binary.LittleEndian.AppendUint16(b, uint16(i.Off))
		b = binary.LittleEndian.AppendUint32(b, uint32(i.Imm))
	}
	return b
}

// attachProgram attaches (BPF_PROG_ATTACH) or detaches (BPF_PROG_DETACH)
// prog as a device program of the cgroup open at target.
func attachProgram(target, prog int, cmd uintptr, flags uint32) error {
	attr := struct{ target, prog, attachType, flags uint32 }{
		uint32(target), uint32(prog), unix.BPF_CGROUP_DEVICE, flags,
	}
	_, err := bpf(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// queryPrograms lists the ids of the device programs attached to the
// cgroup open at target.
func queryPrograms(target int) ([]uint32, error) {
	ids := make([]uint32, 64)
	for {
		attr := struct {
			target, attachType, queryFlags, attachFlags uint32
			progIDs                                     uint64
			progCnt                                     uint32
			_                                           uint32
		}{target: uint32(target), attachType: unix.BPF_CGROUP_DEVICE,
			progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids))}
		_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		runtime.KeepAlive(ids)
		switch {
		case err == unix.ENOSPC:
			ids = make([]uint32, 2*attr.progCnt)
		case err != nil:
			return nil, err
		default:
			return ids[:attr.progCnt], nil
		}
	}
}

func programByID(id uint32) (int, error) {
	attr := struct{ id, nextID, openFlags uint32 }{id: id}
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
