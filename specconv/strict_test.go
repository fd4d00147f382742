package specconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hull-oci/hull/internal/specjson"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestUnknownFields(t *testing.T) {
	cases := []struct {
		json string
		want []string
	}{
		{`{"process":{"noNewPrivilege":true}}`, []string{"process.noNewPrivilege"}},
		{`{"process":{"landlock":{}}}`, []string{"process.landlock"}},
		{`{"process":{"user":{"uid":0,"umsk":1}}}`, []string{"process.user.umsk"}},
		{`{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1,"x":1}]}}`, []string{"process.rlimits[0].x"}},
		{`{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","errno":1}]}}}`,
			[]string{"linux.seccomp.syscalls[0].errno"}},
		{`{"linux":{"sysctl":{"net.ipv4.ip_forward":"1"},"resources":{"memory":{"limit":1}}}}`, nil},
		{`{"annotations":{"anything":"goes"},"process":{"NoNewPrivileges":true}}`, nil}, // json matches names case-insensitively
		{`{"unknownTop":1,"hooks":{"x":[]}}`, nil},                                      // only process and linux are strict
		// major and minor come from an embedded struct
		{`{"linux":{"resources":{"blockIO":{"weightDevice":[{"major":8,"minor":0,"weight":10}],"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1}]}}}}`, nil},
		{`{"linux":{"resources":{"blockIO":{"weightDevice":[{"majr":8,"minor":0}]}}}}`, []string{"linux.resources.blockIO.weightDevice[0].majr"}},
	}
	for _, tc := range cases {
		got, err := unknownFields([]byte(tc.json))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.json, got, err, tc.want)
		}
	}
}

func TestLoadBundleStrict(t *testing.T) {
	bundle := newBundle(t)
	s := Example()
	b, _ := json.Marshal(s)
	b = []byte(strings.Replace(string(b), `"noNewPrivileges":true`, `"noNewPrivilege":true`, 1))
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadBundle(bundle)
	want := `config.json: process.noNewPrivilege: unknown field (hull refuses settings it does not know; use --lenient or the annotation run.hull.lenient=true to run anyway)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
	Lenient = true
	defer func() { Lenient = false }()
	if _, _, err := LoadBundle(bundle); err != nil {
		t.Fatalf("lenient: %v", err)
	}
}

// filledSpec is a config.json with every field of the spec set.
func filledSpec(t *testing.T) []byte {
	var fill func(reflect.Type) reflect.Value
	fill = func(ty reflect.Type) reflect.Value {
		v := reflect.New(ty).Elem()
		switch ty.Kind() {
		case reflect.Pointer:
			v.Set(fill(ty.Elem()).Addr())
		case reflect.Struct:
			for i := 0; i < ty.NumField(); i++ {
				if ty.Field(i).IsExported() {
					v.Field(i).Set(fill(ty.Field(i).Type))
				}
			}
		case reflect.Slice:
			v.Set(reflect.Append(reflect.MakeSlice(ty, 0, 1), fill(ty.Elem())))
		case reflect.Map:
			v.Set(reflect.MakeMap(ty))
			v.SetMapIndex(reflect.ValueOf("k"), fill(ty.Elem()))
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(1)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.SetUint(1)
		}
		return v
	}
	data, err := json.Marshal(fill(reflect.TypeOf(specs.Spec{})).Interface())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExactAgreesWithStrict: a config the generated decoder finds exact
// (LoadBundle then skips the strict check) has no unknown field for the
// strict check either, every field of the spec set included.
func TestExactAgreesWithStrict(t *testing.T) {
	for _, data := range [][]byte{
		filledSpec(t),
		[]byte(`{"linux":{"resources":{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]}}}}`),
	} {
		_, exact, err := specjson.Decode(data)
		if err != nil || !exact {
			t.Fatalf("Decode(%.200s...) = exact %v, %v", data, exact, err)
		}
		if unknown, err := unknownFields(data); err != nil || len(unknown) != 0 {
			t.Errorf("unknownFields = %q, %v for a config the generated decoder takes whole", unknown, err)
		}
	}
}
