// Package deploy holds no Go code: its folder holds what an operator runs
// kinrt with (the container image's Containerfile and build-image script,
// the systemd unit, Prometheus rules, a Grafana dashboard), and its tests
// check them with the real tools: podman builds and runs the image
// (image_test.go), systemd-analyze verifies the unit (systemd_test.go).
// docs/deploy.md explains them.
package deploy
