package exeseal

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

func checkSealed(t *testing.T, f *os.File) {
	t.Helper()
	path := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	// the bind mount refuses the open (EROFS), the memfd the write (EPERM)
	if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		_, err = w.WriteAt([]byte("x"), 0)
		w.Close()
		if err == nil {
			t.Fatalf("wrote through %s", path)
		}
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make([]byte, 4)
	if _, err := r.ReadAt(got, 0); err != nil || !bytes.Equal(got, []byte("\x7fELF")) {
		t.Fatalf("not our ELF binary: %q, %v", got, err)
	}
}

func TestOpenIsReadOnly(t *testing.T) {
	f, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkSealed(t, f)
}

func TestROBindIsReadOnly(t *testing.T) {
	f, err := roBind("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkSealed(t, f)
}

func TestSealedCopyIsReadOnly(t *testing.T) {
	f, err := Copy()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkSealed(t, f)
}

// Both handles must be executable: that is what they are for.
func TestHandlesExecute(t *testing.T) {
	for name, open := range map[string]func() (*os.File, error){
		"bind": func() (*os.File, error) { return roBind("/proc/self/exe") },
		"copy": Copy,
	} {
		f, err := open()
		if err != nil {
			t.Fatal(name, err)
		}
		cmd := exec.Command(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), "-test.run=^$")
		out, err := cmd.CombinedOutput()
		f.Close()
		if err != nil {
			t.Errorf("%s: exec: %v: %s", name, err, out)
		}
	}
}
