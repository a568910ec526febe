package socketio

import "syscall"

// setRcvBuf sets a socket's receive buffer (SO_RCVBUF); on Windows a
// socket is a Handle, not an int.
func setRcvBuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
