package sqldb

import "github.com/medperf/medperf"

// SetContainerCheck makes CreateContainer, and UpdateContainer when the
// config changes, refuse a container that check refuses. The server sets
// it to the container-config parser the sites use (package cube, which the
// store does not import: adapters meet only where they are wired), so the
// registry never accepts a container every site would refuse (security
// finding 15). check returns CodeInvalid errors naming the field. Call it
// before the store serves requests; nil removes the check.
func (d *DB) SetContainerCheck(check func(medperf.ContainerInput) error) { d.containerCheck = check }

// checkContainer runs the container check, when there is one.
func (d *DB) checkContainer(in medperf.ContainerInput) error {
	if d.containerCheck == nil {
		return nil
	}
	return d.containerCheck(in)
}
