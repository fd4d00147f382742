package fs

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestStatsV1(t *testing.T) {
	m, _ := setup(t, allMounts)
	p := m.paths
	for file, value := range map[string]string{
		"memory.stat":                     "cache 100\nrss 200\ntotal_cache 100\n",
		"memory.usage_in_bytes":           "300\n",
		"memory.max_usage_in_bytes":       "400\n",
		"memory.failcnt":                  "2\n",
		"memory.limit_in_bytes":           "1000\n",
		"memory.memsw.usage_in_bytes":     "350\n",
		"memory.memsw.max_usage_in_bytes": "450\n",
		"memory.memsw.failcnt":            "0\n",
		"memory.memsw.limit_in_bytes":     "2000\n",
		"memory.oom_control":              "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
	} {
		writeFile(t, p["memory"], file, value)
	}
	for file, value := range map[string]string{
		"cpu.stat":                  "nr_periods 10\nnr_throttled 4\nthrottled_time 5000\n",
		"cpuacct.usage":             "123456\n",
		"cpuacct.usage_percpu":      "100000 23456 \n",
		"cpuacct.usage_percpu_sys":  "10 20\n",
		"cpuacct.usage_percpu_user": "30 40\n",
		"cpuacct.stat":              "user 7\nsystem 3\n",
	} {
		writeFile(t, p["cpu"], file, value)
	}
	writeFile(t, p["pids"], "pids.current", "3\n")
	writeFile(t, p["pids"], "pids.max", "max\n")
	writeFile(t, p["cpuset"], "cpuset.cpus", "0-2,5\n")
	writeFile(t, p["cpuset"], "cpuset.mems", "0\n")
	writeFile(t, p["cpuset"], "cpuset.cpu_exclusive", "1\n")
	writeFile(t, p["blkio"], "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n")
	writeFile(t, p["blkio"], "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n")
	writeFile(t, p["hugetlb"], "hugetlb.2MB.usage_in_bytes", "2097152\n")
	writeFile(t, p["hugetlb"], "hugetlb.2MB.max_usage_in_bytes", "4194304\n")
	writeFile(t, p["hugetlb"], "hugetlb.2MB.failcnt", "1\n")
	writeFile(t, p[""], "cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n")

	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	mem := s.Memory
	if mem.Cache != 100 || mem.Raw["rss"] != 200 || mem.Usage.Usage != 300 || mem.Usage.Max != 400 ||
		mem.Usage.Failcnt != 2 || mem.Usage.Limit != 1000 || mem.Swap.Usage != 350 || mem.Swap.Limit != 2000 ||
		mem.EventCount.OOMKill != 3 {
		t.Errorf("memory stats = %+v", mem)
	}
	u := s.CPU.Usage
	if u.Total != 123456 || !slices.Equal(u.Percpu, []uint64{100000, 23456}) || !slices.Equal(u.PercpuKernel, []uint64{10, 20}) ||
		u.User != 70_000_000 || u.Kernel != 30_000_000 {
		t.Errorf("cpu usage = %+v", u)
	}
	if th := s.CPU.Throttling; th.Periods != 10 || th.ThrottledPeriods != 4 || th.ThrottledTime != 5000 {
		t.Errorf("throttling = %+v", th)
	}
	if s.CPU.PSI == nil || s.CPU.PSI.Some.Avg10 != 1.5 || s.CPU.PSI.Full.Total != 7 {
		t.Errorf("cpu PSI = %+v", s.CPU.PSI)
	}
	if s.Pids.Current != 3 || s.Pids.Limit != 0 {
		t.Errorf("pids = %+v", s.Pids)
	}
	if !slices.Equal(s.CPUSet.CPUs, []uint16{0, 1, 2, 5}) || s.CPUSet.CPUExclusive != 1 {
		t.Errorf("cpuset = %+v", s.CPUSet)
	}
	b := s.Blkio.IoServiceBytesRecursive
	if len(b) != 2 || b[1].Op != "Write" || b[1].Value != 8192 || b[1].Major != 8 || len(s.Blkio.IoServicedRecursive) != 2 {
		t.Errorf("blkio = %+v", s.Blkio)
	}
	if h := s.Hugetlb["2MB"]; h.Usage != 2097152 || h.Max != 4194304 || h.Failcnt != 1 {
		t.Errorf("hugetlb = %+v", s.Hugetlb)
	}
	// The JSON keys are runc's.
	js, _ := json.Marshal(s)
	for _, key := range []string{`"cpu":{"usage":{"total":123456`, `"throttledPeriods":4`, `"event_count":{`, `"hugetlb":{"2MB"`, `"ioServiceBytesRecursive"`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("JSON has no %s: %s", key, js)
		}
	}
}

func TestFrozenV1(t *testing.T) {
	m, _ := setup(t, allMounts)
	writeFile(t, m.paths["freezer"], "freezer.state", "THAWED\n")
	if m.Frozen() {
		t.Error("THAWED reads as frozen")
	}
	writeFile(t, m.paths["freezer"], "freezer.state", "FROZEN\n")
	if !m.Frozen() {
		t.Error("FROZEN reads as not frozen")
	}
}
