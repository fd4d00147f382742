package specjson

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// otherPlatforms are the specs.Spec fields linuxSpec leaves out.
var otherPlatforms = map[string]bool{"Solaris": true, "Windows": true, "VM": true, "ZOS": true, "FreeBSD": true}

// TestSameFields fails when runtime-spec adds a field that linuxSpec lacks
// (it would be dropped silently) or when a tag differs.
func TestSameFields(t *testing.T) {
	spec, mine := reflect.TypeOf(specs.Spec{}), reflect.TypeOf(linuxSpec{})
	n := 0
	for i := 0; i < spec.NumField(); i++ {
		f := spec.Field(i)
		if otherPlatforms[f.Name] {
			continue
		}
		n++
		g, ok := mine.FieldByName(f.Name)
		if !ok || g.Type != f.Type || g.Tag.Get("json") != f.Tag.Get("json") {
			t.Errorf("specs.Spec.%s (%s `json:%q`) is not in linuxSpec as such", f.Name, f.Type, f.Tag.Get("json"))
		}
	}
	if n != mine.NumField() {
		t.Errorf("linuxSpec has %d fields, specs.Spec has %d besides the other platforms'", mine.NumField(), n)
	}
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	data := []byte(`{"ociVersion":"1.3.0","process":{"args":["sh"],"cwd":"/","user":{"uid":1}},
		"root":{"path":"rootfs","readonly":true},"hostname":"h","domainname":"d",
		"mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
		"hooks":{"poststop":[{"path":"/bin/true"}]},"annotations":{"a":"b"},
		"linux":{"namespaces":[{"type":"pid"}],"sysctl":{"net.ipv4.ip_forward":"1"}},
		"windows":{"layerFolders":["x"]}}`)
	var want specs.Spec
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	want.Windows = nil
	got, err := Unmarshal(data)
	if err != nil || !reflect.DeepEqual(got, &want) {
		t.Fatalf("Unmarshal = %+v, %v\nwant %+v", got, err, &want)
	}
	if _, err := Unmarshal([]byte(`{"process":{"args":"sh"}}`)); err == nil {
		t.Error("a string for process.args was accepted")
	}
	if _, err := Unmarshal([]byte(`[]`)); err == nil || err.Error() != "json: cannot unmarshal array into Go value of type specs.Spec" {
		t.Errorf("top-level array: %v, want encoding/json's error for specs.Spec", err)
	}
}
