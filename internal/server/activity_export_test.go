package server

// StopActivityWriter stops s's activity writer as Close does (what was
// queued is written; later entries are dropped and counted), so that a
// test can tell the entries a webhook journaled from those the writer
// appends.
func StopActivityWriter(s *Server) { s.activity.close() }
