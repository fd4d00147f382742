package specconv

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// LenientAnnotation, set to "true" in config.json, turns unknown fields into
// warnings for this container (for engines that send fields newer than hull).
const LenientAnnotation = "run.hull.lenient"

// strictSections are where an unknown field is an error: a misspelled
// "noNewPrivilege" or an unsupported "process.landlock" must not run a
// container with less protection than its author asked for.
var strictSections = []string{"process", "linux"}

// unknownFields lists the JSON paths in data's strict sections that no field of
// the runtime spec matches, sorted.
func unknownFields(data []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	specType := reflect.TypeOf(specs.Spec{})
	var out []string
	for _, name := range strictSections {
		raw, ok := top[name]
		if !ok {
			continue
		}
		f, _ := fieldByJSONName(specType, name)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		out = walkUnknown(name, v, f.Type, out)
	}
	sort.Strings(out)
	return out, nil
}

// walkUnknown compares a decoded JSON value with the Go type it decodes into.
func walkUnknown(path string, v any, t reflect.Type, out []string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for k, e := range val {
				out = walkUnknown(fmt.Sprintf("%s[%q]", path, k), e, t.Elem(), out)
			}
			return out
		}
		if t.Kind() != reflect.Struct {
			return out
		}
		for k, e := range val {
			f, ok := fieldByJSONName(t, k)
			if !ok {
				out = append(out, path+"."+k)
				continue
			}
			out = walkUnknown(path+"."+k, e, f.Type, out)
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range val {
				out = walkUnknown(fmt.Sprintf("%s[%d]", path, i), e, t.Elem(), out)
			}
		}
	}
	return out
}

// fieldByJSONName finds the struct field that encoding/json would fill for
// key: exact tag match first, then a case-insensitive one, as json does.
// The fields of an untagged embedded struct count as the outer struct's
// (weightDevice's major and minor come from LinuxBlockIODevice).
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold *reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = &f
		}
	}
	if fold != nil {
		return *fold, true
	}
	return reflect.StructField{}, false
}

// checkStrict fails on the first unknown field unless lenient, in which case
// it returns the unknown fields as warnings.
func checkStrict(s *specs.Spec, data []byte, lenient bool) ([]string, error) {
	unknown, err := unknownFields(data)
	if err != nil || len(unknown) == 0 {
		return nil, err
	}
	if lenient || s.Annotations[LenientAnnotation] == "true" {
		return unknown, nil
	}
	return nil, invalid(unknown[0], "unknown field (hull refuses settings it does not know; "+
		"use --lenient or the annotation %s=true to run anyway)", LenientAnnotation)
}
