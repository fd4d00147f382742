package devices

import (
	"encoding/binary"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

func TestFromSpecAppendsDefaults(t *testing.T) {
	rules, err := FromSpec([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rw"},
		{Allow: true, Type: "b", Major: i64(8), Access: "r"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.String())
	}
	want := "a|c 10:229 rw|b 8:* r|c *:* m|b *:* m|c 1:3 rwm|c 1:8 rwm|c 1:7 rwm|c 5:0 rwm|" +
		"c 1:5 rwm|c 1:9 rwm|c 5:1 rwm|c 136:* rwm|c 5:2 rwm|c 10:200 rwm"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("rules =\n%s\nwant\n%s", s, want)
	}
}

func TestFromSpecErrors(t *testing.T) {
	for _, c := range []struct {
		d    specs.LinuxDeviceCgroup
		want string
	}{
		{specs.LinuxDeviceCgroup{Type: "x", Access: "r"}, `linux.resources.devices[0].type: "x"`},
		{specs.LinuxDeviceCgroup{Type: "c", Access: ""}, `devices[0].access: ""`},
		{specs.LinuxDeviceCgroup{Type: "c", Access: "rx"}, `devices[0].access: "rx"`},
		{specs.LinuxDeviceCgroup{Type: "c", Major: i64(-2), Access: "r"}, `devices[0].major`},
	} {
		if _, err := FromSpec([]specs.LinuxDeviceCgroup{c.d}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromSpec(%+v) = %v, want error with %q", c.d, err, c.want)
		}
	}
}

type request struct {
	typ          byte
	major, minor int64
	access       string
}

var requests = []request{
	{'c', 1, 3, "rw"}, {'c', 1, 3, "m"}, {'c', 10, 229, "rw"}, {'c', 10, 229, "rwm"},
	{'c', 10, 229, "w"}, {'b', 8, 0, "r"}, {'b', 8, 0, "w"}, {'b', 8, 0, "m"},
	{'c', 136, 7, "rw"}, {'c', 4, 1, "r"}, {'b', 7, 3, "r"}, {'c', 5, 1, "rw"},
}

func TestAllowed(t *testing.T) {
	rules, _ := FromSpec([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rwm"},
		{Allow: false, Type: "c", Major: i64(10), Minor: i64(229), Access: "w"},
		{Allow: true, Type: "b", Major: i64(8), Access: "r"},
	})
	want := map[request]bool{
		{'c', 1, 3, "rw"}: true, {'c', 1, 3, "m"}: true, {'c', 10, 229, "rw"}: false,
		{'c', 10, 229, "rwm"}: false, {'c', 10, 229, "w"}: false, {'b', 8, 0, "r"}: true,
		{'b', 8, 0, "w"}: false, {'b', 8, 0, "m"}: true, {'c', 136, 7, "rw"}: true,
		{'c', 4, 1, "r"}: false, {'b', 7, 3, "r"}: false, {'c', 5, 1, "rw"}: true,
	}
	for _, q := range requests {
		if got := Allowed(rules, q.typ, q.major, q.minor, q.access); got != want[q] {
			t.Errorf("Allowed(%c %d:%d %s) = %v, want %v", q.typ, q.major, q.minor, q.access, got, want[q])
		}
	}
	// "allow all" at the end wins over everything before it.
	all := append(rules, Rule{Type: 'a', Allow: true, Access: "rwm"})
	if !Allowed(all, 'b', 7, 3, "rwm") {
		t.Error("allow-all rule did not allow")
	}
}

// TestProgramMatchesAllowed runs the eBPF program in a small interpreter
// and checks it agrees with Allowed for every request.
func TestProgramMatchesAllowed(t *testing.T) {
	for name, spec := range map[string][]specs.LinuxDeviceCgroup{
		"deny all": {{Allow: false, Access: "rwm"}},
		"mixed": {
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rwm"},
			{Allow: false, Type: "c", Major: i64(10), Minor: i64(229), Access: "w"},
			{Allow: true, Type: "b", Major: i64(8), Access: "r"},
		},
		"allow all": {{Allow: true, Access: "rwm"}, {Allow: false, Type: "b", Major: i64(8), Minor: i64(0), Access: "w"}},
		"none":      nil,
	} {
		rules, err := FromSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		prog := Program(rules)
		for _, q := range requests {
			want := Allowed(rules, q.typ, q.major, q.minor, q.access)
			if got := run(t, prog, q); got != want {
				t.Errorf("%s: program says %v for %c %d:%d %s, Allowed says %v", name, got, q.typ, q.major, q.minor, q.access, want)
			}
		}
	}
}

// run interprets the subset of eBPF that Program emits, from its kernel
// encoding, so the test also checks the bytes the kernel would load.
func run(t *testing.T, prog []Insn, q request) bool {
	t.Helper()
	typ := uint64(devChar)
	if q.typ == 'b' {
		typ = devBlock
	}
	ctx := []uint64{uint64(accessBits(q.access))<<16 | typ, uint64(q.major), uint64(q.minor)}
	code := encode(prog)
	var reg [11]uint64
	for pc := 0; pc < len(code)/8; pc++ {
		b := code[8*pc:]
		op, dst, src := b[0], b[1]&0xf, b[1]>>4
		off := int16(binary.LittleEndian.Uint16(b[2:]))
		imm := uint64(int64(int32(binary.LittleEndian.Uint32(b[4:]))))
		switch op {
		case opLoadWord:
			if src != r1 {
				t.Fatalf("load from r%d, not the context", src)
			}
			reg[dst] = ctx[off/4]
		case opMovImm:
			reg[dst] = imm
		case opMovReg:
			reg[dst] = reg[src]
		case opAndImm:
			reg[dst] &= imm
		case opRshImm:
			reg[dst] >>= imm
		case opExit:
			return reg[r0] == 1
		case opJneImm, opJeqImm:
			if (reg[dst] != imm) == (op == opJneImm) {
				pc += int(off)
			}
		default:
			t.Fatalf("unexpected instruction %v", prog[pc])
		}
	}
	t.Fatal("program ran off its end")
	return false
}
