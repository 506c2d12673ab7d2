package play

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/site"
)

// user is one person of the demo: an account, a MEDPERF_HOME with a saved
// profile, a client acting as them, and their Site.
type user struct {
	role  string // what progress lines call them
	slug  string // their folder under users/
	email string
	id    int64
	token string
	home  string
	cl    *client.Client
	site  *site.Site
}

// The demo's people.
const (
	roleAdmin = "admin"
	roleOwner = "benchmark owner"
)

// people are the accounts the admin creates, by slug.
var people = []struct{ slug, role, name string }{
	{"benchmark-owner", roleOwner, "Benchmark owner"},
	{"model-owner-1", "model owner 1", "Model owner 1 (model-cc)"},
	{"model-owner-2", "model owner 2", "Model owner 2 (model-logreg)"},
	{"data-owner-a", "data owner site-a", "Data owner of site-a"},
	{"data-owner-b", "data owner site-b", "Data owner of site-b"},
	{"data-owner-c", "data owner site-c", "Data owner of site-c"},
}

// newUser returns the user of token: a client, a MEDPERF_HOME under
// users/<slug> holding a profile (as 'medperf auth login' writes it, so
// that the user can go on by hand), and a Site.
func (p *player) newUser(slug, role, email string, id int64, token string) (*user, error) {
	u := &user{role: role, slug: slug, email: email, id: id, token: token, home: filepath.Join(p.dir, "users", slug)}
	cl, err := client.New(p.url, token, nil)
	if err != nil {
		return nil, err
	}
	u.cl = cl
	profiles := &config.Profiles{}
	profiles.Set(config.Profile{Server: cl.URL(), Token: token, Settings: config.Settings{Runtime: p.rt.name}})
	if err := profiles.Save(u.home); err != nil {
		return nil, err
	}
	var out io.Writer
	if p.o.Verbose {
		out = p.log.prefixed(role)
	}
	u.site = &site.Site{
		Home: site.StorageDir(u.home, cl.URL()), Registry: cl, Runtime: p.rt.runtime, Out: out,
		Confirm: site.AlwaysConfirm(out), Version: "demo",
		// The demo hosts its tarballs on 127.0.0.1.
		AllowPrivateURLs: true,
	}
	if strings.HasPrefix(slug, "data-owner") {
		if u.site.Signer, err = siteKey(context.Background(), u); err != nil {
			return nil, stepError("giving the "+role+" a signing key", err)
		}
	}
	return u, nil
}

// createUsers makes the admin's user from the bootstrap token, then every
// other account through the API, as the admin.
func (p *player) createUsers(ctx context.Context, adminToken string) error {
	me, err := mustClient(p.url, adminToken).Me(ctx)
	if err != nil {
		return err
	}
	if p.admin, err = p.newUser("admin", roleAdmin, me.Email, me.ID, adminToken); err != nil {
		return err
	}
	for _, x := range people {
		created, err := p.admin.cl.CreateUser(ctx, medperf.NewUser{Email: x.slug + "@example.org", Name: x.name})
		if err != nil {
			return stepError("creating the account of the "+x.role, err)
		}
		u, err := p.newUser(x.slug, x.role, created.Email, created.ID, created.Token)
		if err != nil {
			return err
		}
		p.users[x.slug] = u
	}
	p.step(roleAdmin, "created %d accounts, each with its own MEDPERF_HOME under %s", len(people), filepath.Join(p.dir, "users"))
	return nil
}

func mustClient(url, token string) *client.Client {
	cl, _ := client.New(url, token, nil) // the URL is the running server's
	return cl
}
