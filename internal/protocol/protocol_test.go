package protocol

import (
	"os"
	"os/exec"
	"reflect"
	"testing"
)

// The C header must be what go generate makes from protocol.go today.
func TestHeaderUpToDate(t *testing.T) {
	out, err := exec.Command("go", "run", "./gen", "-in", "protocol.go").Output()
	if err != nil {
		t.Fatalf("gen: %v", err)
	}
	have, err := os.ReadFile("../../nsenter/protocol.h")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != string(out) {
		t.Fatal("nsenter/protocol.h is stale: run `go generate ./internal/protocol`")
	}
}

func TestPlanRoundTrip(t *testing.T) {
	var p Plan
	p.Add("first", OpClone, []uint64{0x20000000, 0}, "0 1000 1\n", "")
	p.Add("binary", OpSeccomp, []uint64{1}, "\x00\x01\x02")
	p.Add("empty", OpReady, nil)
	ops, err := Decode(p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	want := []PlanOp{
		{Code: OpClone, Ints: []uint64{0x20000000, 0}, Strs: []string{"0 1000 1\n", ""}},
		{Code: OpSeccomp, Ints: []uint64{1}, Strs: []string{"\x00\x01\x02"}},
		{Code: OpReady},
	}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("got %#v\nwant %#v", ops, want)
	}
	if p.Desc(1) != "binary" || p.Desc(7) != "init step 7" {
		t.Fatalf("desc: %q %q", p.Desc(1), p.Desc(7))
	}
}

func TestDecodeRejectsTruncated(t *testing.T) {
	var p Plan
	p.Add("x", OpChdir, nil, "/tmp")
	b := p.Encode()
	for i := 0; i < len(b); i++ {
		if _, err := Decode(b[:i]); err == nil {
			t.Fatalf("truncated plan of %d bytes decoded", i)
		}
	}
}

func TestMsgRoundTrip(t *testing.T) {
	m := Msg{Type: MsgError, Op: 3, Errno: 2, Val: -1, Data: []byte("mount proc")}
	got, err := Unmarshal(m.Marshal())
	if err != nil || !reflect.DeepEqual(*got, m) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := Unmarshal([]byte{1, 2}); err == nil {
		t.Fatal("short message accepted")
	}
}
