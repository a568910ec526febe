package server

// HoldDemoUser makes the demo's simulated presence connect the demo user
// id, as its loop does at random; it reports whether it did (it refuses
// while a real socket of the user is connected).
func HoldDemoUser(s *Server, userID string) bool {
	for _, u := range DemoUsers {
		if u.UserID == userID {
			return s.demoPeople().connect(u)
		}
	}
	return false
}

// DemoHolds reports whether the demo's simulated presence holds a
// connection of the user.
func DemoHolds(s *Server, userID string) bool { return s.demoPeople().holds(userID) }
