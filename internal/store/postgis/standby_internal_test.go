package postgis

import "testing"

func TestSnapshotCovers(t *testing.T) {
	cases := []struct {
		standby, primary string
		want             bool
	}{
		{"10:12:10", "10:12:10", true},  // the same
		{"12:12:", "10:12:10", true},    // the standby saw 10 end meanwhile
		{"10:12:10", "12:12:", false},   // 10 ended on the primary, not yet here
		{"10:11:", "10:12:10,11", true}, // 11 running on the primary, unseen here
		{"10:11:", "10:12:10", false},   // 11 ended on the primary, unseen here
		{"5:20:5,13", "5:15:5", false},  // 13 ended on the primary
		{"5:20:5,17", "5:15:5", true},   // 17 started after the primary's snapshot
		{"5:6:5", "5:900:5", false},     // far behind
	}
	for _, c := range cases {
		s, err := parseSnapshot(c.standby)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseSnapshot(c.primary)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.covers(p); got != c.want {
			t.Errorf("standby %s covers primary %s: %v, want %v", c.standby, c.primary, got, c.want)
		}
	}
	if _, err := parseSnapshot("1:2"); err == nil {
		t.Error("parseSnapshot accepted a malformed snapshot")
	}
}
