package config

import (
	"strings"
	"testing"
	"time"
)

// KIN_SERVICE_LEVEL_SECONDS (20 unless set) and KIN_TIMEZONE (UTC unless
// set), the settings of GET /api/stats.
func TestStatsSettings(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		args      []string
		env       map[string]string
		wantLevel time.Duration
		wantZone  string
		wantErr   string
	}{
		{"defaults", nil, nil, 20 * time.Second, "UTC", ""},
		{"environment", nil, map[string]string{"KIN_SERVICE_LEVEL_SECONDS": "30", "KIN_TIMEZONE": "Europe/Paris"}, 30 * time.Second, "Europe/Paris", ""},
		{"flags over environment", []string{"--service-level-seconds", "15", "--timezone", "America/New_York"},
			map[string]string{"KIN_SERVICE_LEVEL_SECONDS": "30", "KIN_TIMEZONE": "Europe/Paris"}, 15 * time.Second, "America/New_York", ""},
		{"not a number", nil, map[string]string{"KIN_SERVICE_LEVEL_SECONDS": "20s"}, 0, "", "KIN_SERVICE_LEVEL_SECONDS"},
		{"zero", nil, map[string]string{"KIN_SERVICE_LEVEL_SECONDS": "0"}, 0, "", "KIN_SERVICE_LEVEL_SECONDS"},
		{"unknown zone", nil, map[string]string{"KIN_TIMEZONE": "Mars/Olympus"}, 0, "", "KIN_TIMEZONE"},
		{"local is not a zone", nil, map[string]string{"KIN_TIMEZONE": "Local"}, 0, "", "KIN_TIMEZONE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{"NEXTAUTH_SECRET": "x"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(tt.args, env(e))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ServiceLevel != tt.wantLevel || c.TimeZone.String() != tt.wantZone {
				t.Errorf("ServiceLevel %v, TimeZone %v; want %v, %s", c.ServiceLevel, c.TimeZone, tt.wantLevel, tt.wantZone)
			}
		})
	}
}
