package proc

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"testing"
	"time"
)

// stat line of a sleeping process; fields 3.. after comm.
const tail = " S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 424242 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

func TestParseStat(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		state byte
		start uint64
		bad   bool
	}{
		{name: "plain", data: "42 (sleep)" + tail, state: 'S', start: 424242},
		{name: "spaces and parens in comm", data: "42 (a) b (c)" + tail, state: 'S', start: 424242},
		{name: "comm looks like fields", data: "42 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 99)" + tail, state: 'S', start: 424242},
		{name: "empty comm", data: "42 ()" + tail, state: 'S', start: 424242},
		{name: "zombie", data: "7 (sh) Z 1 7 7 0 -1 4228172 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0 0\n", state: 'Z', start: 55},
		{name: "empty", data: "", bad: true},
		{name: "no comm", data: "42 sleep S 1", bad: true},
		{name: "close before open", data: "42 )sleep( S 1", bad: true},
		{name: "truncated", data: "42 (sleep) S 1 1234", bad: true},
		{name: "bad start", data: "42 (s) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 notanumber 0\n", bad: true},
		{name: "bad state", data: "42 (s) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseStat([]byte(tc.data))
			if tc.bad {
				if err == nil {
					t.Fatalf("parseStat = %+v, want an error", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.state != tc.state || st.startTime != tc.start {
				t.Errorf("parseStat = {%c %d}, want {%c %d}", st.state, st.startTime, tc.state, tc.start)
			}
		})
	}
}

func TestSelf(t *testing.T) {
	pid := os.Getpid()
	start, err := StartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	if start == 0 {
		t.Error("start time of this process is 0")
	}
	s, err := State(pid)
	if err != nil {
		t.Fatal(err)
	}
	if s != 'R' && s != 'S' {
		t.Errorf("State(self) = %c", s)
	}
	if !Alive(pid, start) {
		t.Error("Alive(self) = false")
	}
	if Alive(pid, start+1) {
		t.Error("Alive(self, wrong start time) = true")
	}
}

func TestMissing(t *testing.T) {
	const pid = 1<<22 + 1 // above the kernel's PID_MAX_LIMIT
	if _, err := StartTime(pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("StartTime(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := State(pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("State(missing) = %v, want fs.ErrNotExist", err)
	}
	if Alive(pid, 0) {
		t.Error("Alive(missing) = true")
	}
	for _, pid := range []int{0, -1} {
		if _, err := StartTime(pid); err == nil {
			t.Errorf("StartTime(%d) succeeded", pid)
		}
		if Alive(pid, 0) {
			t.Errorf("Alive(%d) = true", pid)
		}
	}
}

func TestZombieNotAlive(t *testing.T) {
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait() // reap
	pid := cmd.Process.Pid
	start, err := StartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	// Until it is reaped, the exited child stays a zombie.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := State(pid)
		if err != nil {
			t.Fatal(err)
		}
		if s == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child state %c, never became a zombie", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if Alive(pid, start) {
		t.Error("Alive(zombie) = true")
	}
}
