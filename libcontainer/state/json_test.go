package state

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

// everyField is a State with every field set, so that a field added to
// State and not to appendJSON makes TestAppendJSON fail.
func everyField() *State {
	st := sampleState("c")
	st.Annotations = map[string]string{"b": "2", "a": "1", "": "empty key"}
	st.CgroupParents = []string{"/sys/fs/cgroup/pids/p", "/sys/fs/cgroup/cpu/p"}
	st.Rootless = true
	st.NotifySocket = "/run/notify.sock"
	return st
}

func TestAppendJSON(t *testing.T) {
	st := everyField()
	v := reflect.ValueOf(st).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("everyField leaves %s unset", v.Type().Field(i).Name)
		}
	}
	tricky := "q\" b\\ nl\n cr\r tab\t bs\b ff\f nul\x00 us\x1f del\x7f <>& é 日本 \u2028\u2029 bad\xff\xc3 end"
	cases := map[string]*State{
		"zero":         {},
		"sample":       sampleState("c"),
		"every field":  st,
		"empty maps":   {Annotations: map[string]string{}, CgroupPaths: map[string]string{}, CgroupParents: []string{}},
		"extremes":     {Pid: math.MinInt, PidStartTime: math.MaxUint64},
		"tricky":       {OCIVersion: tricky, ID: tricky, Bundle: tricky, Rootfs: tricky, Owner: tricky, Phase: tricky, NotifySocket: tricky},
		"tricky maps":  {Annotations: map[string]string{tricky: tricky, "\xff": "x", "\xfe": "y"}, CgroupParents: []string{tricky, ""}},
		"zone":         {Created: time.Date(2025, 1, 2, 3, 4, 5, 600, time.FixedZone("X", -(5*3600+30*60)))},
		"whole second": {Created: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		"local":        {Created: time.Now()},
	}
	for name, st := range cases {
		want, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.appendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: appendJSON = %s, %v\njson.Marshal = %s", name, got, err, want)
		}
	}
	// times that RFC 3339 cannot hold are refused, as by json.Marshal
	for _, c := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
	} {
		st := &State{Created: c}
		if _, err := json.Marshal(st); err == nil {
			t.Fatalf("json.Marshal took %v", c)
		}
		if b, err := st.appendJSON(nil); err == nil {
			t.Errorf("appendJSON(%v) = %s, want an error", c, b)
		}
	}
}

// jsonString is what s decodes to once encoded: every byte of invalid
// UTF-8 becomes U+FFFD, as converting to runes does.
func jsonString(s string) string { return string([]rune(s)) }

// jsonMap is what m decodes to once encoded: empty is omitted, and keys
// that become equal keep the value of the last one in sorted order.
func jsonMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out[jsonString(k)] = jsonString(m[k])
	}
	return out
}

func FuzzStateRoundTrip(f *testing.F) {
	f.Add("1.3.0", "c", "/bundle", "/bundle/rootfs", "root", "created", "", "memory", "/sys/fs/cgroup/memory/x",
		"", "/sys/fs/cgroup/unified/x", "/sys/fs/cgroup/pids/p", 1234, uint64(987654), int64(1714979289), int64(10), 0, byte(1))
	f.Add("q\"\\\n\x00<>&\u2028", "\xff\xfe", "é\xc3", "\x7f", "", "", "/n", "\xff", "a", "\xfe", "b", "",
		-1, uint64(math.MaxUint64), int64(-62135596800), int64(999999999), -19861, byte(6))
	f.Fuzz(func(t *testing.T, oci, id, bundle, rootfs, owner, phase, notify, k1, v1, k2, v2, parent string,
		pid int, start uint64, sec, nsec int64, offset int, flags byte) {
		st := &State{
			OCIVersion: oci, ID: id, Pid: pid, PidStartTime: start, Bundle: bundle, Rootfs: rootfs,
			Created:     time.Unix(sec, nsec).In(time.FixedZone("", offset)),
			Owner:       owner,
			Annotations: map[string]string{k1: v1, k2: v2},
			CgroupPaths: map[string]string{k2: v1, v2: k1},
			Phase:       phase, Systemd: flags&1 != 0, Rootless: flags&2 != 0, NotifySocket: notify,
		}
		if flags&4 != 0 {
			st.CgroupParents = []string{parent, k1}
		}
		if flags&8 != 0 {
			st.Annotations = nil
		}
		got, err := st.appendJSON(nil)
		want, werr := json.Marshal(st)
		if (err == nil) != (werr == nil) {
			t.Fatalf("appendJSON error %v, json.Marshal error %v", err, werr)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendJSON = %s\njson.Marshal = %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("appendJSON made invalid JSON: %s", got)
		}
		var back State
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("decoding %s: %v", got, err)
		}
		// and Load's own decoder takes all of it, as encoding/json does
		var fast State
		if !fast.decode(got) || !reflect.DeepEqual(fast, back) {
			t.Fatalf("decode of %s: %+v, encoding/json: %+v", got, fast, back)
		}
		// time.Time comes back as through encoding/json: the same
		// instant, except that RFC 3339 drops the seconds of a zone offset
		var ref State
		if err := json.Unmarshal(want, &ref); err != nil {
			t.Fatal(err)
		}
		if !back.Created.Equal(ref.Created) || back.Created.Format(time.RFC3339Nano) != ref.Created.Format(time.RFC3339Nano) {
			t.Fatalf("created %v came back as %v, through encoding/json as %v", st.Created, back.Created, ref.Created)
		}
		if offset%60 == 0 && !back.Created.Equal(st.Created) {
			t.Fatalf("created %v came back as %v", st.Created, back.Created)
		}
		back.Created = st.Created
		wantBack := State{
			OCIVersion: jsonString(oci), ID: jsonString(id), Pid: pid, PidStartTime: start,
			Bundle: jsonString(bundle), Rootfs: jsonString(rootfs), Created: st.Created, Owner: jsonString(owner),
			Annotations: jsonMap(st.Annotations), CgroupPaths: jsonMap(st.CgroupPaths),
			Phase: jsonString(phase), Systemd: st.Systemd, Rootless: st.Rootless, NotifySocket: jsonString(notify),
		}
		for _, p := range st.CgroupParents {
			wantBack.CgroupParents = append(wantBack.CgroupParents, jsonString(p))
		}
		if !reflect.DeepEqual(back, wantBack) {
			t.Fatalf("decoded %+v\nwant %+v", back, wantBack)
		}
	})
}

// FuzzDecode holds Load's decoder to encoding/json: whatever it takes,
// encoding/json must take too and decode the same.
func FuzzDecode(f *testing.F) {
	sample, _ := everyField().appendJSON(nil)
	f.Add(sample)
	f.Add([]byte(`{"id":"c","created":"2025-01-02T03:04:05.0000006-05:30","annotations":null,"cgroup_parents":[]}`))
	f.Add([]byte(`{"id":"c","ID":"d"}`))
	f.Add([]byte(`{"id":"c","created":"2025-01-02T03:04:05Z","created":null}`))
	f.Add([]byte(`{"id":"\u0063","init_process_pid":-9223372036854775808,"init_process_start":18446744073709551615}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got State
		if !got.decode(data) {
			return
		}
		var want State
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("decode took what encoding/json refuses (%v)", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode: %+v\nencoding/json: %+v", got, want)
		}
	})
}

func TestDecodeGivesUp(t *testing.T) {
	for _, in := range []string{
		`{"ID":"c"}`,                              // another case: encoding/json folds it
		`{"id":"c","id":"d"}`,                     // duplicate
		`{"id":"c","future_field":1}`,             // unknown: encoding/json skips it
		`{"created":"2025-01-02T03:04:05\u005a"}`, // escape in a time: UnmarshalJSON refuses it
		`{"created":"yesterday"}`,
		`{"init_process_pid":1e3}`,
		`{"id":"c"} {}`,
	} {
		var st State
		if st.decode([]byte(in)) {
			t.Errorf("decode took %s", in)
		}
	}
}
