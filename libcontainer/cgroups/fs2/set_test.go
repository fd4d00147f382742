package fs2

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/devices"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }

// setup makes an applied Manager on a fake cgroup2 tree, with the files
// Set reads in place, and no eBPF: device rules are recorded instead.
func setup(t *testing.T) (*Manager, *[][]devices.Rule) {
	t.Helper()
	root := fakeRoot(t)
	m, err := New(root, "/hull/web", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	for file, value := range map[string]string{
		"cgroup.controllers":   "cpu memory pids\n",
		"memory.max":           "max\n",
		"memory.current":       "1000\n",
		"cpu.max":              "max 100000\n",
		"hugetlb.2MB.max":      "max\n",
		"hugetlb.2MB.rsvd.max": "max\n",
	} {
		writeFile(t, m.dir, file, value)
	}
	var attached [][]devices.Rule
	old := attachDevices
	attachDevices = func(dir string, rules []devices.Rule) error {
		if dir != m.dir {
			t.Errorf("devices attached to %s, want %s", dir, m.dir)
		}
		attached = append(attached, rules)
		return nil
	}
	t.Cleanup(func() { attachDevices = old })
	return m, &attached
}

// set runs Set and returns every write as "file=value", in order.
func set(t *testing.T, m *Manager, r *specs.LinuxResources) ([]string, error) {
	t.Helper()
	var mu sync.Mutex
	var log []string
	stop := fscommon.LogWrites(func(path, value string) {
		mu.Lock()
		log = append(log, filepath.Base(path)+"="+value)
		mu.Unlock()
	})
	defer stop()
	err := m.Set(r)
	return log, err
}

func TestSetV2(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup map[string]string // file contents before Set
		r     specs.LinuxResources
		want  []string
	}{
		{"memory", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: i64(100 << 20), Swap: i64(300 << 20), Reservation: i64(50 << 20),
			// No v2 files for these: ignored.
			Kernel: i64(1), KernelTCP: i64(1), Swappiness: u64(10), DisableOOMKiller: boolp(true),
		}}, []string{"memory.swap.max=209715200", "memory.max=104857600", "memory.low=52428800"}},
		{"swap equal to memory: no swap", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(100)}},
			[]string{"memory.swap.max=0", "memory.max=100"}},
		{"memory unlimited", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			[]string{"memory.swap.max=max", "memory.max=max"}},
		{"swap alone, current memory limit", map[string]string{"memory.max": "104857600\n"},
			specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(150 << 20)}}, []string{"memory.swap.max=52428800"}},
		{"swap alone, unlimited memory", nil,
			specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(150 << 20)}}, []string{"memory.swap.max=157286400"}},
		{"swap unlimited", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(-1)}},
			[]string{"memory.swap.max=max", "memory.max=100"}},
		{"cpu", nil, specs.LinuxResources{CPU: &specs.LinuxCPU{
			Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Burst: u64(1000), Idle: i64(0),
		}}, []string{"cpu.idle=0", "cpu.weight=100", "cpu.max=50000 100000", "cpu.max.burst=1000"}},
		{"cpu quota keeps period", map[string]string{"cpu.max": "max 200000\n"},
			specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(25000)}}, []string{"cpu.max=25000 200000"}},
		{"cpu period keeps quota", map[string]string{"cpu.max": "50000 100000\n"},
			specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(200000)}}, []string{"cpu.max=50000 200000"}},
		{"cpu quota unlimited", map[string]string{"cpu.max": "50000 100000\n"},
			specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1)}}, []string{"cpu.max=max 100000"}},
		{"cpu idle has no weight", nil, specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024), Idle: i64(1)}},
			[]string{"cpu.idle=1"}},
		{"cpu zeros are unset", nil, specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(0), Quota: i64(0), Period: u64(0)}}, nil},
		{"cpuset", nil, specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1", Mems: "0"}},
			[]string{"cpuset.cpus=1", "cpuset.mems=0"}},
		{"pids", nil, specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(42)}}, []string{"pids.max=42"}},
		{"pids 0", nil, specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, []string{"pids.max=1"}},
		{"pids -1", nil, specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, []string{"pids.max=max"}},
		{"io", nil, specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight: u16(500), LeafWeight: u16(300),
			WeightDevice: []specs.LinuxWeightDevice{{
				LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(10),
			}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1000}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 2000}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 40}},
		}}, []string{
			"io.weight=4950", "io.weight=8:0 1", "io.max=8:0 rbps=1000", "io.max=8:0 wbps=2000",
			"io.max=8:0 riops=30", "io.max=8:0 wiops=40",
		}},
		{"io bfq", map[string]string{"io.bfq.weight": "default 100\n"}, specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight: u16(500),
			WeightDevice: []specs.LinuxWeightDevice{{
				LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(10),
			}},
		}}, []string{"io.bfq.weight=500", "io.bfq.weight=8:0 10"}},
		{"hugetlb", nil, specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}},
			[]string{"hugetlb.2MB.max=4194304", "hugetlb.2MB.rsvd.max=4194304"}},
		{"rdma", nil, specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx5_1": {HcaHandles: u32(3)}}},
			[]string{"rdma.max=mlx5_1 hca_handle=3"}},
		{"unified", nil, specs.LinuxResources{
			Memory:  &specs.LinuxMemory{Limit: i64(100)},
			Unified: map[string]string{"memory.max": "200", "io.max": "8:0 rbps=1"},
		}, []string{"memory.max=100", "io.max=8:0 rbps=1", "memory.max=200"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := setup(t)
			for file, value := range c.setup {
				writeFile(t, m.dir, file, value)
			}
			got, err := set(t, m, &c.r)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestSharesToWeight(t *testing.T) {
	for shares, want := range map[uint64]uint64{0: 0, 1: 1, 2: 1, 1024: 100, 2000: 170, 262144: 10000, 300000: 10000} {
		if got := SharesToWeight(shares); got != want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s += 97 {
		w := SharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("SharesToWeight(%d) = %d after %d: not monotonic in [1, 10000]", s, w, prev)
		}
		prev = w
	}
}

func TestBlkioToIOWeight(t *testing.T) {
	for w, want := range map[uint16]uint64{0: 0, 10: 1, 500: 4950, 1000: 10000} {
		if got := BlkioToIOWeight(w); got != want {
			t.Errorf("BlkioToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
}

func TestSetV2Devices(t *testing.T) {
	m, attached := setup(t)
	if _, err := set(t, m, &specs.LinuxResources{}); err != nil || len(*attached) != 0 {
		t.Fatalf("nil devices: attached %v, %v", *attached, err)
	}
	_, err := set(t, m, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}})
	if err != nil || len(*attached) != 1 {
		t.Fatalf("attached %v, %v", *attached, err)
	}
	rules := (*attached)[0]
	if len(rules) != 1+len(devices.Defaults()) || rules[0].Type != 'a' || rules[0].Allow {
		t.Errorf("rules = %v, want deny-all then the defaults", rules)
	}
	if !devices.Allowed(rules, 'c', 1, 3, "rw") || devices.Allowed(rules, 'b', 8, 0, "r") {
		t.Errorf("rules %v do not allow /dev/null and deny sda", rules)
	}
}

func TestSetV2Errors(t *testing.T) {
	for _, c := range []struct {
		name string
		r    specs.LinuxResources
		want string
	}{
		{"network", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}},
			"linux.resources.network: the net_cls and net_prio controllers do not exist on cgroup v2"},
		{"realtime", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(100)}},
			"linux.resources.cpu: realtimeRuntime and realtimePeriod are not supported on cgroup v2"},
		{"swap below memory", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}},
			"linux.resources.memory.swap: 100 is below the memory limit 200"},
		{"check before update", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(10), CheckBeforeUpdate: boolp(true)}},
			"linux.resources.memory.limit: 10 is below the current usage of 1000 bytes"},
		{"page size", specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB"}}},
			`linux.resources.hugepageLimits[0].pageSize: "1GB" is not a huge page size`},
		{"unified path", specs.LinuxResources{Unified: map[string]string{"../x.max": "1"}},
			`linux.resources.unified["../x.max"]: not a cgroup file name`},
		{"unified procs", specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}},
			`linux.resources.unified["cgroup.procs"]: cannot be set`},
		{"devices", specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: ""}}, Pids: &specs.LinuxPids{Limit: i64(1)}},
			`linux.resources.devices[0].access: "" is not a non-empty subset`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := setup(t)
			got, err := set(t, m, &c.r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Set = %v, want an error with %q", err, c.want)
			}
			if len(got) > 0 {
				t.Errorf("wrote %v before failing", got)
			}
		})
	}
}

func TestStatsV2(t *testing.T) {
	m, _ := setup(t)
	for file, value := range map[string]string{
		"cgroup.controllers":    "cpu cpuset memory pids io hugetlb\n",
		"cpu.stat":              "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 2\nthrottled_usec 7\n",
		"cpu.pressure":          "some avg10=0.50 avg60=0.10 avg300=0.00 total=900\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=100\n",
		"cpuset.cpus.effective": "0-1\n",
		"cpuset.mems.effective": "0\n",
		"memory.stat":           "anon 300\nfile 200\n",
		"memory.events":         "low 0\nhigh 1\nmax 4\noom 2\noom_kill 1\n",
		"memory.current":        "500\n",
		"memory.max":            "1000\n",
		"memory.peak":           "800\n",
		"memory.swap.current":   "50\n",
		"memory.swap.max":       "max\n",
		"pids.current":          "2\n",
		"pids.max":              "10\n",
		"io.stat":               "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
		"hugetlb.2MB.current":   "2097152\n",
		"hugetlb.2MB.events":    "max 3\n",
	} {
		writeFile(t, m.dir, file, value)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := s.CPU.Usage; u.Total != 100000 || u.User != 60000 || u.Kernel != 40000 {
		t.Errorf("cpu usage = %+v", u)
	}
	if th := s.CPU.Throttling; th.Periods != 5 || th.ThrottledPeriods != 2 || th.ThrottledTime != 7000 {
		t.Errorf("throttling = %+v", th)
	}
	if s.CPU.PSI == nil || s.CPU.PSI.Some.Avg10 != 0.5 || s.CPU.PSI.Some.Total != 900 {
		t.Errorf("cpu psi = %+v", s.CPU.PSI)
	}
	mem := s.Memory
	if mem.Cache != 200 || mem.Usage.Usage != 500 || mem.Usage.Limit != 1000 || mem.Usage.Max != 800 ||
		mem.Usage.Failcnt != 4 || mem.Swap.Usage != 550 || mem.Swap.Limit != ^uint64(0) ||
		mem.EventCount.OOM != 2 || mem.EventCount.OOMKill != 1 || mem.EventCount.High != 1 {
		t.Errorf("memory = %+v", mem)
	}
	if s.Pids.Current != 2 || s.Pids.Limit != 10 {
		t.Errorf("pids = %+v", s.Pids)
	}
	if !slices.Equal(s.CPUSet.CPUs, []uint16{0, 1}) {
		t.Errorf("cpuset = %+v", s.CPUSet)
	}
	b := s.Blkio
	if len(b.IoServiceBytesRecursive) != 2 || b.IoServiceBytesRecursive[1].Op != "Write" ||
		b.IoServiceBytesRecursive[1].Value != 8192 || len(b.IoServicedRecursive) != 2 {
		t.Errorf("blkio = %+v", b)
	}
	if h := s.Hugetlb["2MB"]; h.Usage != 2097152 || h.Failcnt != 3 {
		t.Errorf("hugetlb = %+v", s.Hugetlb)
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"event_count":{"low":0,"high":1,"max":4,"oom":2,"oom_kill":1}`) {
		t.Errorf("JSON = %s", js)
	}
}

func TestFrozenV2(t *testing.T) {
	m, _ := setup(t)
	writeFile(t, m.dir, "cgroup.freeze", "0\n")
	if m.Frozen() {
		t.Error("0 reads as frozen")
	}
	writeFile(t, m.dir, "cgroup.freeze", "1\n")
	if !m.Frozen() {
		t.Error("1 reads as not frozen")
	}
}
