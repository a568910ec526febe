package server

import (
	"html/template"
	"net/http"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// DemoUsers are the users of demo mode: an admin, and a supervisor and
// agents in sales and in support.
var DemoUsers = []auth.Principal{
	{UserID: "demo-admin", Name: "Ada Admin", Email: "ada@demo.kin", Role: events.RoleAdmin},
	{UserID: "demo-sales-lead", Name: "Sam Sales", Email: "sam@demo.kin", Role: events.RoleSupervisor, Department: "sales"},
	{UserID: "demo-sales-1", Name: "Sally Seller", Email: "sally@demo.kin", Role: events.RoleAgent, Department: "sales"},
	{UserID: "demo-sales-2", Name: "Simon Seller", Email: "simon@demo.kin", Role: events.RoleAgent, Department: "sales"},
	{UserID: "demo-support-lead", Name: "Sue Support", Email: "sue@demo.kin", Role: events.RoleSupervisor, Department: "support"},
	{UserID: "demo-support-1", Name: "Pat Helper", Email: "pat@demo.kin", Role: events.RoleAgent, Department: "support"},
	{UserID: "demo-support-2", Name: "Quinn Helper", Email: "quinn@demo.kin", Role: events.RoleAgent, Department: "support"},
}

// demoSession is how long a demo sign-in lasts.
const demoSession = 12 * time.Hour

// signinStyle is the sign-in page's style (allowed by its hash in the CSP).
const signinStyle = `
body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.4rem}p.warn{background:#fef3c7;padding:.6rem .8rem;border-radius:.4rem}
ul{list-style:none;padding:0}li{margin:.4rem 0}
button{width:100%;text-align:left;padding:.7rem .9rem;border:1px solid #d1d5db;border-radius:.5rem;background:#fff;font-size:1rem;cursor:pointer}
button:hover,button:focus{border-color:#2563eb;outline:2px solid #93c5fd}
small{color:#6b7280}
`

var signinPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>KIN Realtime demo: sign in</title>
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>{{.Style}}</style></head><body>
<h1>KIN Realtime demo</h1>
<p class="warn">Demo mode: pick a user to sign in as. This page does not exist outside <code>--demo</code>.</p>
<form method="post" action="/signin"><ul>
{{range .Users}}<li><button name="user" value="{{.UserID}}">{{.Name}} <small>{{.Role}}{{if .Department}} · {{.Department}}{{end}}</small></button></li>
{{end}}</ul></form>
</body></html>`))

// demoRoutes serves the demo sign-in; they exist only in demo mode.
func (s *Server) demoRoutes() {
	s.mux.HandleFunc("GET /signin", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = signinPage.Execute(w, struct {
			Style template.CSS
			Users []auth.Principal
		}{template.CSS(signinStyle), DemoUsers})
	})
	s.mux.HandleFunc("POST /signin", s.demoSignIn)
	s.mux.HandleFunc("POST /signout", func(w http.ResponseWriter, r *http.Request) {
		if !s.checkOrigin(r) {
			writeError(w, http.StatusForbidden, "origin not allowed")
			return
		}
		if msg := ambientRefusal(r); msg != "" {
			writeError(w, http.StatusForbidden, msg)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: auth.CookieNextAuth, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	})
}

// demoSignIn sets a real NextAuth session cookie for the chosen demo user.
func (s *Server) demoSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.checkOrigin(r) {
		writeError(w, http.StatusForbidden, "origin not allowed")
		return
	}
	if msg := ambientRefusal(r); msg != "" { // no signing a victim in as someone else
		writeError(w, http.StatusForbidden, msg)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	id := r.PostFormValue("user")
	for _, u := range DemoUsers {
		if u.UserID != id {
			continue
		}
		token, err := s.verifier.Mint(u, demoSession)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "could not sign in")
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: auth.CookieNextAuth, Value: token, Path: "/", MaxAge: int(demoSession.Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
		})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeError(w, http.StatusBadRequest, "user: not a demo user")
}
