package config

// SetStorage records that server's local storage now lives in dir (see
// Profile.Storage), without changing the current profile. It reports
// whether server has a saved profile.
func (p *Profiles) SetStorage(server, dir string) bool {
	server = NormalizeServer(server)
	for i := range p.Profiles {
		if p.Profiles[i].Server == server {
			p.Profiles[i].Storage = dir
			return true
		}
	}
	return false
}
