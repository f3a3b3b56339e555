// The backend test image of the test node's Services, built by hack/image/echo-image.sh.
module sshtunnel.dev/hack/image/echo

go 1.25.0
