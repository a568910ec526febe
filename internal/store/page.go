package store

// Page is one page of a list, newest first.
type Page[T any] struct {
	Items []T
	// NextCursor fetches the next page; "" on the last page.
	NextCursor string
}

// Scope says which departments a list may show.
type Scope struct {
	// All shows every department (admins).
	All bool
	// Departments lists the departments shown when All is false. An empty
	// scope shows nothing.
	Departments []string
}

// AllDepartments is the scope of admins.
func AllDepartments() Scope { return Scope{All: true} }

// InDepartments is the scope of the given departments.
func InDepartments(departments ...string) Scope { return Scope{Departments: departments} }

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageSize returns the page size to use for a requested limit.
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}
