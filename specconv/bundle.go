package specconv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hull-oci/hull/internal/readfile"
	"github.com/hull-oci/hull/internal/specjson"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// Lenient, set by hull's --lenient flag, makes unknown config fields warnings.
var Lenient bool

// LoadBundle reads and validates <bundle>/config.json. It returns the
// configuration and the file's bytes as read, which hull keeps so that hooks
// and `state` see exactly what the user wrote. Unknown fields under process
// and linux are errors (see strict.go) unless Lenient is set.
func LoadBundle(bundle string) (*specs.Spec, []byte, error) {
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to locate bundle %s: %w", bundle, err)
	}
	data, err := readfile.Read(filepath.Join(abs, "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &configError{msg: "config.json: no such file in bundle " + abs, err: err}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("unable to read config.json: %w", err)
	}
	s, exact, err := specjson.Decode(data)
	if err != nil {
		return nil, nil, jsonError(data, err)
	}
	if !exact { // there may be unknown fields (exact: every name is a field's)
		warnings, err := checkStrict(s, data, Lenient)
		if err != nil {
			return nil, nil, err
		}
		for _, w := range warnings {
			logrus.Warnf("config.json: %s: unknown field ignored (lenient)", w)
		}
	}
	if err := Validate(s, abs); err != nil {
		return nil, nil, err
	}
	return s, data, nil
}

// Rootfs returns the absolute path of the container's root filesystem:
// root.path, taken relative to bundle when it is relative, with symlinks
// resolved as runc does. If they cannot be resolved (the path does not
// exist), it returns the cleaned path, which Validate reports.
func Rootfs(s *specs.Spec, bundle string) string {
	if s.Root == nil {
		return ""
	}
	path := rootfsPath(s, bundle)
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		return resolved
	}
	return path
}

// rootfsPath is Rootfs without resolving symlinks, the path the user meant,
// as error messages show it.
func rootfsPath(s *specs.Spec, bundle string) string {
	path := s.Root.Path
	if !filepath.IsAbs(path) {
		if abs, err := filepath.Abs(bundle); err == nil {
			bundle = abs
		}
		path = filepath.Join(bundle, path)
	}
	return filepath.Clean(path)
}

// jsonError rewrites an error of json.Unmarshal on data so that it points
// into config.json: by line and column for a syntax error, by the JSON path
// of the value (`process.args[1]`) for a value of the wrong type.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := position(data, syntax.Offset)
		msg := fmt.Sprintf("config.json: invalid JSON at line %d, column %d: %v", line, col, syntax)
		return &configError{msg: msg, err: err}
	case errors.As(err, &typ):
		if field := valuePath(data, typ.Offset); field != "" {
			return invalidCause(err, field, "cannot unmarshal %s into %s", typ.Value, typ.Type)
		}
		line, col := position(data, typ.Offset)
		msg := fmt.Sprintf("config.json: invalid JSON at line %d, column %d: cannot unmarshal %s into %s",
			line, col, typ.Value, typ.Type)
		return &configError{msg: msg, err: err}
	}
	return fmt.Errorf("config.json: invalid JSON: %w", err)
}
