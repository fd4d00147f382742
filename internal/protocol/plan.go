package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Plan is an ordered list of ops for the C init, each with a description of
// the config field it came from, used to name the field when the op fails.
type Plan struct {
	ops  []PlanOp
	desc []string
}

// PlanOp is one decoded or pending op.
type PlanOp struct {
	Code Op
	Ints []uint64
	Strs []string
}

// Add appends an op; desc names what it does and where it came from
// ("mounts[2]: mount proc on /proc").
func (p *Plan) Add(desc string, code Op, ints []uint64, strs ...string) {
	p.ops = append(p.ops, PlanOp{Code: code, Ints: ints, Strs: strs})
	p.desc = append(p.desc, desc)
}

// Ops returns the ops in order.
func (p *Plan) Ops() []PlanOp { return p.ops }

// Desc returns the description of op i, or a generic one when out of range.
func (p *Plan) Desc(i int) string {
	if i < 0 || i >= len(p.desc) {
		return fmt.Sprintf("init step %d", i)
	}
	return p.desc[i]
}

// Encode serialises the plan: header {magic, version, count} then per op
// {code, nints, nstrs} u32, ints as u64, strs as {u32 len, bytes, NUL}; all little-endian.
func (p *Plan) Encode() []byte {
	b := make([]byte, 0, 4096)
	le := binary.LittleEndian
	b = le.AppendUint32(b, PlanMagic)
	b = le.AppendUint32(b, PlanVersion)
	b = le.AppendUint32(b, uint32(len(p.ops)))
	for _, op := range p.ops {
		b = le.AppendUint32(b, uint32(op.Code))
		b = le.AppendUint32(b, uint32(len(op.Ints)))
		b = le.AppendUint32(b, uint32(len(op.Strs)))
		for _, v := range op.Ints {
			b = le.AppendUint64(b, v)
		}
		for _, s := range op.Strs {
			b = le.AppendUint32(b, uint32(len(s)))
			b = append(b, s...)
			b = append(b, 0)
		}
	}
	return b
}

var errShort = errors.New("plan truncated")

// Decode parses an encoded plan (tests and debugging; the C side has its own parser).
func Decode(b []byte) ([]PlanOp, error) {
	le := binary.LittleEndian
	u32 := func() (uint32, error) {
		if len(b) < 4 {
			return 0, errShort
		}
		v := le.Uint32(b)
		b = b[4:]
		return v, nil
	}
	hdr := make([]uint32, 3)
	for i := range hdr {
		v, err := u32()
		if err != nil {
			return nil, err
		}
		hdr[i] = v
	}
	if hdr[0] != PlanMagic || hdr[1] != PlanVersion {
		return nil, fmt.Errorf("bad plan header %#x version %d", hdr[0], hdr[1])
	}
	ops := make([]PlanOp, 0, hdr[2])
	for i := uint32(0); i < hdr[2]; i++ {
		var f [3]uint32
		for j := range f {
			v, err := u32()
			if err != nil {
				return nil, err
			}
			f[j] = v
		}
		op := PlanOp{Code: Op(f[0])}
		for j := uint32(0); j < f[1]; j++ {
			if len(b) < 8 {
				return nil, errShort
			}
			op.Ints = append(op.Ints, le.Uint64(b))
			b = b[8:]
		}
		for j := uint32(0); j < f[2]; j++ {
			n, err := u32()
			if err != nil {
				return nil, err
			}
			if uint32(len(b)) < n+1 || b[n] != 0 {
				return nil, errShort
			}
			op.Strs = append(op.Strs, string(b[:n]))
			b = b[n+1:]
		}
		ops = append(ops, op)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes after plan", len(b))
	}
	return ops, nil
}
