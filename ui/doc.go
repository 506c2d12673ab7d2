// Package ui is `medperf ui`: the local site app, a web face on 127.0.0.1
// for the people at a site who do not use a terminal. It has no logic of its
// own: every page reads and every form acts through the same site.Site (and
// its medperf.Service, the profile's client) the command line uses, on the
// same local storage and journals, so that work started in the command line
// continues in the browser and back.
//
// Security: the server listens on a loopback address unless told otherwise
// (Config.AllowRemote); the only way in is a one-time sign-in URL with a
// random token, exchanged for an HttpOnly, SameSite=Strict session cookie;
// every form carries a CSRF token; requests must name the server's own host
// (no DNS rebinding); every response carries a strict Content-Security-Policy
// without any script. Long operations run as jobs whose pages refresh
// themselves (a meta refresh, no JavaScript); what an operation would send
// is shown exactly, as the site computed it, and is sent only when the user
// confirms it on the job's page.
package ui
