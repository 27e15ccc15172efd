//go:build e2e

package e2e

import "testing"

// TestStories runs the user stories in order on one node. A story that
// fails stops the ones after it that need what it makes (a later story
// would only fail for the same reason, further from the cause).
func TestStories(t *testing.T) {
	s := newSuite(t)
	stories := []struct {
		name   string
		needed bool // later stories cannot run without it
		run    func(*testing.T)
	}{
		{"1-helm-install", true, s.storyInstall},
		{"2-samples-ready-portals-serve", true, s.storySamples},
		{"2-staff-sign-in-chromium", false, s.storyBrowser},
		{"3-job-run-publishes", true, s.storyJobRun},
		{"3-city-run-publishes", false, s.storyCityRun},
		{"4-network-policies", false, s.storyNetworkPolicies},
		{"5-leader-handover", false, s.storyLeaderHandover},
		{"6-portal-pod-deleted", false, s.storyPortalPodDeleted},
		{"6-minio-restarted-mid-run", false, s.storyMinIORestart},
		{"6-manager-killed-mid-run", false, s.storyManagerKilled},
		{"7-helm-upgrade", true, s.storyUpgrade},
		{"7-helm-uninstall", false, s.storyUninstall},
	}
	for _, st := range stories {
		if !t.Run(st.name, st.run) && st.needed {
			t.Fatalf("story %s failed: the stories after it need what it makes", st.name)
		}
	}
}
