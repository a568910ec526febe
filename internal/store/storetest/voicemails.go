package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

func newVoicemail(n int, department string) store.Voicemail {
	return store.Voicemail{CallSID: fmt.Sprintf("CA%d", n), RecordingSID: fmt.Sprintf("RE%d", n),
		RecordingURL: "https://api.twilio.com/rec", From: "+15550001111", To: "+15550002222",
		Department: department, DurationSeconds: 30, CreatedAt: at(n)}
}

func testVoicemailCreateGetUpdate(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	vm, created, err := st.Voicemails().Create(c, newVoicemail(1, "sales"))
	noErr(t, err)
	eq(t, "created", created, true)
	eq(t, "status", vm.Status, store.VoicemailNew)
	if len(vm.ID) != 26 {
		t.Errorf("id %q: want a 26-character sortable id", vm.ID)
	}
	again, created, err := st.Voicemails().Create(c, newVoicemail(1, "support"))
	noErr(t, err)
	eq(t, "created on retry", created, false)
	eq(t, "same id", again.ID, vm.ID)
	eq(t, "department kept", again.Department, "sales")
	got := must(st.Voicemails().Get(c, vm.ID)).of(t)
	if got != vm {
		t.Errorf("Get = %+v, want %+v", got, vm)
	}

	tests := []struct {
		name    string
		patch   store.VoicemailPatch
		changed []string
	}{
		{"listen and assign", store.VoicemailPatch{Status: ptr("listened"), AssignedTo: ptr("u7"), UpdatedBy: "u1"}, []string{"status", "assignedTo"}},
		{"same again", store.VoicemailPatch{Status: ptr("listened"), AssignedTo: ptr("u7")}, nil},
		{"notes", store.VoicemailPatch{Notes: ptr("call back"), Transcription: ptr("hello")}, []string{"notes", "transcription"}},
		{"unassign", store.VoicemailPatch{AssignedTo: ptr(""), UpdatedBy: "u2"}, []string{"assignedTo"}},
		{"empty patch", store.VoicemailPatch{}, nil},
	}
	prev := vm
	for _, tc := range tests {
		ch, err := st.Voicemails().Update(c, vm.ID, tc.patch)
		noErr(t, err)
		if !slices.Equal(ch.Changed, tc.changed) {
			t.Errorf("%s: changed = %v, want %v", tc.name, ch.Changed, tc.changed)
		}
		if ch.Previous != prev {
			t.Errorf("%s: previous = %+v, want %+v", tc.name, ch.Previous, prev)
		}
		stored := must(st.Voicemails().Get(c, vm.ID)).of(t)
		if stored != ch.Voicemail {
			t.Errorf("%s: stored %+v, returned %+v", tc.name, stored, ch.Voicemail)
		}
		prev = stored
	}
	eq(t, "final status", prev.Status, "listened")
	eq(t, "final assignee", prev.AssignedTo, "")
	eq(t, "final notes", prev.Notes, "call back")
	eq(t, "updated by", prev.UpdatedBy, "u2")

	_, err = st.Voicemails().Update(c, vm.ID, store.VoicemailPatch{Status: ptr("deleted")})
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Voicemails().Update(c, "nope", store.VoicemailPatch{Status: ptr("listened")})
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Voicemails().Get(c, "nope")
	wantErr(t, err, store.ErrNotFound)
	_, _, err = st.Voicemails().Create(c, store.Voicemail{})
	wantErr(t, err, store.ErrInvalid)
}

func testVoicemailList(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	deps := []string{"sales", "support", "sales", "billing", "support", "sales"}
	ids := make([]string, len(deps))
	for i, d := range deps {
		vm := must2(st.Voicemails().Create(c, newVoicemail(i, d))).of(t)
		ids[i] = vm.ID
	}
	_, err := st.Voicemails().Update(c, ids[2], store.VoicemailPatch{Status: ptr("archived"), AssignedTo: ptr("u1")})
	noErr(t, err)
	_, err = st.Voicemails().Update(c, ids[4], store.VoicemailPatch{AssignedTo: ptr("u1")})
	noErr(t, err)

	tests := []struct {
		name   string
		filter store.VoicemailFilter
		want   []int // indexes, newest first
	}{
		{"admin", store.VoicemailFilter{Scope: store.AllDepartments()}, []int{5, 4, 3, 2, 1, 0}},
		{"sales", store.VoicemailFilter{Scope: store.InDepartments("sales")}, []int{5, 2, 0}},
		{"sales and billing", store.VoicemailFilter{Scope: store.InDepartments("sales", "billing")}, []int{5, 3, 2, 0}},
		{"no scope", store.VoicemailFilter{}, nil},
		{"status", store.VoicemailFilter{Scope: store.AllDepartments(), Status: "new"}, []int{5, 4, 3, 1, 0}},
		{"assignee", store.VoicemailFilter{Scope: store.AllDepartments(), AssignedTo: "u1"}, []int{4, 2}},
		{"assignee in sales", store.VoicemailFilter{Scope: store.InDepartments("sales"), AssignedTo: "u1"}, []int{2}},
		{"status and assignee", store.VoicemailFilter{Scope: store.AllDepartments(), Status: "archived", AssignedTo: "u1"}, []int{2}},
		{"unknown department", store.VoicemailFilter{Scope: store.InDepartments("legal")}, nil},
	}
	for _, tc := range tests {
		p := must(st.Voicemails().List(c, tc.filter)).of(t)
		var got []string
		for _, v := range p.Items {
			got = append(got, v.ID)
		}
		var want []string
		for _, i := range tc.want {
			want = append(want, ids[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, want)
		}
		eq(t, tc.name+": next cursor", p.NextCursor, "")
	}
}

// collect pages through every voicemail with the given page size.
func collectVoicemails(t *testing.T, st store.Store, f store.VoicemailFilter, between func(page int)) []store.Voicemail {
	t.Helper()
	c := ctx(t)
	var all []store.Voicemail
	for page := 0; ; page++ {
		p := must(st.Voicemails().List(c, f)).of(t)
		if len(p.Items) > store.PageSize(f.Limit) {
			t.Fatalf("page %d has %d items, limit %d", page, len(p.Items), f.Limit)
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all
		}
		if page > 1000 {
			t.Fatal("pagination does not end")
		}
		f.Cursor = p.NextCursor
		if between != nil {
			between(page)
		}
	}
}

func testVoicemailPagination(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	const n = 23
	var want []string
	for i := range n {
		vm := newVoicemail(i, "sales")
		if i%5 == 0 {
			vm.CreatedAt = at(100) // ties on time are broken by id
		}
		want = append(want, must2(st.Voicemails().Create(c, vm)).of(t).ID)
	}
	all := collectVoicemails(t, st, store.VoicemailFilter{Scope: store.AllDepartments()}, nil)
	for _, limit := range []int{1, 2, 5, 7, 22, 23, 24} {
		got := collectVoicemails(t, st, store.VoicemailFilter{Scope: store.AllDepartments(), Limit: limit}, nil)
		if !slices.EqualFunc(got, all, func(a, b store.Voicemail) bool { return a.ID == b.ID }) {
			t.Errorf("limit %d: pages differ from one page", limit)
		}
	}
	checkNewestFirst(t, all)
	slices.Sort(want)
	var got []string
	for _, v := range all {
		got = append(got, v.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pages hold %d voicemails, want the %d created (no duplicates, no gaps)", len(got), len(want))
	}
}

func checkNewestFirst(t *testing.T, vms []store.Voicemail) {
	t.Helper()
	for i := 1; i < len(vms); i++ {
		a, b := vms[i-1], vms[i]
		if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
			t.Fatalf("not newest first at %d: %v %s then %v %s", i, a.CreatedAt, a.ID, b.CreatedAt, b.ID)
		}
	}
}

func testVoicemailPaginationInserts(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i := range 12 {
		must2(st.Voicemails().Create(c, newVoicemail(i, "sales"))).of(t)
	}
	before := collectVoicemails(t, st, store.VoicemailFilter{Scope: store.AllDepartments()}, nil)
	// New voicemails arrive while a client pages: they are newer than the
	// first page, so the pages after it neither repeat nor skip anything.
	next := 1000
	got := collectVoicemails(t, st, store.VoicemailFilter{Scope: store.AllDepartments(), Limit: 5}, func(int) {
		for range 3 {
			must2(st.Voicemails().Create(c, newVoicemail(next, "sales"))).of(t)
			next++
		}
	})
	if !slices.EqualFunc(got, before, func(a, b store.Voicemail) bool { return a.ID == b.ID }) {
		t.Errorf("paging under inserts gave %d items, want the %d there at the start, in order", len(got), len(before))
	}
}

func testVoicemailBadCursor(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i := range 3 {
		must2(st.Voicemails().Create(c, newVoicemail(i, "sales"))).of(t)
	}
	other := store.Cursor{Kind: "messages", At: at(1), ID: "x"}.String()
	for _, cur := range []string{"garbage", "!!", other, store.Cursor{Kind: "voicemails", ID: ""}.String()} {
		_, err := st.Voicemails().List(c, store.VoicemailFilter{Scope: store.AllDepartments(), Cursor: cur})
		wantErr(t, err, store.ErrInvalid)
	}
}
