// The sandbox ("pause") container of the test node's pods, built by hack/image/pause-image.sh.
module sshtunnel.dev/hack/image/pause

go 1.25.0
