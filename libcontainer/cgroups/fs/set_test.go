package fs

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// allMounts add the controllers hybridMounts leave out.
var allMounts = append(slices.Clone(hybridMounts),
	mount{dir: "blkio", fstype: "cgroup", super: "rw,blkio"},
	mount{dir: "hugetlb", fstype: "cgroup", super: "rw,hugetlb"},
	mount{dir: "net_cls,net_prio", fstype: "cgroup", super: "rw,net_cls,net_prio"},
	mount{dir: "rdma", fstype: "cgroup", super: "rw,rdma"},
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }

// setup makes an applied Manager on a fake tree with the files that Set
// reads (or checks for) in place.
func setup(t *testing.T, mounts []mount) (*Manager, string) {
	t.Helper()
	m, root := fakeManager(t, mounts, "/hull/web", nil)
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	if dir, ok := m.paths["memory"]; ok {
		writeFile(t, dir, "memory.limit_in_bytes", "9223372036854771712\n")
		writeFile(t, dir, "memory.usage_in_bytes", "1000\n")
	}
	if dir, ok := m.paths["hugetlb"]; ok {
		writeFile(t, dir, "hugetlb.2MB.limit_in_bytes", "0")
		writeFile(t, dir, "hugetlb.2MB.rsvd.limit_in_bytes", "0")
		writeFile(t, dir, "hugetlb.1GB.limit_in_bytes", "0") // no rsvd for this one
	}
	return m, root
}

// set runs Set and returns every write, as "controller/file=value" with
// the controller's mount directory, in order.
func set(t *testing.T, m *Manager, root string, r *specs.LinuxResources) ([]string, error) {
	t.Helper()
	var mu sync.Mutex
	var log []string
	stop := fscommon.LogWrites(func(path, value string) {
		rel, _ := filepath.Rel(root, path)
		mount, rest, _ := strings.Cut(rel, "/")
		mu.Lock()
		log = append(log, mount+"/"+filepath.Base(rest)+"="+value)
		mu.Unlock()
	})
	defer stop()
	err := m.Set(r)
	return log, err
}

func TestSetV1(t *testing.T) {
	for _, c := range []struct {
		name string
		r    specs.LinuxResources
		want []string
	}{
		{"memory", specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: i64(100 << 20), Swap: i64(200 << 20), Reservation: i64(50 << 20),
			Kernel: i64(10 << 20), KernelTCP: i64(20 << 20), Swappiness: u64(30), DisableOOMKiller: boolp(true),
		}}, []string{
			// The new memory+swap limit is below the current memory limit:
			// memory goes first.
			"memory/memory.limit_in_bytes=104857600", "memory/memory.memsw.limit_in_bytes=209715200",
			"memory/memory.soft_limit_in_bytes=52428800", "memory/memory.kmem.limit_in_bytes=10485760",
			"memory/memory.kmem.tcp.limit_in_bytes=20971520", "memory/memory.swappiness=30",
			"memory/memory.oom_control=1",
		}},
		{"memory unlimited", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			// Swap not given: unlimited too, and first.
			[]string{"memory/memory.memsw.limit_in_bytes=-1", "memory/memory.limit_in_bytes=-1"}},
		{"memory zero is unset", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(0), Swap: i64(0), Reservation: i64(0)}}, nil},
		{"oom killer back on", specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: boolp(false)}},
			[]string{"memory/memory.oom_control=0"}},
		{"cpu", specs.LinuxResources{CPU: &specs.LinuxCPU{
			Shares: u64(512), Period: u64(100000), Quota: i64(50000), Burst: u64(1000),
			RealtimePeriod: u64(1000000), RealtimeRuntime: i64(950000), Idle: i64(0),
		}}, []string{
			"cpu,cpuacct/cpu.shares=512", "cpu,cpuacct/cpu.cfs_period_us=100000",
			"cpu,cpuacct/cpu.cfs_quota_us=50000", "cpu,cpuacct/cpu.cfs_burst_us=1000",
			"cpu,cpuacct/cpu.rt_period_us=1000000", "cpu,cpuacct/cpu.rt_runtime_us=950000",
			"cpu,cpuacct/cpu.idle=0",
		}},
		{"cpu quota unlimited", specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1)}},
			[]string{"cpu,cpuacct/cpu.cfs_quota_us=-1"}},
		// docker sends zeros for what is not set.
		{"cpu zeros are unset", specs.LinuxResources{CPU: &specs.LinuxCPU{
			Shares: u64(0), Quota: i64(0), Period: u64(0), RealtimePeriod: u64(0), RealtimeRuntime: i64(0),
		}}, nil},
		{"cpuset", specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1", Mems: "0"}},
			[]string{"cpuset/cpuset.cpus=0-1", "cpuset/cpuset.mems=0"}},
		{"pids", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(100)}}, []string{"pids/pids.max=100"}},
		{"pids 0", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, []string{"pids/pids.max=1"}},
		{"pids -1", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, []string{"pids/pids.max=max"}},
		{"pids unset", specs.LinuxResources{Pids: &specs.LinuxPids{}}, nil},
		{"blkio", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight: u16(500), LeafWeight: u16(300),
			WeightDevice: []specs.LinuxWeightDevice{{
				LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(100), LeafWeight: u16(50),
			}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1000}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 2000}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 40}},
		}}, []string{
			"blkio/blkio.weight=500", "blkio/blkio.leaf_weight=300", "blkio/blkio.weight_device=8:0 100",
			"blkio/blkio.leaf_weight_device=8:0 50", "blkio/blkio.throttle.read_bps_device=8:0 1000",
			"blkio/blkio.throttle.write_bps_device=8:16 2000", "blkio/blkio.throttle.read_iops_device=8:0 30",
			"blkio/blkio.throttle.write_iops_device=8:0 40",
		}},
		{"hugetlb", specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{
			{Pagesize: "2MB", Limit: 4 << 20}, {Pagesize: "1GB", Limit: 1 << 30},
		}}, []string{
			"hugetlb/hugetlb.2MB.limit_in_bytes=4194304", "hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304",
			"hugetlb/hugetlb.1GB.limit_in_bytes=1073741824",
		}},
		{"network", specs.LinuxResources{Network: &specs.LinuxNetwork{
			ClassID: u32(0x100001), Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}, {Name: "lo", Priority: 1}},
		}}, []string{
			"net_cls,net_prio/net_cls.classid=1048577", "net_cls,net_prio/net_prio.ifpriomap=eth0 5",
			"net_cls,net_prio/net_prio.ifpriomap=lo 1",
		}},
		{"rdma", specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{
			"mlx5_1": {HcaHandles: u32(3), HcaObjects: u32(10000)}, "a": {HcaObjects: u32(5)},
		}}, []string{"rdma/rdma.max=a hca_object=5", "rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000"}},
		{"devices", specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rw"},
			{Allow: false, Type: "b", Major: i64(8), Access: "w"},
		}}, []string{
			"devices/devices.deny=a", "devices/devices.deny=a", "devices/devices.allow=c 10:229 rw",
			"devices/devices.deny=b 8:* w", "devices/devices.allow=c *:* m", "devices/devices.allow=b *:* m",
			"devices/devices.allow=c 1:3 rwm", "devices/devices.allow=c 1:8 rwm", "devices/devices.allow=c 1:7 rwm",
			"devices/devices.allow=c 5:0 rwm", "devices/devices.allow=c 1:5 rwm", "devices/devices.allow=c 1:9 rwm",
			"devices/devices.allow=c 5:1 rwm", "devices/devices.allow=c 136:* rwm", "devices/devices.allow=c 5:2 rwm",
			"devices/devices.allow=c 10:200 rwm",
		}},
		{"devices nil", specs.LinuxResources{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, root := setup(t, allMounts)
			got, err := set(t, m, root, &c.r)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestSetV1MemorySwapFirstWhenRaising(t *testing.T) {
	m, root := setup(t, allMounts)
	writeFile(t, m.paths["memory"], "memory.limit_in_bytes", "52428800\n")
	got, err := set(t, m, root, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(200 << 20)}})
	want := []string{"memory/memory.memsw.limit_in_bytes=209715200", "memory/memory.limit_in_bytes=104857600"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("writes %v, %v; want %v", got, err, want)
	}
}

func TestSetV1BFQWeights(t *testing.T) {
	m, root := setup(t, allMounts)
	writeFile(t, m.paths["blkio"], "blkio.bfq.weight", "100")
	got, err := set(t, m, root, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
		Weight: u16(500),
		WeightDevice: []specs.LinuxWeightDevice{{
			LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(100),
		}},
	}})
	want := []string{"blkio/blkio.bfq.weight=500", "blkio/blkio.bfq.weight_device=8:0 100"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("writes %v, %v; want %v", got, err, want)
	}
}

func TestSetV1Errors(t *testing.T) {
	for _, c := range []struct {
		name   string
		mounts []mount
		r      specs.LinuxResources
		want   string
	}{
		{"unified", allMounts, specs.LinuxResources{Unified: map[string]string{"memory.high": "1", "io.max": "x"}},
			`linux.resources.unified["io.max"]: cgroup v2 files cannot be set on this cgroup v1 host`},
		{"no net_cls", hybridMounts, specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}},
			"linux.resources.network.classID: the net_cls cgroup controller is not mounted"},
		{"no net_prio", hybridMounts, specs.LinuxResources{Network: &specs.LinuxNetwork{
			Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 1}}}},
			"linux.resources.network.priorities: the net_prio cgroup controller is not mounted"},
		{"no hugetlb", hybridMounts, specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB"}}},
			"linux.resources.hugepageLimits: the hugetlb cgroup controller is not mounted"},
		{"page size", allMounts, specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "64KB"}}},
			`linux.resources.hugepageLimits[0].pageSize: "64KB" is not a huge page size of this host`},
		{"swappiness", allMounts, specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}},
			"linux.resources.memory.swappiness: 101 is above 100"},
		{"check before update", allMounts, specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(999), CheckBeforeUpdate: boolp(true)}},
			"linux.resources.memory.limit: 999 is below the current usage of 1000 bytes"},
		{"rdma", allMounts, specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx": {}}},
			`linux.resources.rdma["mlx"]: neither hcaHandles nor hcaObjects is set`},
		{"device type", allMounts, specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x", Access: "r"}},
			Pids: &specs.LinuxPids{Limit: i64(5)}},
			`linux.resources.devices[0].type: "x" is not a, b or c`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, root := setup(t, c.mounts)
			got, err := set(t, m, root, &c.r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Set = %v, want an error with %q", err, c.want)
			}
			if len(got) > 0 {
				t.Errorf("wrote %v before failing", got)
			}
		})
	}
}

func TestSetV1CheckBeforeUpdatePasses(t *testing.T) {
	m, root := setup(t, allMounts)
	got, err := set(t, m, root, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1000), CheckBeforeUpdate: boolp(true)}})
	if err != nil || !slices.Equal(got, []string{"memory/memory.limit_in_bytes=1000"}) {
		t.Fatalf("writes %v, %v", got, err)
	}
}
