package server

import (
	"errors"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// checkContainer parses a container's config with the parser every site
// uses before it runs anything (cube.ParseConfig), so the registry refuses
// what the sites would refuse (privileged run_args, networks, volumes,
// mount paths at the root or relative, task names with path separators...),
// with CodeInvalid naming the field under "config" (security finding 15).
func checkContainer(in medperf.ContainerInput) error {
	if _, err := cube.ParseConfig("", in.Config); err != nil {
		var ce *cube.ConfigError
		if !errors.As(err, &ce) {
			return medperf.FieldError("config", "is not a container config the sites accept")
		}
		field := "config"
		if ce.Field != "" {
			field += "." + ce.Field
		}
		return medperf.FieldError(field, "%s (the sites refuse this config)", ce.Problem)
	}
	return nil
}
